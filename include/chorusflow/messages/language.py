"""The language of user-facing texts, resolved in one place: ``fr`` (default) or ``en``.

The setting is ``CHORUSFLOW_LANG`` (:attr:`chorusflow.settings.Settings.lang`, which normalises its
value with :func:`normalise`). :func:`language` reads it through :func:`chorusflow.settings.settings`
once that module is loaded, as it is in every task and command that does real work. ``chorusflow
--help`` does not load it (pydantic-settings alone costs three times the help's whole time), so
until then the variable is read here, the only other reading, with the same :func:`normalise`.
"""

from __future__ import annotations

import os
import sys
from typing import Literal

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
LANG_VARIABLE = "CHORUSFLOW_LANG"


def normalise(value: object) -> Language:
    """``en``, ``en_GB``, ``EN-us`` all mean English; anything else (empty, unknown) French."""
    return "en" if str(value or "").strip().lower().startswith("en") else "fr"


def language(lang: str | None = None) -> Language:
    """The language of a text: ``lang`` when given (normalised), else ``CHORUSFLOW_LANG``."""
    if lang:
        return normalise(lang)
    loaded = sys.modules.get("chorusflow.settings")
    if loaded is not None:
        return loaded.settings().lang
    return normalise(os.environ.get(LANG_VARIABLE))
