"""Run reports: what a submission run did, as text for the log, HTML for people and CSV for Excel.

Every cell that a spreadsheet could read as a formula is neutralised, and every HTML value is
escaped: export content is data, never code.
"""

from __future__ import annotations

import csv
import html
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from chorusflow.config import Language, language
from chorusflow.ledger import InvoiceState, Ledger

OUTCOMES = ("submitted", "invalid", "already_done", "failed", "needs_review", "pending")
#: Outcomes that need a person, listed one by one in the run note.
NEEDS_A_PERSON = ("invalid", "failed", "needs_review")

LABELS: dict[Language, dict[str, str]] = {
    "fr": {
        "title": "Rapport de dépôt Chorus Pro",
        "run": "Exécution",
        "dry_run": "simulation : rien n'a été déposé",
        "submitted": "déposées",
        "invalid": "refusées à la validation",
        "already_done": "déjà traitées (ignorées)",
        "failed": "échecs définitifs",
        "needs_review": "dépôts à vérifier (issue inconnue)",
        "pending": "en attente d'un nouvel essai",
        "invoice_number": "Facture",
        "buyer": "Acheteur",
        "total_ttc": "Montant TTC",
        "outcome": "Résultat",
        "chorus_status": "Statut Chorus Pro",
        "identifiant": "Identifiant Chorus Pro",
        "codes": "Codes",
        "messages": "Détail",
        "exports": "Fichiers traités",
        "file_errors": "Fichier illisible",
        "none": "Aucune facture dans cette exécution.",
    },
    "en": {
        "title": "Chorus Pro submission report",
        "run": "Run",
        "dry_run": "dry run: nothing was deposited",
        "submitted": "submitted",
        "invalid": "rejected by validation",
        "already_done": "already done (skipped)",
        "failed": "failed for good",
        "needs_review": "deposits to check (outcome unknown)",
        "pending": "pending, retried next run",
        "invoice_number": "Invoice",
        "buyer": "Buyer",
        "total_ttc": "Total incl. VAT",
        "outcome": "Outcome",
        "chorus_status": "Chorus Pro status",
        "identifiant": "Chorus Pro id",
        "codes": "Codes",
        "messages": "Details",
        "exports": "Processed files",
        "file_errors": "Unreadable file",
        "none": "No invoice in this run.",
    },
}

_FORMULA_START = re.compile(r"^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")


class ReportLine(BaseModel):
    """One invoice of the run and what happened to it."""

    invoice_number: str
    outcome: str
    buyer_siret: str | None = None
    buyer_name: str | None = None
    total_ttc: str | None = None
    state: str | None = None
    chorus_status: str | None = None
    identifiant_facture_cpp: int | None = None
    codes: list[str] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)


class ExportSummary(BaseModel):
    """One processed export file."""

    name: str
    invoices: int = 0
    valid: int = 0
    invalid: int = 0
    file_errors: list[str] = Field(default_factory=list)


def report_lines(ledger: Ledger, supplier_siret: str, numbers: list[str], run_id: str) -> list[ReportLine]:
    """One line per invoice of ``numbers``, from the ledger: what this run did to it, and why."""
    rows = {row.invoice_number: row for row in ledger.list_invoices(supplier_siret=supplier_siret)}
    touched = ledger.attempt_outcomes_for_run(run_id)
    lines: list[ReportLine] = []
    for number in dict.fromkeys(numbers):
        row = rows.get(number)
        if row is None:
            continue
        outcome = _outcome(InvoiceState(row.state), touched.get(number))
        errors = [f for f in (row.findings or []) if f.get("severity", "error") == "error"]
        lines.append(
            ReportLine(
                invoice_number=number,
                outcome=outcome,
                buyer_siret=row.buyer_siret,
                buyer_name=row.buyer_name,
                total_ttc=None if row.total_ttc is None else str(row.total_ttc),
                state=row.state.value,
                chorus_status=row.chorus_status,
                identifiant_facture_cpp=row.identifiant_facture_cpp,
                codes=[str(f.get("code")) for f in errors] if outcome == "invalid" else [],
                messages=_line_messages(outcome, errors, row.last_error),
            )
        )
    return lines


def _outcome(state: InvoiceState, this_run: str | None) -> str:
    """The report's outcome for an invoice in ``state`` whose attempt in this run ended ``this_run``."""
    by_state = {
        InvoiceState.INVALID: "invalid",
        InvoiceState.FAILED: "failed",
        InvoiceState.NEEDS_REVIEW: "needs_review",
        InvoiceState.PENDING: "pending",
        InvoiceState.SUBMITTING: "pending",
    }
    if state in by_state:
        return by_state[state]
    return "submitted" if this_run in ("succeeded", "adopted") else "already_done"


