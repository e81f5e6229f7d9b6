"""Task bodies of ``chorus_submit_invoices``, once Airflow has given them their context.

Validation, the ledger, submission and reports are the domain's (:mod:`chorusflow.submission.intake`,
:mod:`chorusflow.submission.submitter`, :mod:`chorusflow.reporting.run_report`); this module finds the files,
resolves the
connections and the run identity, and maps outcomes to task states.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowFailException

from chorusflow.airflow.connections import (
    archive_path,
    claim_owner,
    get_ledger,
    in_charge,
    inbox_path,
    owner_alive,
    reports_folder,
    reports_root,
    supplier_client,
)
from chorusflow.airflow.dag_settings import PREPARE_TASK, VALIDATED_KEY
from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.settings import settings
from chorusflow.submission.intake import (
    Batch,
    ExportFile,
    RecordedExport,
    RetryRequest,
    Validation,
    plan_channel_batches,
)
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_suppliers

if TYPE_CHECKING:
    from chorusflow.reporting.run_report import ReportLine, RunReport
    from chorusflow.storage import StoredPath

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = {".csv", ".txt", ".tsv"}
RUN_SUMMARY_KEY = "run_summary"  # read by plugins/chorusflow_run_notes.py
RETRY_KEY = "retry_request"  # pushed by plan, read by report: how the numbers asked for again were sorted


def extract(export_path: str | None = None) -> list[dict[str, Any]]:
    """The export files to process, skipping any whose content the ledger has seen already.

    Besides the inbox itself, each supplier's folder ``<inbox>/<supplier id>/`` is read (several
    suppliers, docs/suppliers.md); its exports belong to that supplier.
    """
    ledger = get_ledger()
    exports: list[dict[str, Any]] = []
    for candidate, supplier_id in _candidates(export_path):
        if not candidate.exists():
            raise FileNotFoundError(f"export file not found: {candidate}")
        content = candidate.read_bytes()
        sha256 = hashlib.sha256(content).hexdigest()
        name = Path(candidate.path).name
        if ledger.export_already_processed(sha256):
            log.info("Skipping %s: this exact content was processed before", name)
            continue
        found = ExportFile(
            name=name,
            uri=str(candidate),
            sha256=sha256,
            local_path=_local_file(candidate),
            supplier_id=supplier_id,
        )
        exports.append(found.model_dump(mode="json"))
    log.info("%d new export file(s) to process", len(exports))
    return exports


def _candidates(export_path: str | None) -> list[tuple[ObjectStoragePath, str | None]]:
    """The export files and the supplier whose folder holds each (None at the inbox's root)."""
    if export_path:
        return [(ObjectStoragePath(export_path), None)]
    inbox = inbox_path()
    inbox.mkdir(parents=True, exist_ok=True)
    found: list[tuple[ObjectStoragePath, str | None]] = [(path, None) for path in _exports_in(inbox)]
    suppliers = load_suppliers()
    if suppliers.several:
        for supplier_id in suppliers.ids:
            folder = inbox / supplier_id
            if folder.exists():
                found += [(path, supplier_id) for path in _exports_in(folder)]
    log.info("Inbox %s holds %d export file(s)", inbox, len(found))
    return found


def _exports_in(folder: ObjectStoragePath) -> list[ObjectStoragePath]:
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and Path(p.path).suffix.lower() in EXPORT_SUFFIXES),
        key=lambda p: p.path,
    )


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
    """Validate every export, record the verdicts in the ledger under their suppliers, archive the files.

    An export with invoices no supplier can be given (SUPPLIER_UNKNOWN …) stays in the inbox, not
    marked processed: once the supplier is configured, the next run records the rest.
    """
    from chorusflow.rules import ChorusDirectory
    from chorusflow.rules.validate import validate_routed_export
    from chorusflow.submission.intake import invalid_details, merged_summary, record_export, summarize_export

    ledger = get_ledger()
    suppliers = load_suppliers()
    several = suppliers.several
    clients: dict[str, ChorusProClient] = {}
    directories: dict[str, ChorusDirectory] = {}

    def directory_of(supplier: SupplierIdentity) -> ChorusDirectory:
        # Each supplier's buyers are looked up with its own technical account.
        if supplier.id not in directories:
            directories[supplier.id] = ChorusDirectory(supplier_client(supplier, clients))
        return directories[supplier.id]

    result = Validation(dry_run=dry_run)
    files = [ExportFile.model_validate(item) for item in exports]
    for position, export in enumerate(files, start=1):
        readable = None if ledger.export_already_processed(export.sha256) else _readable_copy(export)
        if readable is None:
            log.info("Skipping %s: another run has processed it since it was listed", export.name)
            continue
        log.info("[%d/%d] Validating %s", position, len(files), export.name)
        routed = validate_routed_export(
            readable,
            suppliers,
            folder_supplier=suppliers.by_id(export.supplier_id) if export.supplier_id else None,
            mapping=settings().mapping,
            directories=directory_of,
            **_attachment_options(export, readable, dry_run=dry_run),
        )
        errors = [f"{error.code}: {error.message}" for error in [*routed.file_errors, *routed.refused]]
        parts: list[RecordedExport] = []
        for part in routed.parts:
            shown_id = part.supplier.id if several else None
            result.invalid.extend(invalid_details(part.report, shown_id))
            if dry_run:
                parts.append(summarize_export(part.report, export.name))
                continue
            recorded, numbers = record_export(ledger, part.supplier.key, part.report, export.name)
            parts.append(recorded)
            result.processed_numbers.extend(numbers)
            result.processed.setdefault(part.supplier.id, []).extend(numbers)
        summary = merged_summary(export.name, parts, errors)
        if not dry_run:
            if routed.refused:
                log.warning("%s stays in the inbox: %s", export.name, " | ".join(errors))
            else:
                archived = _archive(export, run_id)
                ledger.record_processed_export(
                    export.sha256, export.name, archived, run_id, summary.ledger or {}
                )
        _log_summary(summary)
        result.exports.append(summary)
    result.invalid_total = len(result.invalid)
    result.invalid = result.invalid[:500]  # the report and the note need a sample; the total is kept
    return result.model_dump(mode="json")


