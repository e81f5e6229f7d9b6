"""One saxonche child for the whole test session, shared by every Factur-X test (and the CLI's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chorusflow.facturx import schematron
from chorusflow.facturx.schematron import SchematronProcess
from chorusflow.invoice import Invoice
from chorusflow.rules.validate import validate_export

REPO = Path(__file__).resolve().parents[2]
SAMPLE_EXPORT = REPO / "examples" / "sample-export.csv"


@pytest.fixture(scope="session")
def saxon() -> Iterator[SchematronProcess]:
    """The child process, started once; ``check_facturx`` without ``process=`` uses it too."""
    process = SchematronProcess()
    process.start()
    previous, schematron._shared = schematron._shared, process
    yield process
    schematron._shared = previous
    process.close()


@pytest.fixture(scope="session")
def sample_invoices() -> list[Invoice]:
    """The valid invoices of the sample export, as chorusflow validates them offline."""
    report = validate_export(SAMPLE_EXPORT, lang="en")
    return [verdict.invoice for verdict in report.invoices if verdict.valid and verdict.invoice]
