"""What the DAG tasks do, once Airflow has given them their context.

DAG files stay thin and import this module inside their tasks. Everything that is not about
Airflow (validation, the ledger, submission, reports) lives in the domain package; this module
only resolves connections, the inbox and the run identity, and maps outcomes to task states.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow.sdk import BaseHook, ObjectStoragePath

from chorusflow.config import chorusflow_home, load_supplier
from chorusflow.ledger import (
    ClaimOwner,
    InvoiceState,
    Ledger,
    ledger_url_from_connection,
    resolve_ledger_url,
)
from chorusflow.ledger.url import LEDGER_CONN_ID
from chorusflow.reports import ReportLine

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = {".csv", ".txt", ".tsv"}
RUN_SUMMARY_KEY = "run_summary"  # read by plugins/chorusflow_run_notes.py
_LEDGERS: dict[str, Ledger] = {}


# -- settings --------------------------------------------------------------------------------------


def inbox_path() -> ObjectStoragePath:
    """The inbox: ``CHORUSFLOW_INBOX`` (folder or object storage URL), else ``$CHORUSFLOW_HOME/inbox``."""
    configured = os.environ.get("CHORUSFLOW_INBOX") or str(chorusflow_home() / "inbox")
    return ObjectStoragePath(configured, conn_id=os.environ.get("CHORUSFLOW_INBOX_CONN_ID") or None)


def archive_path() -> ObjectStoragePath:
    """Where processed exports go: ``CHORUSFLOW_ARCHIVE``, else ``archive/`` beside the inbox."""
    configured = os.environ.get("CHORUSFLOW_ARCHIVE")
    if configured:
        return ObjectStoragePath(configured, conn_id=os.environ.get("CHORUSFLOW_INBOX_CONN_ID") or None)
    return inbox_path() / "archive"


def reports_folder(dag_id: str, run_id: str) -> Path:
    """Where a run's report files go: ``$CHORUSFLOW_REPORTS`` (default ``$CHORUSFLOW_HOME/reports``)."""
    from chorusflow.reports import safe_folder_name

    base = Path(os.environ.get("CHORUSFLOW_REPORTS") or chorusflow_home() / "reports")
    return base / dag_id / safe_folder_name(run_id)


def pool_size() -> int:
    """Documented size of the ``chorus_pro_api`` pool, used to size submission batches."""
    return int(os.environ.get("CHORUSFLOW_POOL_SIZE", "4"))


def get_ledger() -> Ledger:
    """The ledger of this deployment, migrated: connection ``chorusflow_ledger``, else the default SQLite."""
    url = _ledger_url()
    ledger = _LEDGERS.get(url)
    if ledger is None:
        ledger = Ledger(url)
        ledger.migrate()
        _LEDGERS[url] = ledger
    return ledger


def _ledger_url() -> str:
    try:
        connection = BaseHook.get_connection(LEDGER_CONN_ID)
    except Exception:  # not defined: the embedded SQLite ledger (Airflow raises its own NotFound type)
        return resolve_ledger_url()
    return ledger_url_from_connection(
        connection.conn_type,
        connection.host,
        connection.schema,
        connection.login,
        connection.password,
        connection.port,
        connection.extra_dejson,
    )


def claim_owner(context: Mapping[str, Any]) -> ClaimOwner:
    """The claim owner of the running task instance try."""
    ti = context["ti"]
    return ClaimOwner(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        task_id=ti.task_id,
        map_index=ti.map_index if ti.map_index is not None else -1,
        try_number=ti.try_number,
        hostname=socket.gethostname(),
        pid=os.getpid(),
    )


# -- tasks -----------------------------------------------------------------------------------------


def extract_exports(export_path: str | None = None) -> list[dict[str, str]]:
    """The export files to process, skipping any whose content the ledger has seen already."""
    ledger = get_ledger()
    if export_path:
        candidates = [ObjectStoragePath(export_path)]
    else:
        inbox = inbox_path()
        inbox.mkdir(parents=True, exist_ok=True)
        candidates = sorted(
            (p for p in inbox.iterdir() if p.is_file() and Path(p.path).suffix.lower() in EXPORT_SUFFIXES),
            key=lambda p: p.path,
        )
        log.info("Inbox %s holds %d export file(s)", inbox, len(candidates))
    exports: list[dict[str, str]] = []
    for candidate in candidates:
        if not candidate.exists():
            raise FileNotFoundError(f"export file not found: {candidate}")
        content = candidate.read_bytes()
        sha256 = hashlib.sha256(content).hexdigest()
        name = Path(candidate.path).name
        if ledger.export_already_processed(sha256):
            log.info("Skipping %s: this exact content was processed before", name)
            continue
        exports.append(
            {
                "name": name,
                "uri": str(candidate),
                "sha256": sha256,
                "local_path": _local_copy(candidate, content),
            }
        )
    log.info("%d new export file(s) to process", len(exports))
    return exports


