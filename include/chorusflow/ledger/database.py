"""The ledger's database: its engine, and the two kinds of transaction every record module uses.

Every write runs in one short transaction that holds the rows it changes (``SELECT … FOR UPDATE``
on PostgreSQL, the database write lock from ``BEGIN IMMEDIATE`` on SQLite). The record modules
(:mod:`~chorusflow.ledger.invoices`, :mod:`~chorusflow.ledger.claims`, ...) take a
:class:`LedgerDatabase` as their first argument; :class:`chorusflow.ledger.Ledger` gathers them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from chorusflow.crashpoints import crashpoint
from chorusflow.ledger.engine import WRITE_OPTION, create_ledger_engine
from chorusflow.ledger.migrate import current_revision, upgrade_to_head
from chorusflow.ledger.url import LedgerConfigError, display_url

#: Stay far below SQLite's bound-parameter limit in IN (...) lists.
CHUNK = 900


class LedgerDatabase:
    """One ledger database (SQLite file or PostgreSQL): its engine, transactions and schema."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        try:
            self.engine = create_ledger_engine(url, echo=echo)
        except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as error:
            # SQLAlchemy quotes the raw URL (password included) in some messages: mask it.
            reason = str(error).replace(url, display_url(url))
            raise LedgerConfigError(f"invalid ledger URL {display_url(url)}: {reason}") from None
        self.dialect_name = self.engine.dialect.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({display_url(self.url)!r})"

    def dispose(self) -> None:
        """Close every pooled connection (call it before forking or at the end of a task)."""
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection
                crashpoint("ledger.before_commit")  # reliability suite: die inside the transaction

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read-only transaction (also for queries built elsewhere, the desk's); never write in it."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def insert(self, table: Any) -> Any:
        """The dialect's own INSERT into ``table``, for ON CONFLICT."""
        return dialect_insert(self.dialect_name, table)

    def has_row(self, column: Any, value: Any) -> bool:
        """True if a row of ``column``'s table holds ``value`` there."""
        with self.reading() as connection:
            return connection.execute(select(column).where(column == value).limit(1)).first() is not None

    def insert_once(self, table: Any, unique: str, values: dict[str, Any]) -> bool:
        """Insert a row unless one with the same ``unique`` column exists; True if inserted.

        Race-safe: the unique constraint decides, not an earlier read.
        """
        statement = self.insert(table).values(**values).on_conflict_do_nothing(index_elements=[unique])
        with self.write() as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def migrate(self) -> str:
        """Upgrade the database to the newest schema (idempotent, safe from several processes at once)."""
        with self.write() as connection:
            upgrade_to_head(connection)
            revision = current_revision(connection)
        return revision or ""

    def revision(self) -> str | None:
        """The schema revision the database is at (None if never migrated)."""
        with self.reading() as connection:
            return current_revision(connection)


def locked(statement: Select[Any]) -> Select[Any]:
    """``statement`` holding the rows it reads until commit.

    SQLite renders no FOR UPDATE; ``BEGIN IMMEDIATE`` already holds the write lock there.
    """
    return statement.with_for_update()


def dialect_insert(dialect_name: str, table: Any) -> Any:
    """The dialect's own INSERT, for ON CONFLICT (same syntax on PostgreSQL and SQLite)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table)
