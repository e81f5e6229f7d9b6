"""Named crash points: kill the current process at a precise moment, for the reliability suite.

``crashpoint("submission.after_answer")`` does nothing unless the setting ``CHORUSFLOW_CRASHPOINT``
names that point as ``<name>:<nth>`` (for instance
``submission.after_answer:37``): then the ``nth`` time the process reaches it, the process sends
itself SIGKILL, like an OOM kill or a lost machine (no ``finally``, no atexit, no flush). With a
third part, ``<name>:<nth>:stop``, the process sends itself SIGSTOP instead: it freezes there, with
its connections open, until someone sends SIGCONT (the harness breaks the infrastructure meanwhile,
e.g. restarts the database: docs/reliability.md §6). The variable is read once at import, so an
unset variable costs one dictionary miss per call.

Points (see docs/reliability.md): ``submission.after_claim``, ``submission.before_call``,
``submission.before_reconcile``, ``submission.after_answer``, ``submission.after_record``,
``resolution.before_reconcile``, ``resolution.before_call``, ``resolution.after_answer``,
``ledger.before_commit`` (inside every ledger write transaction, before COMMIT).
"""

from __future__ import annotations

import os
import signal

from chorusflow.settings import settings

#: What an armed point does to the process: the signal it sends itself.
_ACTIONS = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP}


def _parse(spec: str) -> dict[str, tuple[int, signal.Signals]]:
    """``name:nth[:stop][,...]`` → {name: (nth, signal)}; a malformed entry is ignored (never crash by
    accident)."""
    armed: dict[str, tuple[int, signal.Signals]] = {}
    for entry in spec.split(","):
        head, _, action = entry.strip().rpartition(":")
        if action not in _ACTIONS:
            head, action = entry.strip(), "kill"
        name, _, nth = head.rpartition(":")
        if name and nth.isdigit() and int(nth) > 0:
            armed[name] = (int(nth), _ACTIONS[action])
    return armed


_ARMED = _parse(settings().crashpoint or "")
_SEEN: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """SIGKILL (or SIGSTOP) this process when ``name`` is armed and reached for the ``nth`` time; else
    nothing."""
    if name not in _ARMED:
        return
    _SEEN[name] = _SEEN.get(name, 0) + 1
    nth, action = _ARMED[name]
    if _SEEN[name] == nth:
        os.kill(os.getpid(), action)
