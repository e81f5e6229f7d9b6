"""The PISTE quota shared by every worker of a deployment: one row of the ledger's database.

A PISTE quota belongs to the PISTE application (its client id), whatever the number of workers,
hosts or suppliers using it. Each request slot is reserved with one ``UPDATE ... RETURNING`` on the
row of that client id: the row lock (PostgreSQL) or the write lock (SQLite) orders the callers, and
the answer carries the slot and the database's "now", so the caller sleeps on one clock whatever
its own clock says. An HTTP 429 moves ``hold_until`` forward: nobody sends before it.

Why the ledger's database and not Redis: every chorusflow deployment has the ledger (one database
reachable from every worker, on any executor), and a slot is one short statement; see
docs/deployment.md ("One PISTE quota for the whole deployment") for the measurements.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, func, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.engine import WRITE_OPTION
from chorusflow.ledger.tables import api_quota

_UNIX_EPOCH_JULIAN_DAY = 2440587.5


# The slot arithmetic of a quota, shared by this row and the client's in-process pacer
# (chorusflow.platforms.chorus_pro.ratelimit): the ledger depends on no platform.
def interval_for(per_second: float | None) -> float:
    """Seconds between two slots (0 without a rate: only holds are honoured)."""
    if per_second is None:
        return 0.0
    if per_second <= 0:
        raise ValueError("per_second must be positive")
    return 1.0 / per_second


def sleep_until_slot(slot: float, now: float) -> float:
    """Sleep from ``now`` to ``slot`` (both on the same clock); return the seconds slept."""
    delay = slot - now
    if delay > 0:
        time.sleep(delay)
        return delay
    return 0.0


class SharedPacer:
    """:class:`chorusflow.platforms.chorus_pro.ratelimit.Pacer` on the ledger's ``api_quota`` row ``key``."""

    def __init__(self, engine: Engine, key: str, per_second: float | None) -> None:
        self.engine = engine
        self.key = key[:200]
        self.interval = interval_for(per_second)
        self._postgres = engine.dialect.name == "postgresql"
        self._row_ready = False

    def __repr__(self) -> str:
        return f"SharedPacer(key={self.key!r}, interval={self.interval:g})"

    def _now(self) -> Any:
        """The database's clock in seconds since the epoch (one value per statement)."""
        if self._postgres:
            return func.extract("epoch", func.statement_timestamp())
        return (func.julianday("now") - _UNIX_EPOCH_JULIAN_DAY) * 86400.0

    def _greatest(self, *values: Any) -> Any:
        return func.greatest(*values) if self._postgres else func.max(*values)

    def _ensure_row(self) -> None:
        if self._row_ready:
            return
        dialect = postgresql if self._postgres else sqlite
        statement = (
            dialect.insert(api_quota)
            .values(quota_key=self.key, next_slot=0.0, hold_until=0.0)
            .on_conflict_do_nothing(index_elements=["quota_key"])
        )
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(statement)
        self._row_ready = True

    def _update_returning(self, values: dict[str, Any], returned: Any) -> tuple[float, float]:
        self._ensure_row()
        now = self._now()
        statement = (
            update(api_quota)
            .where(api_quota.c.quota_key == self.key)
            .values(**values)
            .returning(returned, now)
        )
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                if self._postgres:
                    # A slot lost in a database crash costs nothing: no need to wait for the disk.
                    connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
                row = connection.execute(statement).one()
        return float(row[0]), float(row[1])

    def acquire(self) -> float:
        """Reserve the next free slot of the whole deployment and sleep until it.

        Without a rate there is no slot to reserve: only a hold is waited out, read without a write.
        """
        if not self.interval:
            return self._wait_for_hold()
        now = self._now()
        start = self._greatest(api_quota.c.next_slot, api_quota.c.hold_until, now)
        next_slot, at = self._update_returning(
            {"next_slot": start + literal(self.interval)}, api_quota.c.next_slot
        )
        return sleep_until_slot(next_slot - self.interval, at)

    def _wait_for_hold(self) -> float:
        self._ensure_row()
        statement = select(api_quota.c.hold_until, self._now()).where(api_quota.c.quota_key == self.key)
        with self.engine.connect() as connection, connection.begin():
            row = connection.execute(statement).one()
        return sleep_until_slot(float(row[0]), float(row[1]))

    def hold_off(self, seconds: float) -> None:
        """Nobody sharing this client id sends anything for ``seconds``."""
        now = self._now()
        self._update_returning(
            {"hold_until": self._greatest(api_quota.c.hold_until, now + literal(max(0.0, seconds)))},
            api_quota.c.hold_until,
        )


def api_pacer(db: LedgerDatabase, key: str, per_second: float | None) -> SharedPacer:
    """The request pacer of one PISTE application (``key``: its client id), shared through this
    database by every process using the ledger."""
    return SharedPacer(db.engine, key, per_second)
