"""Fixtures-grade helpers for tests and benchmarks: canonical export writer, sample invoices, deposits.

- ``chorusflow_dev.testing.exports``: sample export rows and the CSV writer of exports. It stays light
  (neither the ledger nor the Chorus Pro client) because the validation benchmark measures memory;
- ``chorusflow_dev.testing.deposits``: a valid ``SubmitInvoiceRequest``, its validator verdict, and
  ledger seeding as the submit task leaves it.

The pipeline never uses them. They import neither Airflow nor pytest, so ``bench/*.py`` runs them
outside pytest. The parties are those of the sandbox's default directory
(``chorusflow_dev/sandbox/default_directory.yaml``).
"""

from datetime import date

SUPPLIER_ID = 26311001
SUPPLIER_SIRET = "45218801400016"
COMMUNE = "21990001600011"  # requires neither a service code nor an engagement number
COMMUNE_NAME = "Commune de Démoville"
ISSUE_DATE = date(2026, 11, 2)  # of every sample invoice unless told otherwise