def _line_messages(outcome: str, errors: list[dict[str, object]], last_error: str | None) -> list[str]:
    if outcome == "invalid":
        return [str(f.get("message")) for f in errors]
    if outcome in ("failed", "needs_review", "pending") and last_error:
        return [last_error]
    return []


class RunReport(BaseModel):
    """Everything a submission run did, ready to be written."""

    dag_id: str
    run_id: str
    dry_run: bool = False
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    exports: list[ExportSummary] = Field(default_factory=list)
    lines: list[ReportLine] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Invoices per outcome, every outcome present."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for line in self.lines:
            counts[line.outcome] = counts.get(line.outcome, 0) + 1
        return counts

    def summary_text(self, lang: Language | None = None) -> str:
        """A few lines for the task log and the run note."""
        labels = LABELS[lang or language()]
        counts = self.counts()
        parts = [
            f"{counts[key]} {labels[key]}"
            for key in OUTCOMES
            if counts[key] or key not in ("pending", "needs_review")
        ]
        text = f"{labels['title']} : " if (lang or language()) == "fr" else f"{labels['title']}: "
        text += ", ".join(parts)
        if self.dry_run:
            text += f" ({labels['dry_run']})"
        rejected = [line for line in self.lines if line.outcome in NEEDS_A_PERSON]
        for line in rejected[:20]:
            codes = ", ".join(line.codes) or line.outcome
            text += f"\n- {line.invoice_number} [{codes}] {'; '.join(line.messages)}"
        if len(rejected) > 20:
            text += f"\n… (+{len(rejected) - 20})"
        unreadable = [e for e in self.exports if e.file_errors]
        for export in unreadable:
            text += f"\n! {labels['file_errors']}: {export.name}: {'; '.join(export.file_errors)}"
        return text


def spreadsheet_safe(value: object) -> str:
    """The cell text, with a leading quote when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA_START.match(text) else text


def write_report(report: RunReport, folder: Path, lang: Language | None = None) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.csv`` into ``folder``; return their paths."""
    labels = LABELS[lang or language()]
    folder.mkdir(parents=True, exist_ok=True)
    columns = [
        "invoice_number",
        "buyer",
        "total_ttc",
        "outcome",
        "chorus_status",
        "identifiant",
        "codes",
        "messages",
    ]
    rows = [
        [
            line.invoice_number,
            " ".join(filter(None, [line.buyer_name, line.buyer_siret])),
            line.total_ttc or "",
            labels.get(line.outcome, line.outcome),
            line.chorus_status or "",
            "" if line.identifiant_facture_cpp is None else str(line.identifiant_facture_cpp),
            ", ".join(line.codes),
            " | ".join(line.messages),
        ]
        for line in report.lines
    ]
    csv_path = folder / "report.csv"
    # utf-8-sig and ';' so French Excel opens it with accents and columns right.
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow([labels[c] for c in columns])
        writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])

    esc = html.escape
    counts = report.counts()
    summary_items = "".join(f"<li><strong>{counts[key]}</strong> {esc(labels[key])}</li>" for key in OUTCOMES)
    export_items = "".join(
        f"<li>{esc(e.name)}: {e.invoices} / {e.valid} / {e.invalid}"
        + (
            f" — <strong>{esc(labels['file_errors'])}</strong>: {esc('; '.join(e.file_errors))}"
            if e.file_errors
            else ""
        )
        + "</li>"
        for e in report.exports
    )
    body_rows = "".join(
        f'<tr class="{esc(line.outcome)}">' + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
        for line, row in zip(report.lines, rows, strict=True)
    )
    table = (
        "<table><thead><tr>"
        + "".join(f"<th>{esc(labels[c])}</th>" for c in columns)
        + f"</tr></thead><tbody>{body_rows}</tbody></table>"
        if rows
        else f"<p>{esc(labels['none'])}</p>"
    )
    dry = f"<p><em>{esc(labels['dry_run'])}</em></p>" if report.dry_run else ""
    document = f"""<!doctype html>
<html lang="{lang or language()}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{esc(labels["title"])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.invalid,tr.failed{{background:#fde8e8}}tr.submitted{{background:#e8f6ea}}</style></head>
<body><h1>{esc(labels["title"])}</h1>
<p>{esc(labels["run"])}: {esc(report.dag_id)} / {esc(report.run_id)}
 — {esc(report.generated_at.isoformat())}</p>
{dry}<ul>{summary_items}</ul>
<h2>{esc(labels["exports"])}</h2><ul>{export_items}</ul>
{table}
</body></html>
"""
    html_path = folder / "report.html"
    html_path.write_text(document, encoding="utf-8")
    return html_path, csv_path


def safe_folder_name(run_id: str) -> str:
    """A run id made safe as a folder name (run ids hold ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_") or "run"
