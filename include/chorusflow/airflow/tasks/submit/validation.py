"""``prepare``'s validation: every export validated, its verdicts recorded under their suppliers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

from chorusflow.airflow.connections import get_ledger, reports_root, supplier_client
from chorusflow.airflow.tasks.submit.inbox import archive, readable_copy
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.rules import ChorusDirectory
from chorusflow.rules.checks.attachments import AttachmentKeeper
from chorusflow.rules.validate import validate_routed_export
from chorusflow.settings import settings
from chorusflow.storage import store_attachment
from chorusflow.submission.intake import (
    ExportFile,
    RecordedExport,
    Validation,
    invalid_details,
    merged_summary,
    record_export,
    summarize_export,
)
from chorusflow.suppliers import SupplierIdentity, load_suppliers

log = logging.getLogger(__name__)


def validate(exports: list[dict[str, Any]], *, dry_run: bool, run_id: str) -> dict[str, Any]:
    """Validate every export, record the verdicts in the ledger under their suppliers, archive the files.

    An export with invoices no supplier can be given (SUPPLIER_UNKNOWN …) stays in the inbox, not
    marked processed: once the supplier is configured, the next run records the rest.
    """

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
        readable = None if ledger.export_already_processed(export.sha256) else readable_copy(export)
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
                archived = archive(export, run_id)
                ledger.record_processed_export(
                    export.sha256, export.name, archived, run_id, summary.ledger or {}
                )
        _log_summary(summary)
        result.exports.append(summary)
    if not dry_run:
        # What the directory said of each buyer's legal form: the payment clock's category.
        ledger.record_legal_forms({k: v for d in directories.values() for k, v in d.legal_forms().items()})
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
