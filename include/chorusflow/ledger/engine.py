"""Engine set-up per database: SQLite in WAL mode with ``BEGIN IMMEDIATE`` writes, PostgreSQL as is.

On SQLite the driver's own transaction handling is switched off and the ledger emits ``BEGIN``
itself: ``BEGIN IMMEDIATE`` for write transactions takes the database write lock up front, so a
read-then-update (a claim) is atomic across processes; read-only transactions use a plain ``BEGIN``.
"""

from __future__ import annotations

import os
import sqlite3
import time
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

#: Execution option marking a connection whose transactions write (``BEGIN IMMEDIATE`` on SQLite).
WRITE_OPTION = "chorusflow_ledger_write"

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def create_ledger_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``url`` with the per-database settings the ledger relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    else:
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
    _forget_pool_after_fork(engine)
    return engine


def _forget_pool_after_fork(engine: Engine) -> None:
    """A forked child (an Airflow task process) must not reuse its parent's database connections."""
    reference = weakref.ref(engine)

    def reset_in_child() -> None:
        alive = reference()
        if alive is not None:
            alive.dispose(close=False)  # drop the parent's connections without closing them under it

    os.register_at_fork(after_in_child=reset_in_child)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 driver (see module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # WAL is stored in the file, so only the first connection switches. SQLite may answer "locked"
    # to that switch without waiting for the busy timeout when processes open a new file together.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    delay = 0.01
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _begin_sqlite_transaction(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
