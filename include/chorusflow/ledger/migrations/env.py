"""Alembic environment of the ledger: always run from :func:`chorusflow.ledger.migrate.upgrade_to_head`.

The connection (already inside a transaction) comes from ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from chorusflow.ledger.tables import VERSION_TABLE, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run ledger migrations with `chorusflow ledger migrate` (Ledger.migrate())")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
