"""The invoice's attachment: ATTACHMENT_NOT_FOUND, _OUTSIDE_EXPORT, _TOO_LARGE, _NOT_PDF, and a file name
too long for Chorus Pro (FIELD_TOO_LONG). Each attachment is looked at once, however many invoices name it.

The folder is a local one (a ``Path``: the export's folder, links checked) or one on object storage
(the inbox's URL). With a keeper, an accepted attachment's bytes are kept in shared storage once
(:func:`chorusflow.storage.store_attachment`) and :meth:`AttachmentRules.kept` gives its key, so the
submission reads it on any worker, without the inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chorusflow.exports.attachments import check_attachment, check_stored_attachment
from chorusflow.rules.checks.flags import shown
from chorusflow.rules.codes import Finding, field_label, finding
from chorusflow.storage import StoredPath

# An attachment's file name, sent as its designation: 50 characters with the extension
# (docs/sources.md, Field limits).
ATTACHMENT_NAME_MAX = 50

#: Keeps an accepted attachment (its bytes, its file name) in shared storage; returns its key.
AttachmentKeeper = Callable[[bytes, str], str]


class AttachmentRules:
    """Checks the attachments named by one export (files next to it), remembering each answer."""

    def __init__(self, folder: Path | StoredPath, lang: str, keep: AttachmentKeeper | None = None) -> None:
        self.folder = folder
        self.lang = lang
        self.keep = keep
        self._checked: dict[str, tuple[StoredPath | None, list[Finding]]] = {}
        self._kept: dict[str, str | None] = {}

    def check(self, value: str) -> tuple[StoredPath | None, list[Finding]]:
        """The attachment's path (None when unusable) and its findings; the list must not be changed.

        The path is a ``Path`` when the folder is local."""
        checked = self._checked.get(value)
        if checked is None:
            checked = self._checked[value] = self._check(value)
        return checked

    def kept(self, value: str) -> str | None:
        """The key of an accepted attachment in shared storage (stored on the first call); ``None``
        without a keeper or when the attachment has findings."""
        if value not in self._kept:
            path, found = self.check(value)
            self._kept[value] = None
            if self.keep is not None and path is not None and not found:
                self._kept[value] = self.keep(path.read_bytes(), path.name)
        return self._kept[value]

    def _check(self, value: str) -> tuple[StoredPath | None, list[Finding]]:
        path: StoredPath | None
        try:
            if isinstance(self.folder, Path):
                code, path = check_attachment(self.folder, value)
            else:
                code, path = check_stored_attachment(self.folder, value)
        except OSError:
            code, path = "ATTACHMENT_NOT_FOUND", None
        if code:
            return path, [finding(code, self.lang, "attachment", value=shown(value))]
        if path is not None and len(path.name) > ATTACHMENT_NAME_MAX:
            label = field_label("attachment_name", self.lang)
            too_long = finding(
                "FIELD_TOO_LONG",
                self.lang,
                "attachment",
                label=label,
                length=len(path.name),
                limit=ATTACHMENT_NAME_MAX,
            )
            return path, [too_long]
        return path, []
