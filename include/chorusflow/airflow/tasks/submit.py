"""Task bodies of ``chorus_submit_invoices``, once Airflow has given them their context.

Validation, the ledger, submission and reports are the domain's (:mod:`chorusflow.intake`,
:mod:`chorusflow.submission`, :mod:`chorusflow.reports`); this module finds the files, resolves the
connections and the run identity, and maps outcomes to task states.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

from chorusflow.airflow.connections import (
    archive_path,
    chorus_client,
    claim_owner,
    get_ledger,
    in_charge,
    inbox_path,
    owner_alive,
    reports_folder,
    reports_root,
)
from chorusflow.airflow.dag_settings import PREPARE_TASK, VALIDATED_KEY
from chorusflow.config import load_supplier
from chorusflow.intake import (
    Batch,
    ExportFile,
    RecordedExport,
    RetryRequest,
    Validation,
    plan_channel_batches,
)
from chorusflow.ledger import InvoiceState
from chorusflow.settings import settings

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = {".csv", ".txt", ".tsv"}
RUN_SUMMARY_KEY = "run_summary"  # read by plugins/chorusflow_run_notes.py
RETRY_KEY = "retry_request"  # pushed by plan, read by report: how the numbers asked for again were sorted


def extract(export_path: str | None = None) -> list[dict[str, Any]]:
    """The export files to process, skipping any whose content the ledger has seen already."""
    ledger = get_ledger()
    exports: list[dict[str, Any]] = []
    for candidate in _candidates(export_path):
        if not candidate.exists():
            raise FileNotFoundError(f"export file not found: {candidate}")
        content = candidate.read_bytes()
        sha256 = hashlib.sha256(content).hexdigest()
        name = Path(candidate.path).name
        if ledger.export_already_processed(sha256):
            log.info("Skipping %s: this exact content was processed before", name)
            continue
        found = ExportFile(name=name, uri=str(candidate), sha256=sha256, local_path=_local_file(candidate))
        exports.append(found.model_dump(mode="json"))
    log.info("%d new export file(s) to process", len(exports))
    return exports


def _candidates(export_path: str | None) -> list[ObjectStoragePath]:
    if export_path:
        return [ObjectStoragePath(export_path)]
    inbox = inbox_path()
    inbox.mkdir(parents=True, exist_ok=True)
    files = sorted(
        (p for p in inbox.iterdir() if p.is_file() and Path(p.path).suffix.lower() in EXPORT_SUFFIXES),
        key=lambda p: p.path,
    )
    log.info("Inbox %s holds %d export file(s)", inbox, len(files))
    return files


def _local_file(path: ObjectStoragePath) -> str:
    """The file itself for a local (or shared, mounted) inbox; empty for object storage."""
    return str(Path(path.path).resolve()) if path.protocol in ("", "file", "local") else ""


def _readable_copy(export: ExportFile) -> Path | None:
    """A file this worker can read: the inbox file itself, else a copy staged in this worker's home
    (validation may run on another worker than the listing); ``None`` once the export is gone."""
    if export.local_path and Path(export.local_path).exists():
        return Path(export.local_path)
    source = ObjectStoragePath(export.uri)
    if export.local_path or not source.exists():
        return None  # a local file that is gone, or an object archived by another run since
    content = source.read_bytes()
    staged = settings().home / "staging" / hashlib.sha256(content).hexdigest()[:16] / export.name
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(content)
    return staged


def validate(exports: list[dict[str, Any]], *, dry_run: bool, run_id: str) -> dict[str, Any]:
    """Validate every export, record the verdicts in the ledger and archive the files."""
    from chorusflow.intake import invalid_details, record_export, summarize_export
    from chorusflow.rules import ChorusDirectory, validate_export

    ledger = get_ledger()
    supplier_siret = load_supplier().siret
    directory = ChorusDirectory(chorus_client())
    result = Validation(dry_run=dry_run)
    files = [ExportFile.model_validate(item) for item in exports]
    for position, export in enumerate(files, start=1):
        readable = None if ledger.export_already_processed(export.sha256) else _readable_copy(export)
        if readable is None:
            log.info("Skipping %s: another run has processed it since it was listed", export.name)
            continue
        log.info("[%d/%d] Validating %s", position, len(files), export.name)
        report = validate_export(
            readable,
            mapping=settings().mapping,
            directory=directory,
            **_attachment_options(export, readable, supplier_siret, dry_run=dry_run),
        )
        result.invalid.extend(invalid_details(report))
        if dry_run:
            summary = summarize_export(report, export.name)
        else:
            summary, numbers = record_export(ledger, supplier_siret, report, export.name)
            result.processed_numbers.extend(numbers)
            archived = _archive(export, run_id)
            ledger.record_processed_export(export.sha256, export.name, archived, run_id, summary.ledger or {})
        _log_summary(summary)
        result.exports.append(summary)
    result.invalid_total = len(result.invalid)
    result.invalid = result.invalid[:500]  # the report and the note need a sample; the total is kept
    return result.model_dump(mode="json")


def _attachment_options(
    export: ExportFile, readable: Path, supplier_siret: str, *, dry_run: bool
) -> dict[str, Any]:
    """Where validation looks for the export's attachments, and where it keeps them.

    They are read beside the export in the inbox (a local folder, or the inbox's URL when the export
    was staged from object storage) and, unless in a dry run, kept under the reports root
    (:func:`chorusflow.storage.store_attachment`): the submission then reads them on any worker.
    """
    from chorusflow.storage import store_attachment

    folder: Path | ObjectStoragePath = readable.parent
    if not export.local_path:
        folder = ObjectStoragePath(export.uri).parent
    if dry_run:
        return {"attachments_from": folder}
    root = reports_root()

    def keep(content: bytes, name: str) -> str:
        return store_attachment(root, supplier_siret, content, name)

    return {"attachments_from": folder, "keep_attachment": keep}


def _log_summary(summary: RecordedExport) -> None:
    log.info(
        "%s: %d invoice(s), %d valid, %d invalid%s",
        summary.name,
        summary.invoices,
        summary.valid,
        summary.invalid,
        f", file errors: {summary.file_errors}" if summary.file_errors else "",
    )


def _archive(export: ExportFile, run_id: str) -> str:
    """Move a processed export to ``<archive>/<run id>/`` (a file named explicitly stays where it is)."""
    from chorusflow.reports import safe_folder_name

    source = ObjectStoragePath(export.uri)
    if not str(source).startswith(str(inbox_path()).rstrip("/") + "/"):
        return export.uri
    target_dir = archive_path() / safe_folder_name(run_id)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / export.name
    try:
        source.move(str(target))
    except FileNotFoundError:  # another run validated the same file at the same time and archived it
        log.info("%s was archived by another run", export.name)
        return export.uri
    log.info("Archived %s to %s", export.name, target)
    return str(target)


def plan(retry_numbers: list[str], context: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Batches of every invoice waiting in the ledger, plus the failed ones asked for again.

    The numbers asked for again (``retry_numbers``) are sorted first (:func:`sort_retry_numbers`):
    unknown ones and ones that cannot be deposited again get no task; the report names them, with
    the sorting pushed under :data:`RETRY_KEY`.
    """
    from chorusflow.channels import buyer_channels
    from chorusflow.intake import sort_retry_numbers
    from chorusflow.rules.profiles import load_profiles

    supplier = load_supplier()
    supplier_siret = supplier.siret
    ledger = get_ledger()
    rows = [
        row
        for state in (InvoiceState.PENDING, InvoiceState.SUBMITTING, InvoiceState.FAILED)
        for row in ledger.list_invoices(state, supplier_siret)
    ]
    waiting = [row.invoice_number for row in rows if row.state is not InvoiceState.FAILED]
    by_buyer = buyer_channels(load_profiles())
    in_flux = [
        row.invoice_number
        for row in rows
        if by_buyer.get(row.buyer_siret or "", supplier.deposit_channel) == "facturx"
    ]
    request = sort_retry_numbers(ledger, supplier_siret, retry_numbers)
    for item in request.set_aside:
        log.warning("Not retried: %s (%s, state %s)", item.invoice_number, item.reason, item.state or "-")
    if request.requested:
        _push(context, RETRY_KEY, request.model_dump(mode="json"))
    configured = settings()
    slots, flux_size = configured.pool_size, configured.flux_max_invoices
    batches = plan_channel_batches(waiting, in_flux, concurrency=slots, flux_batch_size=flux_size)
    batches += plan_channel_batches(
        [number for number in request.failed if number not in set(waiting)],
        in_flux,
        concurrency=slots,
        flux_batch_size=flux_size,
        include_failed=True,
    )
    total = sum(len(batch.invoice_numbers) for batch in batches)
    log.info("Planned %d invoice(s) in %d submission batch(es)", total, len(batches))
    return [batch.model_dump(mode="json") for batch in batches]


