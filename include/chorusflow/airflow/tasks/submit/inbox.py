"""``prepare``'s files: the export files of the inbox (a folder or object storage), a copy this
worker can read, and the archive a processed export moves to."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

from chorusflow.airflow.connections import archive_path, get_ledger, inbox_path
from chorusflow.reporting.run_report import safe_folder_name
from chorusflow.settings import settings
from chorusflow.submission.intake import ExportFile
from chorusflow.suppliers import load_suppliers

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = {".csv", ".txt", ".tsv"}


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


def readable_copy(export: ExportFile) -> Path | None:
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


def archive(export: ExportFile, run_id: str) -> str:
    """Move a processed export to ``<archive>/<run id>/`` (a file named explicitly stays where it is)."""
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