def _local_copy(path: ObjectStoragePath, content: bytes) -> str:
    """A local file to read: the file itself for a local inbox, else a staged copy."""
    if path.protocol in ("", "file", "local"):
        return str(Path(path.path).resolve())
    staged = chorusflow_home() / "staging" / hashlib.sha256(content).hexdigest()[:16] / Path(path.path).name
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(content)
    return str(staged)


def validate_exports(exports: list[dict[str, str]], *, dry_run: bool) -> dict[str, Any]:
    """Validate every export, record the verdicts in the ledger and archive the files."""
    from airflow.sdk import get_current_context

    from chorusflow.airflow.hook import ChorusProHook
    from chorusflow.pipeline import invalid_details, records_from_report
    from chorusflow.rules import ChorusDirectory, validate_export

    context = get_current_context()
    run_id = context["run_id"]
    supplier = load_supplier()
    ledger = get_ledger()
    directory = ChorusDirectory(ChorusProHook().get_client())
    mapping = os.environ.get("CHORUSFLOW_MAPPING")
    summaries: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    processed_numbers: list[str] = []
    for position, export in enumerate(exports, start=1):
        if not Path(export["local_path"]).exists() or ledger.export_already_processed(export["sha256"]):
            log.info("Skipping %s: another run has processed it since it was listed", export["name"])
            continue
        log.info("[%d/%d] Validating %s", position, len(exports), export["name"])
        report = validate_export(
            Path(export["local_path"]), mapping=Path(mapping) if mapping else None, directory=directory
        )
        summary: dict[str, Any] = {
            "name": export["name"],
            "invoices": report.summary.invoices,
            "valid": report.summary.valid,
            "invalid": report.summary.invalid,
            "file_errors": [f"{e.code}: {e.message}" for e in report.file_errors],
        }
        invalid.extend(invalid_details(report))
        log.info(
            "%s: %d invoice(s), %d valid, %d invalid%s",
            export["name"],
            summary["invoices"],
            summary["valid"],
            summary["invalid"],
            f", file errors: {summary['file_errors']}" if report.file_errors else "",
        )
        if not dry_run:
            records = records_from_report(report, export["name"])
            recorded = ledger.record_validated(supplier.siret, export["name"], records)
            summary["ledger"] = recorded.counts()
            summary["already_done"] = recorded.already_done
            processed_numbers.extend(record.invoice_number for record in records)
            archived = _archive(export, run_id)
            ledger.record_processed_export(
                export["sha256"], export["name"], archived, run_id, summary["ledger"]
            )
        summaries.append(summary)

    return {
        "exports": summaries,
        "invalid": invalid[:500],
        "invalid_total": len(invalid),
        "processed_numbers": processed_numbers,
        "dry_run": dry_run,
    }


def plan_submission(retry_numbers: list[str]) -> list[dict[str, Any]]:
    """Batches of every invoice waiting in the ledger, plus the numbers asked for again."""
    from chorusflow.pipeline import plan_batches

    supplier_siret = load_supplier().siret
    ledger = get_ledger()
    waiting = [row.invoice_number for row in ledger.list_invoices(InvoiceState.PENDING, supplier_siret)]
    waiting += [row.invoice_number for row in ledger.list_invoices(InvoiceState.SUBMITTING, supplier_siret)]
    retry = [number for number in dict.fromkeys(retry_numbers) if number not in set(waiting)]
    batches = plan_batches(waiting, concurrency=pool_size())
    batches += plan_batches(retry, concurrency=pool_size(), include_failed=True)
    total = sum(len(batch["invoice_numbers"]) for batch in batches)
    log.info("Planned %d invoice(s) in %d submission batch(es)", total, len(batches))
    return batches


def _archive(export: dict[str, str], run_id: str) -> str:
    """Move a processed export to ``<archive>/<run id>/`` (a file named explicitly stays where it is)."""
    from chorusflow.reports import safe_folder_name

    source = ObjectStoragePath(export["uri"])
    inbox = inbox_path()
    if not str(source).startswith(str(inbox).rstrip("/") + "/"):
        return export["uri"]
    target_dir = archive_path() / safe_folder_name(run_id)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / export["name"]
    try:
        source.move(str(target))
    except FileNotFoundError:  # another run validated the same file at the same time and archived it
        log.info("%s was archived by another run", export["name"])
        return export["uri"]
    log.info("Archived %s to %s", export["name"], target)
    return str(target)


