"""Rows and directories for the tests of exports and rules (written by ``chorusflow_dev.testing.exports``)."""

from __future__ import annotations

from pathlib import Path

from chorusflow.rules import BuyerRecord, ServiceRecord, StaticDirectory, validate_export

COMMUNE = "21990001600011"
IFPEN = "77572915500017"
HOSPITAL = "26990001500018"
MINISTRY = "11000001500013"
SYNDICATE = "20009001700019"
UNKNOWN_VALID_SIRET = "73282932000074"
MAIN_CONTRACTOR = "73282932000074"  # a valid private SIRET: the validator of A9 / A12 invoices

BASE_ROW: dict[str, str] = {
    "invoice_number": "F2026-0001",
    "issue_date": "2026-11-02",
    "due_date": "2026-12-02",
    "delivery_date": "2026-10-30",
    "buyer_siret": COMMUNE,
    "line_description": "Maintenance chaudière",
    "quantity": "2",
    "unit_price": "100.00",
    "vat_rate": "20",
    "operation_nature": "services",  # a 2026 reform mention, an error from the supplier's date on
}


def row(**overrides: str) -> dict[str, str]:
    """A valid canonical row with some values replaced."""
    return {**BASE_ROW, **overrides}


def sandbox_directory() -> StaticDirectory:
    """The buyers of the sandbox's default directory, as static records."""
    return StaticDirectory(
        [
            BuyerRecord(
                siret=IFPEN,
                name="IFP Energies nouvelles (IFPEN)",
                service_code_required=True,
                services={
                    "Facture_commande": ServiceRecord(code="Facture_commande", engagement_required=True),
                    "Facture_sans_commande": ServiceRecord(code="Facture_sans_commande"),
                },
            ),
            BuyerRecord(siret=COMMUNE, name="Commune de Démoville"),
            BuyerRecord(siret=HOSPITAL, name="Centre hospitalier de Démoville", engagement_required=True),
            BuyerRecord(
                siret=MINISTRY,
                name="Ministère de la Démonstration",
                service_or_engagement_required=True,
                services={
                    "SERV_FIN": ServiceRecord(code="SERV_FIN"),
                    "ANCIEN_SERVICE": ServiceRecord(code="ANCIEN_SERVICE", active=False),
                    "FACTURES_PUBLIQUES": ServiceRecord(code="FACTURES_PUBLIQUES"),
                },
            ),
            BuyerRecord(siret=SYNDICATE, name="Syndicat intercommunal dissous", active=False),
        ]
    )


def codes(path: Path, **options: object) -> dict[str, set[str]]:
    """Error codes per invoice number (rows without a number are keyed ``row:N``)."""
    report = validate_export(path, **options)  # type: ignore[arg-type]
    assert not report.file_errors, report.file_errors
    return {
        verdict.invoice_number or f"row:{verdict.rows[0]}": {item.code for item in verdict.errors}
        for verdict in report.invoices
    }
