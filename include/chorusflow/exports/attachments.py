"""Attachments named by an export: found only inside the export's folder, never anywhere else.

The path is checked lexically first (no absolute path, no ``..``); then each component is looked at
with ``lstat`` from the folder down, and a symbolic link is followed only when its target stays
inside the folder, so no file outside the export's folder is ever opened or even stat-ed.

An inbox on object storage (``s3://``, ``memory://``…; :func:`check_stored_attachment`) has no links:
the same lexical check, then the object under the folder, its size and its first bytes.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from chorusflow.storage import StoredPath

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:|[\\/]{2})")
_MAX_LINKS = 20


def _inside(folder: str, candidate: str) -> bool:
    return candidate == folder or candidate.startswith(folder.rstrip(os.sep) + os.sep)


def relative_parts(relative: str) -> list[str] | None:
    """The components of a relative path that stays inside its folder; ``None`` when it may not."""
    text = relative.replace("\\", "/")
    if not text or "\x00" in text or _WINDOWS_ABSOLUTE.match(relative) or text.startswith("/"):
        return None
    parts = [part for part in PurePosixPath(text).parts if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts):
        return None
    return parts


def resolve_inside(folder: Path, relative: str) -> tuple[str | None, Path | None]:
    """Resolve ``relative`` under ``folder``: ``(None, path)`` for a file inside, else ``(code, None)``.

    Codes: ``ATTACHMENT_OUTSIDE_EXPORT`` or ``ATTACHMENT_NOT_FOUND``.
    """
    parts = relative_parts(relative)
    if parts is None:
        return "ATTACHMENT_OUTSIDE_EXPORT", None
    base = os.path.realpath(folder)
    current = base
    pending = list(parts)
    links = 0
    while pending:
        candidate = os.path.join(current, pending.pop(0))
        try:
            info = os.lstat(candidate)
        except (OSError, ValueError):
            return "ATTACHMENT_NOT_FOUND", None
        if stat.S_ISLNK(info.st_mode):
            links += 1
            target = os.readlink(candidate)
            resolved = os.path.normpath(os.path.join(current, target))
            if links > _MAX_LINKS or not _inside(base, resolved):
                return "ATTACHMENT_OUTSIDE_EXPORT", None
            # Walk the link target again from the folder, component by component.
            pending = list(Path(os.path.relpath(resolved, base)).parts) + pending
            pending = [part for part in pending if part not in ("", ".")]
            current = base
            continue
        current = candidate
    if not stat.S_ISREG(os.lstat(current).st_mode):
        return "ATTACHMENT_NOT_FOUND", None
    return None, Path(current)


def check_attachment(folder: Path, relative: str) -> tuple[str | None, Path | None]:
    """Check an export's attachment: inside the folder, a PDF, at most 10 MB. Returns ``(code, path)``."""
    code, path = resolve_inside(folder, relative)
    if path is None:
        return code, None
    if path.stat().st_size > MAX_ATTACHMENT_BYTES:
        return "ATTACHMENT_TOO_LARGE", None
    with path.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            return "ATTACHMENT_NOT_PDF", None
    return None, path


def check_stored_attachment(folder: StoredPath, relative: str) -> tuple[str | None, StoredPath | None]:
    """:func:`check_attachment` for a folder on object storage. Returns ``(code, path)``."""
    parts = relative_parts(relative)
    if parts is None:
        return "ATTACHMENT_OUTSIDE_EXPORT", None
    path = folder
    for part in parts:
        path = path / part
    if not path.is_file():
        return "ATTACHMENT_NOT_FOUND", None
    if path.stat().st_size > MAX_ATTACHMENT_BYTES:
        return "ATTACHMENT_TOO_LARGE", None
    if path.read_bytes()[:5] != b"%PDF-":
        return "ATTACHMENT_NOT_PDF", None
    return None, path
