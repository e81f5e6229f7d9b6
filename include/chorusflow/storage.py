"""Where chorusflow keeps what a person or another task reads later: one shared storage tree.

Reports, archived exports and deposited invoice PDFs are written under storage that every worker
and the API server reach: object storage (``s3://``, ``gs://``...) or a shared file system
(``file://``), never one worker's disk. The Airflow adapter opens these roots with Airflow's
``ObjectStoragePath`` (``CHORUSFLOW_REPORTS``, ``CHORUSFLOW_ARCHIVE``); the command line and tests
pass a ``pathlib.Path``. This module only needs what both offer (:class:`StoredPath`).

Layout under the reports root:

- ``<dag id>/<run id>/report.html`` and ``report.csv``: a run's report;
- ``invoices/<supplier key>/<invoice number>.pdf``: the PDF deposited with an invoice (the supplier
  key is the SIRET, or the identifier of a supplier without one, as in the ledger);
- ``attachments/<supplier key>/<sha256>/<file name>``: the ERP's PDF an export names, copied from
  the inbox at validation (:func:`store_attachment`), so that the submission reads it on any worker
  (:func:`read_attachment`); the ledger keeps its key (the invoice's ``attachment_stored``).

:func:`read_report` and :func:`read_invoice_pdf` are what a UI (the invoice desk) calls to show them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any, Protocol

REPORT_FILES = ("report.html", "report.csv")
INVOICES_FOLDER = "invoices"
ATTACHMENTS_FOLDER = "attachments"


class StoredPath(Protocol):
    """The part of ``pathlib.Path`` and Airflow's ``ObjectStoragePath`` chorusflow uses."""

    def __truediv__(self, name: str) -> StoredPath: ...

    def mkdir(self, mode: int = ..., parents: bool = ..., exist_ok: bool = ...) -> None: ...

    def write_bytes(self, data: bytes) -> int | None: ...

    def read_bytes(self) -> bytes: ...

    def exists(self) -> bool: ...

    def is_file(self) -> bool: ...

    def stat(self) -> Any: ...  # ``st_size`` is what chorusflow reads

    def iterdir(self) -> Iterator[StoredPath]: ...

    @property
    def name(self) -> str: ...


class NotStored(LookupError):
    """The report or document asked for is not in storage."""


def safe_name(text: str, fallback: str = "_") -> str:
    """``text`` made safe as one folder or file name (run ids hold ':' and '+', numbers '/')."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")
    return cleaned if cleaned.strip(".") else fallback  # never "", "." or "..": no way out of the root


def report_folder(root: StoredPath, dag_id: str, run_id: str) -> StoredPath:
    """The folder of one run's report under ``root``."""
    return root / safe_name(dag_id) / safe_name(run_id, fallback="run")


def invoice_pdf_path(root: StoredPath, supplier_key: str, invoice_number: str) -> StoredPath:
    """Where the PDF deposited with an invoice is kept under ``root``."""
    return root / INVOICES_FOLDER / safe_name(supplier_key) / f"{safe_name(invoice_number)}.pdf"


def store_bytes(path: StoredPath, data: bytes, parent: StoredPath) -> StoredPath:
    """Write ``data`` at ``path`` (creating ``parent``); return ``path``."""
    parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def store_invoice_pdf(root: StoredPath, supplier_key: str, invoice_number: str, pdf: bytes) -> StoredPath:
    """Keep the PDF deposited with an invoice (the same bytes as uploaded)."""
    folder = root / INVOICES_FOLDER / safe_name(supplier_key)
    return store_bytes(invoice_pdf_path(root, supplier_key, invoice_number), pdf, folder)


def attachment_key(supplier_key: str, content: bytes, name: str) -> str:
    """The key of an attachment under the reports root: ``attachments/<supplier key>/<sha256>/<name>``.

    The content's hash makes the key change with the bytes (a file replaced in the inbox is a new
    key, never an overwrite of what an invoice already recorded); the name is kept for the
    attachment's designation on Chorus Pro.
    """
    digest = hashlib.sha256(content).hexdigest()
    return "/".join(
        (ATTACHMENTS_FOLDER, safe_name(supplier_key), digest, safe_name(name, fallback="attachment.pdf"))
    )


def store_attachment(root: StoredPath, supplier_key: str, content: bytes, name: str) -> str:
    """Keep an export's attachment in shared storage (once per content); return its key."""
    key = attachment_key(supplier_key, content, name)
    path = _under(root, key)
    if not path.exists():
        folder = _under(root, key.rpartition("/")[0])
        store_bytes(path, content, folder)
    return key


def read_attachment(root: StoredPath, key: str) -> bytes:
    """An attachment kept by :func:`store_attachment`; :class:`NotStored` if absent."""
    return _read(_under(root, key))


def _under(root: StoredPath, key: str) -> StoredPath:
    """``root / key`` for a key of this layout (``/``-separated safe names, never ``..``)."""
    parts = key.split("/")
    if parts[0] != ATTACHMENTS_FOLDER or any(part != safe_name(part) for part in parts):
        raise ValueError(f"not a stored attachment's key: {key!r}")
    path = root
    for part in parts:
        path = path / part
    return path


def read_report(
    root: StoredPath, dag_id: str, run_id: str, name: str = "report.html", supplier_id: str | None = None
) -> bytes:
    """A stored run report file (``report.html`` or ``report.csv``), the whole run's or, with
    ``supplier_id``, that supplier's own (several suppliers); :class:`NotStored` if absent."""
    if name not in REPORT_FILES:
        raise ValueError(f"a run report is one of {', '.join(REPORT_FILES)}, not {name!r}")
    folder = report_folder(root, dag_id, run_id)
    if supplier_id is not None:
        folder = folder / safe_name(supplier_id)
    return _read(folder / name)


def supplier_reports(root: StoredPath, dag_id: str, run_id: str) -> list[str]:
    """The suppliers with a report of their own in a run (several suppliers: ``<run>/<supplier id>/``)."""
    folder = report_folder(root, dag_id, run_id)
    if not folder.exists():
        return []
    return sorted(sub.name for sub in folder.iterdir() if (sub / REPORT_FILES[0]).exists())


def read_invoice_pdf(root: StoredPath, supplier_key: str, invoice_number: str) -> bytes:
    """The PDF deposited with an invoice; :class:`NotStored` if none was kept."""
    return _read(invoice_pdf_path(root, supplier_key, invoice_number))


def stored_runs(root: StoredPath, dag_id: str, limit: int = 200) -> list[str]:
    """The runs of ``dag_id`` with a stored report, as their folder names (a run id made safe, which
    :func:`read_report` accepts back), newest first by name within each kind of run; at most ``limit``."""
    folder = root / safe_name(dag_id)
    if not folder.exists():
        return []
    runs = [run.name for run in folder.iterdir() if (run / REPORT_FILES[0]).exists()]
    return sorted(runs, key=_run_order, reverse=True)[:limit]


def _run_order(folder_name: str) -> str:
    """Sort key of a run folder: its date part first (``manual__2026-12-03T10_00…`` and
    ``scheduled__2026-12-03T…`` interleave by time)."""
    _, _, when = folder_name.partition("__")
    return when or folder_name


def _read(path: StoredPath) -> bytes:
    if not path.exists():
        raise NotStored(str(path))
    return path.read_bytes()
