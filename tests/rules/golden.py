"""Golden reports: exports full of faults and the reports the rules gave for them (tests/data/golden/).

The reports were written by the engine as it was before its rules were split by column family
(issue #12 §5); ``test_golden_reports`` checks that the engine still gives them byte for byte. After
a deliberate change of behaviour, review it, then rewrite the reports:

    .venv/bin/python -m tests.rules.golden            # rewrites the reports from the current engine
    .venv/bin/python -m tests.rules.golden --inputs   # also rebuilds the exports (new random faults)
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chorusflow.rules import BuyerRecord, DirectoryUnavailableError, StaticDirectory, ValidationReport
from chorusflow.rules.profiles import load_profiles
from chorusflow.suppliers import SupplierIdentity
from chorusflow_dev.testing.exports import EXPORT_COLUMNS, write_export
from tests.conftest import REPO_ROOT
from tests.rules.builders import (
    COMMUNE,
    HOSPITAL,
    IFPEN,
    MAIN_CONTRACTOR,
    MINISTRY,
    SYNDICATE,
    UNKNOWN_VALID_SIRET,
    sandbox_directory,
)

GOLDEN = REPO_ROOT / "tests" / "data" / "golden"
UNREACHABLE = "35600000000048"  # a valid (La Poste) SIRET the directory cannot be asked about
COLUMNS = [
    *EXPORT_COLUMNS,
    "comment",
    "buyer_address",
    "billing_framework",
    "validator_siret",
    "payment_means",
    "supplier_iban",
    "currency",
    "line_discount",
    "attachment",
]
PDF = b"%PDF-1.4\n%golden\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LONG_NAME = "attachment-with-a-name-too-long-for-chorus-pro-2026.pdf"  # 55 characters


class FlakyDirectory(StaticDirectory):
    """The sandbox's buyers; asking about ``UNREACHABLE`` fails as a network error would."""

    def lookup(self, siret: str) -> BuyerRecord | None:
        if siret == UNREACHABLE:
            raise DirectoryUnavailableError("timeout talking to Chorus Pro\x07 " + "…" * 250)
        return super().lookup(siret)


def directory() -> FlakyDirectory:
    return FlakyDirectory(list(sandbox_directory().records.values()))


IBAN = "FR7630006000011234567890189"
# (file name, export, validate_export options): French before the supplier's reform date (warnings),
# English after it (errors) with a directory, and a supplier without IBAN nor buyer profiles.
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "faults.fr-offline.json": (
        "faults.csv",
        {
            "lang": "fr",
            "today": date(2026, 12, 3),
            "supplier": SupplierIdentity(siret="45218801400016", name="ACME", iban=IBAN),
        },
    ),
    "faults.en-directory.json": (
        "faults.csv",
        {
            "lang": "en",
            "today": date(2027, 10, 1),
            "directory": "flaky",
            "supplier": SupplierIdentity(
                siret="45218801400016", name="ACME", iban="FR7630006000011234567890188", company_size="large"
            ),
        },
    ),
    "faults.fr-no-iban-no-profile.json": (
        "faults.csv",
        {
            "lang": "fr",
            "today": date(2026, 11, 15),
            "directory": "flaky",
            "profiles": "none",
            "supplier": SupplierIdentity(siret="45218801400016", name="ACME"),
        },
    ),
}


def options(case: dict[str, Any]) -> dict[str, Any]:
    """The case's ``validate_export`` keyword arguments, its directory and profiles made."""
    made = dict(case)
    if made.get("directory") == "flaky":
        made["directory"] = directory()
    profiles = made.pop("profiles", None)
    made["profiles"] = (
        {} if profiles == "none" else load_profiles(REPO_ROOT / "include" / "config" / "buyers")
    )
    return made


def report_json(report: ValidationReport) -> str:
    """The report as ``model_dump(mode="json")`` gives it, one invoice a line, the file by its name only."""
    document = report.model_dump(mode="json")
    document["summary"]["file"] = Path(document["summary"]["file"]).name
    invoices = ",\n".join(json.dumps(item, ensure_ascii=False) for item in document.pop("invoices"))
    head = json.dumps(document, ensure_ascii=False)
    return f'{head[:-1]}, "invoices": [\n{invoices}\n]}}\n'


def _pick(rng: random.Random, good: str, bad: list[str], rate: float) -> str:
    return rng.choice(bad) if rng.random() < rate else good


