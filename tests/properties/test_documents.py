"""Every invoice that validation accepts renders a PDF with every mandatory mention, builds a
Factur-X that passes every check, and gives a ``soumettre`` body that conforms to the Swagger."""

from __future__ import annotations

from hypothesis import given, settings

from chorusflow.documents.invoice_pdf import invoice_pdf
from chorusflow.invoice import Invoice
from tests.properties.conftest import examples, ran
from tests.properties.strategies import Dialect, GeneratedInvoice, invoice_rows, valid_exports, write_export
from tests.properties.support import (
    facturx_errors,
    missing_mentions_in_pdf,
    swagger_errors,
    validate_bytes,
)


def _accepted(export: tuple[Dialect, list[GeneratedInvoice]]) -> list[Invoice]:
    dialect, invoices = export
    outcome = validate_bytes(write_export(invoice_rows(invoices), dialect), invoices[0].supplier_id, dialect)
    accepted = outcome.accepted
    assert accepted, [(v.invoice_number, [f.code for f in v.errors]) for v in outcome.verdicts]
    return accepted


@settings(max_examples=examples("pdf"))
@given(valid_exports(max_invoices=2))
def test_every_accepted_invoice_renders_a_pdf_with_every_mandatory_mention(export: tuple) -> None:
    for invoice in _accepted(export):
        ran("pdf invoices")
        assert missing_mentions_in_pdf(invoice, invoice_pdf(invoice)) == []


@settings(max_examples=examples("facturx"))
@given(valid_exports(max_invoices=2))
def test_every_accepted_invoice_builds_a_conformant_facturx(export: tuple) -> None:
    for invoice in _accepted(export):
        ran("facturx invoices")
        assert facturx_errors(invoice) == []


@settings(max_examples=examples("swagger"))
@given(valid_exports(max_invoices=3))
def test_every_accepted_invoice_gives_a_soumettre_body_that_conforms_to_the_swagger(export: tuple) -> None:
    for invoice in _accepted(export):
        ran("swagger invoices")
        assert swagger_errors(invoice) == []
