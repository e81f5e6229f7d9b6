"""The two OpenAPI annexes of AFNOR XP Z12-013, found on this machine, never vendored.

The annexes carry no licence (their ``info`` names AFNOR, nothing grants redistribution), so the
repository does not hold them (docs/pa-sandbox.md, "The annexes"). ``chorusflow pa-sandbox
fetch-annexes`` copies them, byte for byte, from a public copy (fpiccinali/PA_Communautaire at a
pinned commit) or from a local clone of it, and checks their SHA-256: the sandbox only ever
validates against the exact files its behaviours were written from. Without them it checks
requests against our digest of their interface facts (``chorusflow_dev.pa_sandbox.interface``),
through the same validator, and says so (``load_interface``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chorusflow_dev.pa_sandbox.interface import load_digest

logger = logging.getLogger("chorusflow_dev.pa_sandbox")

UPSTREAM_REPOSITORY = "fpiccinali/PA_Communautaire"
UPSTREAM_COMMIT = "a9302816f8a15ddc66c241729799509c5de77c18"
UPSTREAM_FOLDER = "docs/norme/XP_Z12-013_SWAGGER_Annexes_A_et_B_V1.2"
#: Where the annexes are looked for when ``CHORUSFLOW_AFNOR_ANNEXES`` is not set.
DEFAULT_FOLDER = Path.home() / ".cache" / "chorusflow" / "afnor-xp-z12-013"
ENVIRONMENT_VARIABLE = "CHORUSFLOW_AFNOR_ANNEXES"


@dataclass(frozen=True)
class Annex:
    """One annex: its upstream file name and the SHA-256 of the version the sandbox follows."""

    key: str
    file_name: str
    sha256: str

    def upstream_url(self) -> str:
        """The raw file at the pinned commit."""
        path = f"{UPSTREAM_FOLDER}/{self.file_name}".replace(" ", "%20")
        return f"https://raw.githubusercontent.com/{UPSTREAM_REPOSITORY}/{UPSTREAM_COMMIT}/{path}"


FLOW = Annex(
    "flow",
    "ANNEXE A - PR XP Z12-013 - AFNOR-Flow_Service-1.1.0-swagger.json",
    "4b7c8197160f013dd5d3ecf82f4a2085ff72a514df71d678587f5b8f32e1f96e",
)
DIRECTORY = Annex(
    "directory",
    "ANNEXE B - PR XP Z12-013 - AFNOR-Directory_Service-1.1.0-swagger.json",
    "d9abab791874aff09b36ae402a30d9ab934fffc41c825291ff47b93ecc34d724",
)
ANNEXES = (FLOW, DIRECTORY)


class AnnexMissing(RuntimeError):
    """An annex is absent or not the pinned version; the message says how to get it."""


def annex_folder() -> Path:
    """Where the annexes are read from."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(configured) if configured else DEFAULT_FOLDER


#: How to install the annexes (tests that need them skip with it).
FETCH_INSTRUCTION = (
    "run `chorusflow pa-sandbox fetch-annexes` (downloads them from "
    f"github.com/{UPSTREAM_REPOSITORY} at {UPSTREAM_COMMIT[:12]}), or "
    "`chorusflow pa-sandbox fetch-annexes --from <clone of that repository>`, "
    f"or set {ENVIRONMENT_VARIABLE} to a folder holding them (docs/pa-sandbox.md)"
)


def _how_to_fetch() -> str:
    return FETCH_INSTRUCTION


def _check(annex: Annex, content: bytes, origin: str) -> None:
    digest = hashlib.sha256(content).hexdigest()
    if digest != annex.sha256:
        raise AnnexMissing(
            f"{origin} is not the pinned {annex.key} annex (sha256 {digest}, expected {annex.sha256}); "
            + _how_to_fetch()
        )


@lru_cache(maxsize=4)
def _load(key: str, folder: str) -> dict[str, Any]:
    annex = {a.key: a for a in ANNEXES}[key]
    path = Path(folder) / annex.file_name
    if not path.is_file():
        raise AnnexMissing(f"AFNOR XP Z12-013 {key} annex not found at {path}: " + _how_to_fetch())
    content = path.read_bytes()
    _check(annex, content, str(path))
    loaded: dict[str, Any] = json.loads(content.decode("utf-8"))
    return loaded


def load_annex(key: str) -> dict[str, Any]:
    """The parsed OpenAPI document of the ``flow`` or ``directory`` annex (checked against its pin)."""
    return _load(key, str(annex_folder()))


def annexes_installed() -> bool:
    """Whether both pinned annexes are on this machine."""
    try:
        for annex in ANNEXES:
            load_annex(annex.key)
    except AnnexMissing:
        return False
    return True


@dataclass(frozen=True)
class Interface:
    """The OpenAPI document requests are checked against, and where it comes from."""

    key: str
    document: dict[str, Any]
    source: str  # "annex" (the pinned official file) or "digest" (ours, in the repository)

    def describe(self) -> str:
        """One line for the start-up log and ``/sandbox/stats``."""
        annex = {a.key: a for a in ANNEXES}[self.key]
        if self.source == "annex":
            return f"official annex {annex.file_name!r} (sha256 {annex.sha256[:12]})"
        return f"digest pa_sandbox/interface/{self.key}_service.yaml (the annex is not installed)"


def load_interface(key: str) -> Interface:
    """The ``flow`` or ``directory`` annex when installed (pinned), otherwise our digest of it."""
    try:
        return Interface(key, load_annex(key), "annex")
    except AnnexMissing as missing:
        logger.info("%s annex not used: %s", key, missing)
        return Interface(key, load_digest(key), "digest")


def fetch_annexes(source: Path | None = None, target: Path | None = None) -> list[Path]:
    """Copy both annexes into ``target`` (default: ``annex_folder()``), from a local clone of the
    upstream repository or, without ``source``, from GitHub; each is checked before it is written."""
    folder = target or annex_folder()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for annex in ANNEXES:
        if source is not None:
            candidates = [source / UPSTREAM_FOLDER / annex.file_name, source / annex.file_name]
            found = next((c for c in candidates if c.is_file()), None)
            if found is None:
                raise AnnexMissing(f"{annex.file_name} not found under {source}")
            content, origin = found.read_bytes(), str(found)
        else:
            with urllib.request.urlopen(annex.upstream_url(), timeout=30) as answer:  # noqa: S310 - pinned https URL
                content, origin = answer.read(), annex.upstream_url()
        _check(annex, content, origin)
        destination = folder / annex.file_name
        temporary = destination.with_suffix(".part")
        temporary.write_bytes(content)
        shutil.move(str(temporary), destination)
        written.append(destination)
    _load.cache_clear()
    return written
