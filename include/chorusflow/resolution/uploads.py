"""A document uploaded from the browser to complete a suspended invoice, kept in shared storage.

The bytes pass the export's attachment rules (:class:`chorusflow.rules.checks.attachments.AttachmentRules`:
a PDF, at most 10 MB, a name of at most 50 characters) in a private temporary folder, then are kept
once per content under ``attachments/<supplier key>/<sha256>/<name>``
(:func:`chorusflow.storage.store_attachment`), like an export's attachments. The decision then names
that key; the resolver checks it again before sending it (:mod:`chorusflow.resolution.decisions`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PureWindowsPath

from chorusflow.rules.checks.attachments import AttachmentRules
from chorusflow.rules.codes import Finding
from chorusflow.storage import StoredPath, safe_name, store_attachment


def uploaded_name(filename: str) -> str:
    """The file's own name as a browser sends it (some send a whole Windows or POSIX path)."""
    return safe_name(PureWindowsPath(filename.replace("/", "\\")).name, fallback="document.pdf")


def keep_upload(
    documents: StoredPath, supplier_key: str, filename: str, content: bytes, lang: str
) -> tuple[str | None, list[Finding]]:
    """Check an uploaded document and keep it: ``(key, [])``, or ``(None, findings)`` (nothing kept)."""
    name = uploaded_name(filename)
    with tempfile.TemporaryDirectory(prefix="chorusflow-upload-") as folder:
        (Path(folder) / name).write_bytes(content)
        _, found = AttachmentRules(Path(folder), lang).check(name)
    if found:
        return None, list(found)
    return store_attachment(documents, supplier_key, content, name), []