def _header(rng: random.Random, number: str, rate: float) -> dict[str, str]:
    """An invoice's header values, each wrong with probability ``rate``."""
    issue = date(2026, 10, 1) + timedelta(days=rng.randint(0, 120))
    return {
        "invoice_number": _pick(
            rng, number, ["", "F 1", "X" * 21, "2026-11-02", "02112026", "F#1"], rate / 2
        ),
        "invoice_type": _pick(rng, rng.choice(["", "FACTURE", "facture"]), ["AVOIR", "avoir", "DEVIS"], rate),
        "issue_date": _pick(
            rng,
            rng.choice([issue.isoformat(), issue.strftime("%d/%m/%Y")]),
            ["31/02/2026", "", "2027-12-01"],
            rate,
        ),
        "due_date": _pick(
            rng,
            (issue + timedelta(days=30)).isoformat(),
            [
                (issue + timedelta(days=90)).isoformat(),
                (issue - timedelta(days=3)).strftime("%d/%m/%Y"),
                "xx",
            ],
            rate,
        ),
        "delivery_date": _pick(rng, (issue - timedelta(days=2)).isoformat(), ["", "30/02/2026"], rate),
        "buyer_siret": _pick(
            rng,
            rng.choice([COMMUNE, IFPEN, "219 900 016 00011"]),
            [HOSPITAL, MINISTRY, SYNDICATE, UNKNOWN_VALID_SIRET, UNREACHABLE, "123", "", "73282932000079"],
            rate,
        ),
        "buyer_name": _pick(rng, "Acheteur", ["N" * 201, "Nom\x07"], rate / 3),
        "delivery_address": _pick(
            rng,
            rng.choice(["", "12 rue de la Paix, 75002 Paris"]),
            ["voir bon", "75001 Paris", "Rue B\nB-1000 Bruxelles"],
            rate,
        ),
        "operation_nature": _pick(rng, rng.choice(["services", "biens", "M"]), ["", "", "truc"], rate),
        "service_code": _pick(
            rng,
            "",
            ["Facture_commande", "Facture_sans_commande", "SERV_FIN", "ANCIEN_SERVICE", "NOPE"],
            rate,
        ),
        "engagement_number": _pick(rng, rng.choice(["", "1234567890"]), ["EJ-1", "E" * 51], rate),
        "original_invoice_number": _pick(rng, "", ["F0"], rate),
        "vat_exemption_reason": _pick(rng, "", ["Article 261 CGI"], rate),
        "billing_framework": _pick(rng, rng.choice(["", "A1"]), ["A2", "A9", "a12", "A5"], rate),
        "validator_siret": _pick(rng, "", [MAIN_CONTRACTOR, "123"], rate),
        "payment_means": _pick(rng, rng.choice(["", "virement"]), ["CHEQUE", "BITCOIN"], rate),
        "supplier_iban": _pick(
            rng, "", [IBAN, "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890188"], rate
        ),
        "currency": _pick(rng, rng.choice(["", "EUR"]), ["USD"], rate),
        "attachment": _pick(
            rng, "", ["ok.pdf", "missing.pdf", "../golden.pdf", "not-a-pdf.pdf", LONG_NAME], rate / 2
        ),
    }


def _lines(rng: random.Random, header: dict[str, str], rate: float) -> Iterator[dict[str, str]]:
    """The invoice's 1 to 4 lines; a later line may disagree on a header value (or only seem to)."""
    totals = rate and rng.random() < 0.5  # given totals, often wrong: only on the faulty invoices
    for position in range(rng.randint(1, 4)):
        line = dict(header)
        if position and rng.random() < rate / 3:
            field = rng.choice(["due_date", "buyer_siret", "invoice_type", "currency", "total_ttc"])
            line[field] = rng.choice(["", "02/12/2026", "219 900 016 00011", "avoir", "EUR", "100,00"])
        line.update(
            line_description=_pick(rng, f"Prestation {position}", ["", "x" * 513], rate / 2),
            quantity=_pick(rng, rng.choice(["1", "2", "3,5", "0,5"]), ["", "abc", "-1", "NaN", "(2)"], rate),
            unit_price=_pick(
                rng,
                f"{rng.randint(1, 50000) / 100:.2f}".replace(".", ","),
                ["", "-5,00", "1 234,56", "8,O8", "-0"],
                rate,
            ),
            vat_rate=_pick(
                rng, rng.choice(["20", "10", "5,5", "20,00"]), ["0", "0", "19,6", "x", "-20"], rate
            ),
            line_discount=_pick(rng, rng.choice(["", "0,00"]), ["1,50", "abc", "0,004"], rate),
            line_net_amount=_pick(rng, "", ["100,00", "x"], rate),
        )
        if totals:
            line.update(
                total_ht=_pick(rng, "100,00", ["", "-100"], rate),
                total_ttc=_pick(rng, "120,00", ["NaN"], rate),
            )
        yield line


