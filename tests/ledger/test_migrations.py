"""Migrations: from empty to head, idempotent, one head, schema == models, concurrent callers."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from chorusflow.ledger import Ledger
from chorusflow.ledger.migrate import alembic_config, head_revision
from chorusflow.ledger.migrations.versions.r0004_desk_indexes import INDEXES
from chorusflow.ledger.tables import VERSION_TABLE, metadata
from tests.ledger.workers import migrate_worker

TABLES = {
    "invoices",
    "submission_attempts",
    "status_history",
    "alerts_sent",
    "sync_watermarks",
    "processed_exports",
    "resolutions",
    "flux_deposits",
    "api_quota",
    "buyer_directory",
}


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [head_revision()]


def test_upgrade_from_empty_creates_every_table_and_is_idempotent(ledger_url: str) -> None:
    ledger = Ledger(ledger_url)
    try:
        assert ledger.revision() is None
        assert ledger.migrate() == head_revision()
        assert ledger.migrate() == head_revision()  # second call: nothing to do, no error
        assert ledger.revision() == head_revision()
    finally:
        ledger.dispose()
    engine = create_engine(ledger_url)
    try:
        names = set(inspect(engine).get_table_names())
        # Our own version table, so the ledger can live in Airflow's database without clashing.
        assert names == TABLES | {VERSION_TABLE}
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(ledger: Ledger) -> None:
    engine = create_engine(ledger.url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_two_processes_migrating_at_once_both_succeed(ledger_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(2)
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            futures = [pool.submit(migrate_worker, ledger_url, start) for _ in range(2)]
            revisions = [future.result(timeout=60) for future in futures]
    assert revisions == [head_revision(), head_revision()]


def test_the_desk_indexes_go_down_and_up_again(ledger: Ledger) -> None:
    engine = create_engine(ledger.url)

    def index_names() -> set[str]:
        inspector = inspect(engine)
        present = set(inspector.get_table_names()) & set(TABLES)  # later migrations' tables go down too
        return {index["name"] for table in present for index in inspector.get_indexes(table) if index["name"]}

    wanted = {name for name, _, _ in INDEXES}
    try:
        assert wanted <= index_names()
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0003_flux_deposits")
        assert not wanted & index_names()
        assert ledger.migrate() == head_revision() and wanted <= index_names()
    finally:
        engine.dispose()