def _attachment_options(export: ExportFile, readable: Path, *, dry_run: bool) -> dict[str, Any]:
    """Where validation looks for the export's attachments, and where it keeps them.

    They are read beside the export in the inbox (a local folder, or the inbox's URL when the export
    was staged from object storage) and, unless in a dry run, kept under the reports root, under
    their supplier's key (:func:`chorusflow.storage.store_attachment`): the submission then reads
    them on any worker.
    """
    from chorusflow.rules.checks.attachments import AttachmentKeeper
    from chorusflow.storage import store_attachment

    folder: Path | ObjectStoragePath = readable.parent
    if not export.local_path:
        folder = ObjectStoragePath(export.uri).parent
    if dry_run:
        return {"attachments_from": folder}
    root = reports_root()

    def keeper_of(supplier: SupplierIdentity) -> AttachmentKeeper:
        def keep(content: bytes, name: str) -> str:
            return store_attachment(root, supplier.key, content, name)

        return keep

    return {"attachments_from": folder, "keepers": keeper_of}


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
    from chorusflow.reporting.run_report import safe_folder_name

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
    from chorusflow.rules.profiles import buyer_channels, load_profiles

    ledger = get_ledger()
    suppliers = load_suppliers()
    configured = settings()
    slots, flux_size = configured.pool_size, configured.flux_max_invoices
    by_buyer = buyer_channels(load_profiles())
    requests = _sorted_retry_numbers(ledger, suppliers, retry_numbers)
    batches: list[Batch] = []
    for supplier in suppliers:
        shown_id = supplier.id if suppliers.several else None
        rows = [
            row
            for state in (InvoiceState.PENDING, InvoiceState.SUBMITTING, InvoiceState.FAILED)
            for row in ledger.list_invoices(state, supplier.key)
        ]
        waiting = [row.invoice_number for row in rows if row.state is not InvoiceState.FAILED]
        # Factur-X invoices go together, one task per flux batch (the buyer's channel, else the supplier's).
        in_flux = [
            row.invoice_number
            for row in rows
            if by_buyer.get(row.buyer_siret or "", supplier.deposit_channel) == "facturx"
        ]
        request = requests[supplier.id]
        batches += plan_channel_batches(
            waiting, in_flux, concurrency=slots, flux_batch_size=flux_size, supplier_id=shown_id
        )
        batches += plan_channel_batches(
            [number for number in request.failed if number not in set(waiting)],
            in_flux,
            concurrency=slots,
            flux_batch_size=flux_size,
            include_failed=True,
            supplier_id=shown_id,
        )
    if retry_numbers:
        _push(context, RETRY_KEY, {key: request.model_dump(mode="json") for key, request in requests.items()})
    total = sum(len(batch.invoice_numbers) for batch in batches)
    log.info("Planned %d invoice(s) in %d submission batch(es)", total, len(batches))
    return [batch.model_dump(mode="json") for batch in batches]


def _sorted_retry_numbers(
    ledger: Ledger, suppliers: Suppliers, numbers: list[str]
) -> dict[str, RetryRequest]:
    """Each supplier's sorting of the numbers asked for again; a number is reported unknown only by
    the default (or first) supplier, and only when no supplier knows it."""
    from chorusflow.submission.intake import sort_retry_numbers

    requests = {supplier.id: sort_retry_numbers(ledger, supplier.key, numbers) for supplier in suppliers}
    known = {
        item
        for request in requests.values()
        for item in [*request.failed, *request.waiting]
        + [aside.invoice_number for aside in request.set_aside if aside.reason != "unknown"]
    }
    reporter = suppliers.default_id or suppliers.ids[0]
    for supplier_id, request in requests.items():
        request.set_aside = [
            aside
            for aside in request.set_aside
            if aside.reason != "unknown" or (supplier_id == reporter and aside.invoice_number not in known)
        ]
        for item in request.set_aside:
            log.warning("Not retried: %s (%s, state %s)", item.invoice_number, item.reason, item.state or "-")
    return requests


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
    from chorusflow.platforms.registry import deposit_channels
    from chorusflow.rules.profiles import buyer_channels, load_profiles
    from chorusflow.submission.submitter import Submitter

    planned = Batch.model_validate(batch)
    supplier = _supplier_of(planned.supplier_id)
    log.info("Submitting %d invoice(s) of %s: %s", len(planned.invoice_numbers), supplier.id, planned.label)
    channels = deposit_channels(
        supplier_client(supplier), supplier, buyer_channels(load_profiles()), documents=reports_root()
    )
    submitter = Submitter(
        get_ledger(),
        channels,
        supplier,
        claim_owner(context),
        lease_seconds=settings().claim_lease_seconds,
        owner_alive=owner_alive(context),
        in_charge=in_charge(),
    )
    result = submitter.submit_batch(planned.invoice_numbers, include_failed=planned.include_failed)
    log.info("Batch done: %s", ", ".join(f"{key} {value}" for key, value in result.counts().items() if value))
    result.raise_for_outcome()
    return result.to_xcom()