def faulty_rows(seed: int, invoices: int, rate: float) -> list[dict[str, str]]:
    """``invoices`` invoices, half of them clean, the others wrong here and there; rows shuffled."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for index in range(invoices):
        invoice_rate = rate if index % 2 else 0.0
        rows += _lines(rng, _header(rng, f"G{seed}-{index:03d}", invoice_rate), invoice_rate)
    rng.shuffle(rows)
    return rows


# One invoice per rule the random faults may miss: (number, values different from a clean invoice).
RARE_FAULTS: list[tuple[str, dict[str, str]]] = [
    ("R-ATTACHED", {"attachment": "ok.pdf"}),
    ("R-NOT-FOUND", {"attachment": "missing.pdf"}),
    ("R-OUTSIDE", {"attachment": "../golden.pdf"}),
    ("R-NOT-PDF", {"attachment": "not-a-pdf.pdf"}),
    ("R-LONG-NAME", {"attachment": LONG_NAME}),
    ("R-UNREACHABLE", {"buyer_siret": UNREACHABLE}),
    ("2026-11-02", {}),  # INVOICE_NUMBER_DATE_LIKE
    ("R-ENGAGEMENT", {"buyer_siret": IFPEN, "engagement_number": "EJ-1"}),
    ("R-FRAMEWORK", {"billing_framework": "A5"}),
    ("R-MINISTRY", {"buyer_siret": MINISTRY}),
    ("R-A9", {"billing_framework": "A9_FACTURE_SOUSTRAITANT", "validator_siret": MAIN_CONTRACTOR}),
    ("R-MISMATCH", {"line_net_amount": "210,00", "total_ht": "200,00", "total_ttc": "250,00"}),
    # A fault in every family of column checks: their findings come in the engine's order.
    (
        "R MANY",
        {
            "due_date": "",
            "quantity": "abc",
            "unit_price": "-5",
            "vat_rate": "7",
            "issue_date": "31/02/2026",
            "delivery_date": "2099-01-01",
            "line_description": "x" * 513,
            "buyer_siret": "123",
            "validator_siret": "456",
            "invoice_type": "DEVIS",
            "currency": "USD",
            "billing_framework": "A5",
            "payment_means": "BITCOIN",
            "operation_nature": "truc",
            "delivery_address": "voir bon",
            "supplier_iban": "FR00",
        },
    ),
]
CLEAN = {
    "issue_date": "2026-11-02",
    "due_date": "2026-12-02",
    "delivery_date": "2026-10-30",
    "buyer_siret": COMMUNE,
    "operation_nature": "services",
    "line_description": "Maintenance",
    "quantity": "2",
    "unit_price": "100,00",
    "vat_rate": "20",
}


def write_inputs(folder: Path = GOLDEN) -> None:
    """The export and the attachments it names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ok.pdf").write_bytes(PDF)
    (folder / LONG_NAME).write_bytes(PDF)
    (folder / "not-a-pdf.pdf").write_bytes(b"not a PDF\n")
    rare = [{**CLEAN, "invoice_number": number, **values} for number, values in RARE_FAULTS]
    write_export(folder / "faults.csv", faulty_rows(12, 24, 0.3) + rare, COLUMNS)


def write_reports(folder: Path = GOLDEN) -> None:
    """Rewrite every golden report from the current engine."""
    from chorusflow.rules import validate_export

    for name, (export, case) in CASES.items():
        report = validate_export(folder / export, **options(case))
        # Attachment paths from the folder on, as the test compares them (any checkout).
        (folder / name).write_text(report_json(report).replace(str(folder), "<golden>"), encoding="utf-8")


if __name__ == "__main__":
    if "--inputs" in sys.argv:
        write_inputs()
    write_reports()