def prepare(
    export_path: str | None, *, dry_run: bool, retry_numbers: list[str], run_id: str
) -> list[dict[str, Any]]:
    """:func:`extract`, :func:`validate` and :func:`plan` in one task: returns the batches (the
    submit task maps over them), pushes what validate returned under :data:`VALIDATED_KEY`.

    One task instead of three spares two task starts and two scheduler hand-overs before the first
    deposit (docs/performance.md, "Submission"). A dry run plans nothing. A retried ``prepare``
    reports the exports it validated itself: one a failed try recorded is skipped as already
    processed (as a retried ``validate`` did), its invoices are in the ledger and the waiting ones
    are planned all the same.
    """
    validated = validate(extract(export_path), dry_run=dry_run, run_id=run_id)
    _push(None, VALIDATED_KEY, validated)
    return [] if dry_run else plan(retry_numbers)


def _push(context: Mapping[str, Any] | None, key: str, value: Any) -> None:
    """Push ``value`` under ``key`` from the running task (its context, or Airflow's current one)."""
    if context is None:
        from airflow.sdk import get_current_context

        context = get_current_context()
    context["ti"].xcom_push(key=key, value=value)


def submit(batch: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """Deposit one batch; raise so Airflow retries passing errors and fails refusals at once."""
    from chorusflow.submission import Submitter

    planned = Batch.model_validate(batch)
    log.info("Submitting %d invoice(s): %s", len(planned.invoice_numbers), planned.label)
    submitter = Submitter(
        get_ledger(),
        chorus_client(),
        load_supplier(),
        claim_owner(context),
        lease_seconds=settings().claim_lease_seconds,
        owner_alive=owner_alive(context),
        documents=reports_root(),
        in_charge=in_charge(),
    )
    result = submitter.submit_batch(planned.invoice_numbers, include_failed=planned.include_failed)
    log.info("Batch done: %s", ", ".join(f"{key} {value}" for key, value in result.counts().items() if value))
    result.raise_for_outcome()
    return result.to_xcom()


def report(
    validated: dict[str, Any], batches: list[dict[str, Any]], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the run report from the ledger and the plan; fail the run when invoices need a person."""
    from airflow.sdk.exceptions import AirflowFailException

    from chorusflow.intake import dry_run_lines, retry_outcomes
    from chorusflow.reports import NEEDS_A_PERSON, RetryNumber, RunReport, report_lines, write_report

    ti = context["ti"]
    validation = Validation.model_validate(validated)
    planned = [number for batch in batches for number in Batch.model_validate(batch).invoice_numbers]
    retry: list[RetryNumber] = []
    if validation.dry_run:
        lines = dry_run_lines(validation.invalid)
    else:
        ledger, supplier_siret = get_ledger(), load_supplier().siret
        numbers = [*validation.processed_numbers, *planned]
        lines = report_lines(ledger, supplier_siret, numbers, ti.run_id)
        pushed = ti.xcom_pull(task_ids=PREPARE_TASK, key=RETRY_KEY)
        if pushed:
            request = RetryRequest.model_validate(pushed)
            retry = retry_outcomes(ledger, supplier_siret, request, ti.run_id)
    run_report = RunReport(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        dry_run=validation.dry_run,
        exports=validation.exports,
        lines=lines,
        retry=retry,
    )
    html_path, csv_path = write_report(run_report, reports_folder(ti.dag_id, ti.run_id))
    summary = run_report.summary_text()
    log.info("%s\nReport: %s (CSV: %s)", summary, html_path, csv_path)
    counts = run_report.counts()
    if not run_report.dry_run:
        _send_submission_alerts([line.invoice_number for line in lines if line.outcome in NEEDS_A_PERSON])
    result = {
        "counts": counts,
        "retry": run_report.retry_counts(),
        "note": summary,
        "report_html": str(html_path),
        "report_csv": str(csv_path),
    }
    # Pushed under its own key too, so a failed run still gets its note in the UI.
    ti.xcom_push(key=RUN_SUMMARY_KEY, value=result)
    stuck = counts["failed"] + counts["needs_review"] + counts["pending"]
    if stuck and not run_report.dry_run:
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