def _supplier_of(supplier_id: str | None) -> SupplierIdentity:
    """The supplier of a batch: by id, else the default one (a one-supplier deployment)."""
    suppliers = load_suppliers()
    supplier = suppliers.by_id(supplier_id) if supplier_id else suppliers.default
    if supplier is None:
        raise AirflowFailException(f"supplier {supplier_id!r} is not configured any more")
    return supplier


def report(
    validated: dict[str, Any], batches: list[dict[str, Any]], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Write the run report from the ledger and the plan; fail the run when invoices need a person."""
    from chorusflow.reporting.run_report import (
        NEEDS_A_PERSON,
        RetryNumber,
        RunReport,
        report_lines,
        write_report,
    )
    from chorusflow.submission.intake import dry_run_lines, retry_outcomes

    ti = context["ti"]
    validation = Validation.model_validate(validated)
    suppliers = load_suppliers()
    planned: dict[str, list[str]] = {}
    for item in batches:
        batch = Batch.model_validate(item)
        planned.setdefault(batch.supplier_id or _default_id(suppliers), []).extend(batch.invoice_numbers)
    retry: list[RetryNumber] = []
    by_supplier: dict[str, list[ReportLine]] = {}
    if validation.dry_run:
        lines = dry_run_lines(validation.invalid)
    else:
        ledger = get_ledger()
        pushed = ti.xcom_pull(task_ids=PREPARE_TASK, key=RETRY_KEY) or {}
        lines = []
        for supplier in suppliers:
            numbers = [*validation.processed.get(supplier.id, []), *planned.get(supplier.id, [])]
            own = report_lines(ledger, supplier.key, numbers, ti.run_id)
            if supplier.id in pushed:
                request = RetryRequest.model_validate(pushed[supplier.id])
                retry += retry_outcomes(ledger, supplier.key, request, ti.run_id)
            by_supplier[supplier.id] = own
            lines += own
    run_report = RunReport(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        dry_run=validation.dry_run,
        exports=validation.exports,
        lines=lines,
        retry=retry,
    )
    folder = reports_folder(ti.dag_id, ti.run_id)
    html_path, csv_path = write_report(run_report, folder)
    summary = run_report.summary_text()
    log.info("%s\nReport: %s (CSV: %s)", summary, html_path, csv_path)
    supplier_reports = _supplier_reports(run_report, by_supplier, suppliers, folder)
    counts = run_report.counts()
    if not run_report.dry_run:
        for supplier in suppliers:
            needing = [
                line.invoice_number
                for line in by_supplier.get(supplier.id, [])
                if line.outcome in NEEDS_A_PERSON
            ]
            _send_submission_alerts(supplier, needing)
    result = {
        "counts": counts,
        "exports": len(run_report.exports),  # 0: another run took the files (the desk's Runs page)
        "retry": run_report.retry_counts(),
        "note": summary,
        "report_html": str(html_path),
        "report_csv": str(csv_path),
        "supplier_reports": supplier_reports,
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


def _default_id(suppliers: Suppliers) -> str:
    return suppliers.default_id or suppliers.ids[0]


def _supplier_reports(
    run_report: RunReport,
    by_supplier: dict[str, list[ReportLine]],
    suppliers: Suppliers,
    folder: StoredPath,
) -> dict[str, str]:
    """With several suppliers, one report each too, in its language: ``<run folder>/<supplier id>/``."""
    from chorusflow.reporting.run_report import write_report

    if not suppliers.several or run_report.dry_run:
        return {}
    written: dict[str, str] = {}
    for supplier in suppliers:
        own = run_report.model_copy(update={"lines": by_supplier.get(supplier.id, [])})
        html_path, _ = write_report(own, folder / supplier.id, supplier.language)
        written[supplier.id] = str(html_path)
    return written


def _send_submission_alerts(supplier: SupplierIdentity, numbers: list[str]) -> None:
    """Alert on rejected and failed invoices (each once); an alert problem never hides the run's outcome."""
    from chorusflow.airflow.notifiers import send_submission_alerts

    if not numbers:
        return
    try:
        send_submission_alerts(numbers, supplier)
    except Exception:
        log.exception("Could not send the submission alerts of %s", supplier.id)
