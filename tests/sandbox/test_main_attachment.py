"""soumettre refuses a Factur-X or an encrypted PDF as the main attachment (pieceJointePrincipale)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject

from tests.fixtures.sandbox import RawChorusApi, SandboxAdmin, plain_pdf, soumettre_body

SOUMETTRE = "/cpro/factures/v1/soumettre"
FACTURX_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">'
    b"<fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
CII = b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>'


def _rewrite(change: Callable[[PdfWriter], None]) -> bytes:
    """A plain PDF changed by ``change``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain_pdf("Facture FX-1"))))
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _embedded(name: str) -> Callable[[PdfWriter], None]:
    return lambda writer: writer.add_attachment(name, CII)


def _af_entry(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/AF")] = ArrayObject()


def _facturx_xmp(writer: PdfWriter) -> None:
    writer.xmp_metadata = FACTURX_XMP


def _deposit(api: RawChorusApi, content: bytes, mode: str = "DEPOT_PDF_API") -> dict[str, object]:
    attachment_id = api.upload_pdf(content)
    number = "SAISIE" if mode == "SAISIE_API" else "FX-1"
    return api.call(SOUMETTRE, soumettre_body(number, mode=mode, attachment_id=attachment_id))


@pytest.mark.parametrize(
    "change",
    [
        _embedded("factur-x.xml"),
        _embedded("ZUGFeRD-invoice.xml"),
        _embedded("xrechnung.xml"),
        _af_entry,
        _facturx_xmp,
    ],
    ids=["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "AF", "XMP"],
)
def test_facturx_main_attachment_refused(
    api: RawChorusApi, admin: SandboxAdmin, change: Callable[[PdfWriter], None]
) -> None:
    answer = _deposit(api, _rewrite(change))
    assert answer["codeRetour"] == 20025, answer
    libelle = str(answer["libelle"])
    assert libelle == "GDP_MSG_11.062"
    assert admin.invoices() == [] and admin.submission_counts() == {}


@pytest.mark.parametrize("mode", ["DEPOT_PDF_SIGNE_API", "SAISIE_API"])
def test_facturx_refused_in_every_mode(api: RawChorusApi, mode: str) -> None:
    assert _deposit(api, _rewrite(_embedded("factur-x.xml")), mode)["codeRetour"] == 20025


def test_other_embedded_files_are_fine(api: RawChorusApi) -> None:
    answer = _deposit(api, _rewrite(_embedded("bon-de-livraison.xml")))
    assert answer["codeRetour"] == 0, answer


@pytest.mark.parametrize(
    ("user_password", "owner_password"),
    [("secret", None), ("", "owner-only")],
    ids=["password to open", "owner password only"],
)
def test_encrypted_main_attachment_refused(
    api: RawChorusApi, admin: SandboxAdmin, user_password: str, owner_password: str | None
) -> None:
    content = _rewrite(lambda writer: writer.encrypt(user_password, owner_password))
    assert PdfReader(io.BytesIO(content)).is_encrypted
    answer = _deposit(api, content)
    assert answer["codeRetour"] == 20026, answer
    libelle = str(answer["libelle"])
    assert libelle == "GDP_MSG_11.063"
    assert admin.invoices() == []


def test_plain_and_unreadable_pdfs_are_accepted(api: RawChorusApi) -> None:
    assert _deposit(api, plain_pdf("Facture FX-1"))["codeRetour"] == 0
    # Not a readable PDF: the sandbox does not emulate the platform's other file checks.
    broken = api.upload_pdf(b"%PDF-1.4 not really a PDF")
    body = soumettre_body("FX-2", mode="DEPOT_PDF_API", attachment_id=broken)
    assert api.call(SOUMETTRE, body)["codeRetour"] == 0
