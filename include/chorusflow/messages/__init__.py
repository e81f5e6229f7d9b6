"""Every user-facing text, in French (the default) and English: one catalogue, one way to read it.

Rule messages, alerts, the digest, the reports and run notes, the status sync's summary, the ledger's
notes and every command's help and output live in the area modules of this package (``rules``,
``alerts``, ``reports``, ``ledger``, ``cli``, ``documents`` …), each a ``MESSAGES`` table of
``"area.key": Message(fr=..., en=...)``. :func:`text` is the only way to read them; the language is
resolved once, in :mod:`chorusflow.messages.language` (``CHORUSFLOW_LANG``). A test checks that every
entry has both languages with the same placeholders, and that no other module keeps a table of its own.

Only the standard library is imported here: ``chorusflow --help`` reads its texts from this package.
"""

from __future__ import annotations

from chorusflow.messages import (
    alerts,
    cli,
    desk,
    documents,
    formats,
    ledger,
    reports,
    resolution,
    rules,
    sync,
)
from chorusflow.messages.catalogue import Message, merge, text_in
from chorusflow.messages.language import LANGUAGES, Language, language, normalise

AREAS = (alerts, cli, desk, documents, formats, ledger, reports, resolution, rules, sync)
#: Every entry of every area, by key.
REGISTRY: dict[str, Message] = merge(area.MESSAGES for area in AREAS)


def text(key: str, lang: str | None = None, /, **params: object) -> str:
    """The text ``key`` in ``lang`` (default ``CHORUSFLOW_LANG``), its ``{placeholders}`` filled with
    ``params``; without ``params`` the template is returned as written."""
    return text_in(REGISTRY, key, lang, params)


__all__ = ["LANGUAGES", "REGISTRY", "Language", "Message", "language", "normalise", "text"]
