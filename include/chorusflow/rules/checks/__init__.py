"""The validation rules, one module per family of columns; each module's docstring lists its codes.

Whole-column checks (run once over the table, each returning a typed result with its findings):
``rows`` (FIELD_MISSING, ROW_MALFORMED), ``numbers`` (quantities, prices, VAT rates, discounts,
amounts), ``dates``, ``identifiers`` (invoice numbers, SIRETs, IBANs), ``code_lists`` (invoice type,
currency, billing framework, payment means, operation nature), ``texts`` (lengths, delivery
address); ``columns`` runs them in the order of the report, and ``headers`` (HEADER_CONFLICT)
once the rows are grouped into invoices. ``flags`` is how they report.

Rules of an invoice as a whole, called per invoice by ``chorusflow.rules.verdict.check_invoice``:
the ``*_findings`` functions of ``dates``, ``code_lists``, ``identifiers`` and ``amounts``, and
``attachments`` and ``buyers`` (buyer profiles, then the Chorus Pro directory).
"""
