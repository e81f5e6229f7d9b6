"""The invoice desk's words, read from the message catalogue (``desk.*`` in
:mod:`chorusflow.messages.desk`)."""

from __future__ import annotations

from chorusflow.messages import text as catalogue_text
from chorusflow.settings import Language


def text(key: str, lang: Language, **values: object) -> str:
    """The desk's text ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    return catalogue_text(f"desk.{key}", lang, **values)
