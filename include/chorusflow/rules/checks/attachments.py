"""The invoice's attachment: ATTACHMENT_NOT_FOUND, _OUTSIDE_EXPORT, _TOO_LARGE, _NOT_PDF, and a file name
too long for Chorus Pro (FIELD_TOO_LONG). Each attachment is looked at once, however many invoices name it.
"""

from __future__ import annotations

from pathlib import Path

from chorusflow.exports.attachments import check_attachment
from chorusflow.rules.checks.flags import shown
from chorusflow.rules.codes import Finding, field_label, finding

# An attachment's file name, sent as its designation: 50 characters with the extension
# (docs/sources.md, Field limits).
ATTACHMENT_NAME_MAX = 50


class AttachmentRules:
    """Checks the attachments named by one export (files next to it), remembering each answer."""

    def __init__(self, folder: Path, lang: str) -> None:
        self.folder = folder
        self.lang = lang
        self._checked: dict[str, tuple[Path | None, list[Finding]]] = {}

    def check(self, value: str) -> tuple[Path | None, list[Finding]]:
        """The attachment's path (None when unusable) and its findings; the list must not be changed."""
        checked = self._checked.get(value)
        if checked is None:
            checked = self._checked[value] = self._check(value)
        return checked

    def _check(self, value: str) -> tuple[Path | None, list[Finding]]:
        try:
            code, path = check_attachment(self.folder, value)
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
