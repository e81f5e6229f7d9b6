"""The deposited PDF: the copy kept at the deposit first; else rebuilt when chorusflow rendered it,
served when the ERP's file is readable,
and an honest reason otherwise."""

from __future__ import annotations

from pathlib import Path

from chorusflow.desk.documents import deposited_pdf
from chorusflow.documents.invoice_pdf import invoice_pdf
from chorusflow.invoice import Invoice
from chorusflow.ledger import InvoiceDetail, Ledger
from chorusflow.storage import store_invoice_pdf
from tests.desk.story import Story


def _detail(ledger: Ledger, number: str) -> InvoiceDetail:
    detail = ledger.get_invoice(number)
    assert detail is not None
    return detail


def test_a_rendered_pdf_is_rebuilt_byte_for_byte(ledger: Ledger, story: Story) -> None:
    detail = _detail(ledger, "F2026-0101")
    pdf = deposited_pdf(detail)
    assert pdf.reason is None and pdf.rendered and pdf.filename == "F2026-0101.pdf"
    assert pdf.content == invoice_pdf(Invoice.model_validate(detail.normalized))
    assert pdf.content is not None and pdf.content.startswith(b"%PDF")
    assert deposited_pdf(detail, read=False).content is None


def test_no_pdf_before_the_deposit_nor_for_the_saisie_channel(ledger: Ledger, story: Story) -> None:
    assert deposited_pdf(_detail(ledger, "F2026-0110")).reason == "pdf_not_deposited"
    assert deposited_pdf(_detail(ledger, "F2026-0105")).reason == "pdf_not_deposited"
    saisie = _detail(ledger, "F2026-0101").model_copy(update={"deposit_channel": "saisie"})
    assert deposited_pdf(saisie).reason == "pdf_other_channel"


def test_an_erp_pdf_is_served_where_readable_else_the_desk_says_it_is_on_the_worker(
    ledger: Ledger, story: Story, tmp_path: Path
) -> None:
    detail = _detail(ledger, "F2026-0101")
    erp_file = tmp_path / "F2026-0101-erp.pdf"
    erp_file.write_bytes(b"%PDF-1.4 the ERP's own")
    with_erp = detail.model_copy(
        update={"normalized": {**(detail.normalized or {}), "attachment": str(erp_file)}}
    )
    served = deposited_pdf(with_erp)
    assert served.content == b"%PDF-1.4 the ERP's own" and not served.rendered
    assert served.filename == "F2026-0101-erp.pdf"
    erp_file.unlink()
    missing = deposited_pdf(with_erp)
    assert missing.content is None and missing.reason == "pdf_on_worker"
    assert missing.values == {"name": "F2026-0101-erp.pdf"}


def test_the_copy_kept_at_the_deposit_is_served_first_even_when_the_erp_file_is_gone(
    ledger: Ledger, story: Story, tmp_path: Path
) -> None:
    detail = _detail(ledger, "F2026-0101")
    with_erp = detail.model_copy(
        update={"normalized": {**(detail.normalized or {}), "attachment": str(tmp_path / "gone.pdf")}}
    )
    documents = tmp_path / "reports"
    assert deposited_pdf(with_erp, documents=documents).reason == "pdf_on_worker"  # nothing kept yet

    store_invoice_pdf(documents, detail.supplier_siret, detail.invoice_number, b"%PDF-1.7 as deposited")

    offered = deposited_pdf(with_erp, read=False, documents=documents)
    assert offered.reason is None and offered.content is None and not offered.rendered
    served = deposited_pdf(with_erp, documents=documents)
    assert served.content == b"%PDF-1.7 as deposited" and served.filename == "gone.pdf"
    assert deposited_pdf(detail, documents=documents).content == b"%PDF-1.7 as deposited"
