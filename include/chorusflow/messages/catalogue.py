"""The catalogue's entry type, the registry of every entry, and the one function that gives a text.

Each area module of :mod:`chorusflow.messages` holds ``MESSAGES: dict[str, Message]``: keys written
in full, starting with the area's prefix (``rule.``, ``report.``, ``cli.ledger.`` …), each value a
:class:`Message` holding the French and the English template. :data:`REGISTRY` merges them and refuses
a key defined twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chorusflow.messages.language import Language, language


@dataclass(frozen=True, slots=True)
class Message:
    """One user-facing text in French and English: ``str.format`` templates with the same ``{names}``."""

    fr: str
    en: str

    def template(self, lang: Language) -> str:
        """The template in ``lang`` (its placeholders not filled in)."""
        return self.en if lang == "en" else self.fr


def merge(areas: Iterable[Mapping[str, Message]]) -> dict[str, Message]:
    """One registry from the areas' tables; a key in two areas is a bug, caught at import."""
    registry: dict[str, Message] = {}
    for area in areas:
        for key, message in area.items():
            if key in registry:
                raise ValueError(f"message key {key!r} is defined twice")
            registry[key] = message
    return registry


def text_in(registry: Mapping[str, Message], key: str, lang: str | None, params: Mapping[str, object]) -> str:
    """``registry[key]`` in ``lang`` (default ``CHORUSFLOW_LANG``) with ``params`` filled in."""
    template = registry[key].template(language(lang))
    return template.format(**params) if params else template