def submit_batch(batch: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Deposit one batch; raise so Airflow retries passing errors and fails refusals at once."""
    from chorusflow.airflow.hook import ChorusProHook
    from chorusflow.submission import Submitter

    numbers: list[str] = list(batch["invoice_numbers"])
    log.info("Submitting %d invoice(s): %s", len(numbers), batch["label"])
    submitter = Submitter(
        get_ledger(),
        ChorusProHook().get_client(),
        load_supplier(),
        claim_owner(context),
        lease_seconds=float(os.environ.get("CHORUSFLOW_CLAIM_LEASE_SECONDS", "900")),
    )
    result = submitter.submit_batch(numbers, include_failed=bool(batch.get("include_failed")))
    log.info(
        "Batch done: %s",
        ", ".join(f"{key} {value}" for key, value in result.to_xcom()["counts"].items() if value),  # type: ignore[attr-defined]
    )
    result.raise_for_outcome()
    return result.to_xcom()


def report_run(
    validated: dict[str, Any], batches: list[dict[str, Any]], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the run report from the ledger and the plan; fail the run when invoices failed for good."""
    from airflow.sdk.exceptions import AirflowFailException

    from chorusflow.reports import NEEDS_A_PERSON, ExportSummary, RunReport, write_report

    ti = context["ti"]
    ledger = get_ledger()
    supplier = load_supplier()
    report = RunReport(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        dry_run=bool(validated.get("dry_run")),
        exports=[ExportSummary.model_validate(e) for e in validated.get("exports", [])],
        lines=_report_lines(ledger, supplier.siret, validated, batches or [], ti.run_id),
    )
    html_path, csv_path = write_report(report, reports_folder(ti.dag_id, ti.run_id))
    summary = report.summary_text()
    log.info("%s\nReport: %s (CSV: %s)", summary, html_path, csv_path)
    counts = report.counts()
    if not report.dry_run:
        _send_submission_alerts(
            [line.invoice_number for line in report.lines if line.outcome in NEEDS_A_PERSON]
        )
    result = {"counts": counts, "note": summary, "report_html": str(html_path), "report_csv": str(csv_path)}
    # Pushed under its own key too, so a failed run still gets its note in the UI.
    ti.xcom_push(key=RUN_SUMMARY_KEY, value=result)
    if (counts["failed"] or counts["needs_review"] or counts["pending"]) and not report.dry_run:
        raise AirflowFailException(
            f"{counts['failed']} invoice(s) failed for good, {counts['needs_review']} need a person to "
            f"check their deposit and {counts['pending']} are still pending; see {html_path}"
        )
    return result


def _send_submission_alerts(numbers: list[str]) -> None:
    """Alert on rejected and failed invoices (each once); an alert problem never hides the run's outcome."""
    from chorusflow.airflow.notifiers import send_submission_alerts

    if not numbers:
        return
    try:
        send_submission_alerts(numbers)
    except Exception:
        log.exception("Could not send the submission alerts")


def _report_lines(
    ledger: Ledger,
    supplier_siret: str,
    validated: dict[str, Any],
    batches: list[dict[str, Any]],
    run_id: str,
) -> list[ReportLine]:
    if validated.get("dry_run"):
        return [
            ReportLine(
                invoice_number=item["invoice_number"],
                outcome="invalid",
                buyer_siret=item.get("buyer_siret"),
                total_ttc=item.get("total_ttc"),
                codes=[f["code"] for f in item["findings"]],
                messages=[f["message"] for f in item["findings"]],
            )
            for item in validated.get("invalid", [])
        ]
    wanted = list(
        dict.fromkeys(
            [
                *validated.get("processed_numbers", []),
                *(number for batch in batches for number in batch["invoice_numbers"]),
            ]
        )
    )
    rows = {row.invoice_number: row for row in ledger.list_invoices(supplier_siret=supplier_siret)}
    touched = ledger.attempt_outcomes_for_run(run_id)
    lines: list[ReportLine] = []
    for number in wanted:
        row = rows.get(number)
        if row is None:
            continue
        state = InvoiceState(row.state)
        if state is InvoiceState.INVALID:
            outcome = "invalid"
        elif state is InvoiceState.FAILED:
            outcome = "failed"
        elif state is InvoiceState.NEEDS_REVIEW:
            outcome = "needs_review"
        elif state in (InvoiceState.PENDING, InvoiceState.SUBMITTING):
            outcome = "pending"
        elif touched.get(number) in ("succeeded", "adopted"):
            outcome = "submitted"
        else:
            outcome = "already_done"
        findings = [f for f in (row.findings or []) if f.get("severity", "error") == "error"]
        lines.append(
            ReportLine(
                invoice_number=number,
                outcome=outcome,
                buyer_siret=row.buyer_siret,
                buyer_name=row.buyer_name,
                total_ttc=None if row.total_ttc is None else str(row.total_ttc),
                state=state.value,
                chorus_status=row.chorus_status,
                identifiant_facture_cpp=row.identifiant_facture_cpp,
                codes=[str(f.get("code")) for f in findings] if outcome == "invalid" else [],
                messages=_line_messages(outcome, findings, row.last_error),
            )
        )
    return lines


def _line_messages(outcome: str, findings: list[dict[str, Any]], last_error: str | None) -> list[str]:
    if outcome == "invalid":
        return [str(f.get("message")) for f in findings]
    if outcome in ("failed", "needs_review", "pending") and last_error:
        return [last_error]
    return []
