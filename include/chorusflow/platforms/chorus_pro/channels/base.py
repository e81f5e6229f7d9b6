"""What every deposit channel shares: reconciliation by number, the request, the invoice's PDF.

The channels themselves are :mod:`.pdf`, :mod:`.saisie` and :mod:`.facturx`; the package says which
one an invoice takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from chorusflow.documents.invoice_pdf import attachment_name
from chorusflow.invoice import Invoice
from chorusflow.messages import text
from chorusflow.platforms.chorus_pro.accounts import SupplierAccount
from chorusflow.platforms.chorus_pro.models import (
    InvoiceRecipient,
    InvoiceReferences,
    InvoiceSupplier,
    InvoicingFramework,
    MainAttachment,
    SubmitInvoiceRequest,
    SubmitInvoiceResponse,
    SubmitLine,
    SubmitTotals,
    SupplierInvoiceRow,
    VatLine,
)
from chorusflow.platforms.chorus_pro.models import VatRegime as ChorusVatRegime
from chorusflow.platforms.interface import Held, Reconciliation
from chorusflow.rules.checks.crossborder import TREATMENTS

BILLING_FRAMEWORK_CODES = {
    "A1": "A1_FACTURE_FOURNISSEUR",
    "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
    "A9": "A9_FACTURE_SOUSTRAITANT",
    "A12": "A12_FACTURE_COTRAITANT",
}
VAT_REGIMES: dict[str, ChorusVatRegime] = {"debits": "TVA_SUR_DEBIT", "receipts": "TVA_SUR_ENCAISSEMENT"}


@dataclass(frozen=True)
class Expected:
    """What we know of an invoice, to tell whether a search row is that invoice."""

    number: str
    buyer_siret: str | None
    invoice_type: str | None
    total_ttc: Decimal | None

    @classmethod
    def of(cls, invoice: Invoice) -> Expected:
        return cls(invoice.invoice_number, invoice.buyer_siret, invoice.invoice_type, invoice.total_ttc)


def held(row: SupplierInvoiceRow) -> Held:
    """What a search row says Chorus Pro holds (a deposit's first status is ``DEPOSEE``)."""
    return Held(
        platform_id=int(row.identifiant_facture_cpp),
        number=row.numero_facture,
        status=row.status or "DEPOSEE",
        batch_number=row.numero_flux_depot,
    )


def judge_by_number(
    rows: list[SupplierInvoiceRow], expected: Expected, known_ids: set[int]
) -> Reconciliation:
    """What a search by number says of ``expected``: one row of the same buyer, type and amount that
    no other invoice of the ledger holds is adopted; several rows, or one that differs, go to a
    person; no row means Chorus Pro does not hold it."""
    same_number = [row for row in rows if row.numero_facture == expected.number]
    if not same_number:
        return Reconciliation()
    if len(same_number) == 1:
        row = same_number[0]
        differs = _differences(row, expected)
        if row.identifiant_facture_cpp in known_ids:
            differs.append("its Chorus Pro id already belongs to another invoice of the ledger")
        if not differs:
            return Reconciliation(found=held(row), candidates=[held(row)])
        reason = (
            f"Chorus Pro holds an invoice numbered {expected.number} (id {row.identifiant_facture_cpp}) but "
            + "; ".join(differs)
            + ": check on the portal whether it is this invoice"
        )
        return Reconciliation(ambiguous=reason, candidates=[held(row)])
    listed = ", ".join(f"id {row.identifiant_facture_cpp}" for row in same_number[:10])
    reason = (
        f"Chorus Pro holds {len(same_number)} invoices numbered {expected.number} ({listed}): "
        "check on the portal"
    )
    return Reconciliation(ambiguous=reason, candidates=[held(row) for row in same_number])


def _differences(row: SupplierInvoiceRow, expected: Expected) -> list[str]:
    """How a search row differs from the invoice expected (absent values never count)."""
    differs = []
    if row.code_destinataire and expected.buyer_siret and row.code_destinataire != expected.buyer_siret:
        differs.append(f"its buyer is {row.code_destinataire}, not {expected.buyer_siret}")
    if row.type_facture and expected.invoice_type and row.type_facture != expected.invoice_type:
        differs.append(f"it is a {row.type_facture}, not a {expected.invoice_type}")
    if (
        row.montant_ttc is not None
        and expected.total_ttc is not None
        and row.montant_ttc != expected.total_ttc
    ):
        differs.append(f"its amount is {row.montant_ttc}, not {expected.total_ttc}")
    return differs


#: Called with each invoice and the PDF about to be deposited with it, to keep a copy.
PdfKeeper = Callable[[Invoice, bytes], object]


def build_submit_request(
    invoice: Invoice,
    account: SupplierAccount,
    *,
    attachment_id: int | None = None,
) -> SubmitInvoiceRequest:
    """The ``soumettre`` body: ``DEPOT_PDF_API`` with the supplier's number and date when a PDF is
    attached, else ``SAISIE_API`` (where Chorus Pro issues its own number, so none is sent)."""
    pdf_mode = attachment_id is not None
    is_credit_note = invoice.invoice_type == "AVOIR"
    exempt = invoice.vat_exemption_reason is not None and invoice.total_vat == 0
    type_tva, reason = vat_type(invoice, exempt)
    return SubmitInvoiceRequest(
        mode_depot="DEPOT_PDF_API" if pdf_mode else "SAISIE_API",
        numero_facture_saisi=invoice.invoice_number if pdf_mode else None,
        date_facture=invoice.issue_date if pdf_mode else None,
        destinataire=InvoiceRecipient(
            code_destinataire=invoice.buyer_siret, code_service_executant=invoice.service_code or None
        ),
        fournisseur=InvoiceSupplier(
            id_fournisseur=account.structure_id,
            code_coordonnees_bancaires_fournisseur=(
                account.bank_account_id if invoice.payment_means == "VIREMENT" else None
            ),
        ),
        cadre_de_facturation=InvoicingFramework(
            code_cadre_facturation=BILLING_FRAMEWORK_CODES[invoice.billing_framework],
            code_structure_valideur=invoice.validator_siret or None,
        ),
        references=InvoiceReferences(
            devise_facture=invoice.currency,
            type_facture=invoice.invoice_type,
            type_tva=type_tva,
            motif_exoneration_tva=reason,
            numero_marche=invoice.market_number or None,
            numero_bon_commande=invoice.engagement_number or None,
            numero_facture_origine=invoice.original_invoice_number or None,
            # A credit note carries no payment mode (Chorus Pro refuses one).
            mode_paiement=None if is_credit_note else (invoice.payment_means or "VIREMENT"),
        ),
        ligne_poste=[
            SubmitLine(
                numero=line.number,
                denomination=line.description,  # the rules refuse what Chorus Pro would not take
                quantite=line.quantity,
                unite=line.unit or None,
                montant_unitaire_ht=line.unit_price,
                montant_remise_ht=line.discount or None,
                taux_tva_manuel=line.vat_rate,
            )
            for line in invoice.lines
        ],
        ligne_tva=[
            VatLine(taux_manuel=vat.rate, montant_base_ht=vat.base, montant_tva=vat.vat)
            for vat in invoice.vat_breakdown
        ],
        montant_total=SubmitTotals(
            montant_ht_total=invoice.total_ht,
            montant_tva=invoice.total_vat,
            montant_ttc_total=invoice.total_ttc,
            montant_a_payer=Decimal("0.00") if invoice.billing_framework == "A2" else invoice.total_ttc,
        ),
        piece_jointe_principale=(
            [MainAttachment(id=attachment_id, designation=attachment_name(invoice))] if pdf_mode else None
        ),
        commentaire=invoice.comment or None,
    )


def vat_type(invoice: Invoice, exempt: bool) -> tuple[ChorusVatRegime, str | None]:
    """``typeTva`` and ``motifExonerationTva``: a cross-border treatment's (``EXONERATION`` with its
    legal mention, or ``SANS_TVA`` for goods taxed at import), an exemption's, else the supplier's regime."""
    treatment = TREATMENTS.get(invoice.vat_treatment)
    if treatment is not None and invoice.total_vat == 0:
        if treatment.type_tva == "SANS_TVA":
            return "SANS_TVA", None
        return "EXONERATION", invoice.vat_exemption_reason or text(treatment.mention_key, "fr")
    if exempt:
        return "EXONERATION", invoice.vat_exemption_reason or None
    return VAT_REGIMES[invoice.supplier.vat_regime], invoice.vat_exemption_reason or None


def deposited(answer: SubmitInvoiceResponse) -> Held:
    """What ``soumettre`` says Chorus Pro now holds (its first status is ``DEPOSEE``)."""
    return Held(
        platform_id=int(answer.identifiant_facture_cpp),
        number=answer.numero_facture,
        status=answer.status or "DEPOSEE",
    )
