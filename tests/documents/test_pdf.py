"""The invoice PDF: every mandatory mention is in its text, it is deterministic, it never loses text."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from chorusflow.documents.pdf import missing_mentions, render_invoice_pdf
from chorusflow.rules.validate import validate_export
from tests.documents.builders import SUPPLIER, invoice, many_lines, page_count, pdf_text

REPO = Path(__file__).resolve().parents[2]
PENALTY = (
    "taux d'intérêt appliqué par la Banque centrale européenne à son opération de refinancement la plus "
    "récente, majoré de 10 points"
)
INDEMNITY = "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €"
NO_DISCOUNT = "Pas d'escompte pour paiement anticipé"
DEBITS = "Option pour le paiement de la taxe d'après les débits"

# What every render of the default invoice carries, whatever its language: the parties' identities,
# numbers, dates, amounts and the legal mentions' French wording.
COMMON = [
    "ACME Energie SAS",
    "12 rue de l'Industrie",
    "69003 Lyon",
    "SAS",
    "150 000 €",
    "RCS Lyon 452 188 014",
    "SIREN 452188014",
    "SIRET 45218801400016",
    "FR42452188014",
    "Commune de Démoville",
    "1 place de la Mairie",
    "SIRET 21990001600011",
    "SIREN 219900016",
    "Groupe scolaire Jules Ferry",
    "4 rue des Écoles",
    "F2026-0901",
    "03/12/2026",  # issue date
    "30/11/2026",  # delivery date
    "02/01/2027",  # due date
    "Mixte (biens et services)",
    "EJ-2026-0042",
    "SERV_TECH",
    "MAPA-2026-17",
    "Maintenance chaudière gaz - forfait mensuel",
    "12 500",  # quantity
    "kWh",
    "0,1845 €",  # a unit price keeps its four decimals
    "100,00 €",  # the discount on the insulation line
    "3 800,00 €",  # its net amount
    "5,5 %",
    "34 190,40 €",
    "40 746,65 €",  # total excl. VAT
    "551,25 €",  # VAT at 20 % on 2 756,25 €
    "2 756,25 €",
    "209,00 €",
    "3 419,04 €",
    "4 179,29 €",  # total VAT
    "44 925,94 €",  # total incl. VAT and amount due
    "IBAN FR76 3000 6000 0112 3456 7890 189",
    "BIC AGRIFRPP",
    PENALTY,
    INDEMNITY,
    NO_DISCOUNT,
    DEBITS,
    "Intervention réalisée conformément au bon de commande.",
]

FRENCH = [
    "Facture",
    "Date d'émission",
    "Date d'échéance",
    "Client",
    "Adresse de livraison",
    "Nature de l'opération",
    "Numéro d'engagement",
    "Code service",
    "Numéro de marché",
    "Cadre de facturation A1",
    "Désignation",
    "Qté",
    "Unité",
    "Prix unitaire HT",
    "Remise",
    "Récapitulatif de la TVA",
    "Total HT 40 746,65 €",
    "Total TVA 4 179,29 €",
    "Total TTC 44 925,94 €",
    "Net à payer 44 925,94 €",
    "Moyen de paiement Virement",
    "Pénalités de retard",
    "Page 1/1",
]
ENGLISH = [
    "Invoice",
    "Issue date",
    "Due date",
    "Buyer",
    "Delivery address",
    "Nature of the operation",
    "Commitment number (numéro d'engagement)",
    "Service code",
    "Description",
    "Unit price excl. VAT",
    "VAT breakdown",
    "Total excl. VAT 40 746,65 €",
    "Total incl. VAT 44 925,94 €",
    "Amount due 44 925,94 €",
    "Payment means Bank transfer",
    "the European Central Bank's most recent refinancing rate plus 10 points",
    "Page 1/1",
]


def missing(text: str, expected: list[str]) -> list[str]:
    return [item for item in expected if item not in text]


def test_french_render_carries_every_mandatory_mention() -> None:
    text = pdf_text(render_invoice_pdf(invoice()))
    assert missing(text, COMMON + FRENCH) == []
    assert "Avoir" not in text and "Facture d'origine" not in text


def test_english_render_translates_labels_and_keeps_the_french_legal_wording() -> None:
    text = pdf_text(render_invoice_pdf(invoice(), lang="en"))
    assert missing(text, COMMON + ENGLISH) == []
    assert "Net à payer" not in text and "Date d'échéance" not in text


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        render_invoice_pdf(invoice(), lang="de")


def test_credit_note_is_titled_avoir_with_the_original_invoice() -> None:
    note = invoice(
        invoice_number="AV2026-0007",
        invoice_type="AVOIR",
        original_invoice_number="F2026-0901",
        payment_means=None,  # as validation leaves a credit note
    )
    text = pdf_text(render_invoice_pdf(note))
    assert "Moyen de paiement" not in text and "IBAN" not in text
    assert "Avoir" in text and "AV2026-0007" in text
    assert "Facture d'origine F2026-0901" in text
    assert "Montant de l'avoir à déduire 44 925,94 €" in text
    english = pdf_text(render_invoice_pdf(note, lang="en"))
    assert "Credit note" in english and "Original invoice F2026-0901" in english


def test_exempt_line_prints_the_exemption_reason() -> None:
    reason = "Exonération de TVA, article 262 ter, I du CGI"
    exempt = invoice(
        [("Livraison intracommunautaire de compteurs", "10", "u", "120.00", "0", "0")],
        vat_exemption_reason=reason,
        operation_nature="goods",
    )
    text = pdf_text(render_invoice_pdf(exempt))
    assert f"TVA 0 % : {reason}" in text
    assert "Livraison de biens" in text
    assert "Total TVA 0,00 €" in text and "Net à payer 1 200,00 €" in text


def test_debits_option_only_when_the_supplier_took_it() -> None:
    receipts = invoice(supplier=SUPPLIER.model_copy(update={"vat_regime": "receipts"}))
    assert DEBITS not in pdf_text(render_invoice_pdf(receipts))
    assert DEBITS in pdf_text(render_invoice_pdf(invoice()))


def test_supplier_terms_replace_the_legal_defaults() -> None:
    supplier = SUPPLIER.model_copy(
        update={
            "late_penalty_rate": "trois fois le taux d'intérêt légal",
            "early_payment_discount": "2 % pour paiement sous 10 jours",
        }
    )
    text = pdf_text(render_invoice_pdf(invoice(supplier=supplier)))
    assert "Pénalités de retard trois fois le taux d'intérêt légal" in text
    assert "Escompte pour paiement anticipé 2 % pour paiement sous 10 jours" in text
    assert PENALTY not in text and NO_DISCOUNT not in text
    assert INDEMNITY in text  # fixed by decree, whatever the supplier's terms


def test_optional_mentions_left_out_when_not_given() -> None:
    bare = invoice(
        buyer_address=None,
        delivery_address=None,
        operation_nature=None,
        service_code=None,
        engagement_number=None,
        market_number=None,
        delivery_date=None,
        comment=None,
    )
    text = pdf_text(render_invoice_pdf(bare))
    for absent in ("Adresse de livraison", "Nature de l'opération", "Numéro d'engagement", "Code service"):
        assert absent not in text
    # the buyer is still named and identified; the delivery date is the invoice's
    assert "Client Commune de Démoville SIRET 21990001600011 · SIREN 219900016" in text
    assert "date de livraison = date de facture" in text


def test_validator_siret_and_billing_framework() -> None:
    text = pdf_text(render_invoice_pdf(invoice(billing_framework="A9", validator_siret="11000001500013")))
    assert "Cadre de facturation A9 (facture d'un sous-traitant)" in text
    assert "SIRET du valideur 11000001500013" in text


def test_transfer_to_the_invoice_iban_and_other_means() -> None:
    own = invoice(supplier_iban="FR7610107001011234567890129")
    assert "IBAN FR76 1010 7001 0112 3456 7890 129" in pdf_text(render_invoice_pdf(own))
    cheque = pdf_text(render_invoice_pdf(invoice(payment_means="CHEQUE")))
    assert "Moyen de paiement Chèque" in cheque and "IBAN" not in cheque


def test_same_invoice_gives_the_same_bytes() -> None:
    first, second = render_invoice_pdf(invoice()), render_invoice_pdf(invoice())
    assert first == second
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None and metadata["/CreationDate"].startswith("D:20261203")
    assert metadata.title == "Facture F2026-0901"


def test_another_process_gives_the_same_bytes() -> None:
    """Nothing depends on the process: not the clock, not the hash seed of sets and dicts."""
    script = (
        "import hashlib; from tests.documents.builders import invoice, many_lines; "
        "from chorusflow.documents.pdf import missing_mentions, render_invoice_pdf; "
        "print(hashlib.sha256(render_invoice_pdf(invoice(many_lines(40)), lang='en')).hexdigest())"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    here = hashlib.sha256(render_invoice_pdf(invoice(many_lines(40)), lang="en")).hexdigest()
    assert result.stdout.strip() == here


@pytest.mark.parametrize(
    "change",
    [
        {"invoice_number": "F2026-0902"},
        {"due_date": invoice().due_date.replace(day=3)},
        {"engagement_number": "EJ-2026-0043"},
        {"total_ttc": Decimal("44925.95")},
    ],
)
def test_a_changed_field_changes_the_bytes(change: dict[str, object]) -> None:
    assert render_invoice_pdf(invoice(**change)) != render_invoice_pdf(invoice())


def test_many_lines_flow_over_pages_with_the_header_repeated() -> None:
    pdf = render_invoice_pdf(invoice(many_lines(150)))
    pages = page_count(pdf)
    assert pages >= 3
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number}/{pages}" in text
        if number < pages:  # the last page may hold only the totals and the terms
            assert "Désignation" in text and "Prix unitaire HT" in text
    text = pdf_text(pdf)
    assert all(f"Ligne {index} : intervention" in text for index in range(1, 151))
    assert text.count("sur site avec rapport détaillé") == 4 * 50  # wrapped, never cut
    assert "Net à payer" in text and INDEMNITY in text


def test_long_texts_wrap_and_are_kept_whole() -> None:
    description = "Fourniture et pose " + "d'un luminaire LED " * 400 + "FIN-DE-LIGNE"
    word = "X" * 500
    long_invoice = invoice(
        [
            (description, "1", "ensemble de luminaires", "10.00", "0", "20"),
            (word, "1", None, "1.00", "0", "20"),
        ],
        comment="Commentaire très long. " * 600,
        buyer_address="\n".join(f"Bâtiment {index}" for index in range(1, 121)),  # taller than a page
    )
    pdf = render_invoice_pdf(long_invoice)
    text = pdf_text(pdf)
    assert page_count(pdf) > 1
    words = text.split()  # a page break may fall inside the phrase: count its words
    assert words.count("luminaire") == words.count("LED") == 400 and "FIN-DE-LIGNE" in words
    assert "".join(text.split()).count("X" * 500) == 1  # cut into lines, every character kept
    assert words.count("long.") == 600
    assert words.count("Bâtiment") == 120 and "Bâtiment 120" in text  # a block split over two pages
    assert "ensemble de luminaires" in text


def test_characters_outside_winansi_do_not_crash_and_show() -> None:
    odd = invoice(
        [
            (
                "Câble Łódź 中文 — œuvre ’quote’ «guillemets» € αβ ﬁn e\u0301t\u00e9",
                "1",
                "u",
                "1.00",
                "0",
                "20",
            )
        ],
        buyer_name="Syndicat ‘Ωmega’ de Göteborg\u202fSud",
    )
    text = pdf_text(render_invoice_pdf(odd))
    assert "Câble" in text and "œuvre ’quote’ «guillemets» €" in text
    assert "■ód■" in text and "■■" in text  # no glyph: a visible black square, the rest kept
    assert "fin été" in text  # a ligature and a decomposed accent drawn as plain letters
    assert "αβ" in text  # drawn from the Symbol font
    assert "Göteborg Sud" in text


def test_every_valid_invoice_of_the_sample_export_renders() -> None:
    report = validate_export(
        REPO / "examples" / "sample-export.csv", supplier=SUPPLIER, profiles={}, lang="fr"
    )
    invoices = [verdict.invoice for verdict in report.invoices if verdict.invoice is not None]
    assert len(invoices) >= 20
    for item in invoices:
        text = pdf_text(render_invoice_pdf(item))
        assert item.invoice_number in text and item.buyer_siret[:9] in text
    credit = next(item for item in invoices if item.invoice_type == "AVOIR")
    assert "Facture d'origine F2026-0111" in pdf_text(render_invoice_pdf(credit))


def test_missing_mentions_names_the_absent_data() -> None:
    assert missing_mentions(invoice()) == []
    bare = SUPPLIER.model_copy(update={"vat_number": None, "share_capital": None, "iban": None})
    assert missing_mentions(invoice(supplier=bare, buyer_name=None)) == [
        "supplier.vat_number",
        "supplier.share_capital",
        "buyer_name",
        "supplier.iban",
    ]
    individual = SUPPLIER.model_copy(update={"legal_form": "EI", "share_capital": None})
    assert missing_mentions(invoice(supplier=individual)) == []  # an EI has no capital
    assert missing_mentions(invoice(supplier=bare, payment_means="CHEQUE"))[-1] != "supplier.iban"
