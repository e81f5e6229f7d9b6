"""Named crash points: kill the current process at a precise moment, for the reliability suite.

``crashpoint("submission.after_answer")`` does nothing unless the setting ``CHORUSFLOW_CRASHPOINT``
names that point as ``<name>:<nth>`` (for instance
``submission.after_answer:37``): then the ``nth`` time the process reaches it, the process sends
itself SIGKILL, like an OOM kill or a lost machine (no ``finally``, no atexit, no flush). The
variable is read once at import, so an unset variable costs one dictionary miss per call.

Points (see docs/reliability.md): ``submission.after_claim``, ``submission.before_call``,
``submission.before_reconcile``, ``submission.after_answer``, ``submission.after_record``,
``resolution.before_reconcile``, ``resolution.before_call``, ``resolution.after_answer``,
``ledger.before_commit`` (inside every ledger write transaction, before COMMIT).
"""

from __future__ import annotations

import os
import signal

from chorusflow.settings import settings


def _parse(spec: str) -> dict[str, int]:
    """``name:nth[,name:nth...]`` → {name: nth}; a malformed entry is ignored (never crash by accident)."""
    armed: dict[str, int] = {}
    for entry in spec.split(","):
        name, _, nth = entry.strip().rpartition(":")
        if name and nth.isdigit() and int(nth) > 0:
            armed[name] = int(nth)
    return armed


_ARMED = _parse(settings().crashpoint or "")
_SEEN: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """SIGKILL this process when ``name`` is armed and reached for the ``nth`` time; else nothing."""
    if name not in _ARMED:
        return
    _SEEN[name] = _SEEN.get(name, 0) + 1
    if _SEEN[name] == _ARMED[name]:
        os.kill(os.getpid(), signal.SIGKILL)
