"""Factur-X flux deposits, followed until Chorus Pro integrates or refuses them.

One row per ``deposer/flux`` call: its number, file, the platform's current state
(``etatCourantDepotFlux``, kept raw), when it is polled next (backoff) and when it was closed.
The invoices of a flux carry its number in ``invoices.numero_flux_depot`` (state ``in_flux`` until
integrated), indexed here so that a flux's invoices are found without a scan.

Revision ID: 0003_flux_deposits
Revises: 0002_deposit_channel
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_flux_deposits"
down_revision = "0002_deposit_channel"
branch_labels = None
depends_on = None

# Frozen copies of the column types as they were at this revision (models.py may evolve).
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``flux_deposits`` and index ``invoices.numero_flux_depot``."""
    op.create_table(
        "flux_deposits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("supplier_siret", sa.String(32), nullable=False),
        sa.Column("numero_flux_depot", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("syntaxe_flux", sa.String(64), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(64)),
        sa.Column("state_at", TIMESTAMP),
        sa.Column("errors", DOCUMENT),
        sa.Column("deposited_at", TIMESTAMP, nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", TIMESTAMP),
        sa.Column("next_poll_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name="pk_flux_deposits"),
        sa.UniqueConstraint(
            "supplier_siret",
            "numero_flux_depot",
            name="uq_flux_deposits_supplier_siret_numero_flux_depot",
        ),
    )
    op.create_index("ix_flux_deposits_open", "flux_deposits", ["supplier_siret", "closed_at", "next_poll_at"])
    op.create_index("ix_invoices_flux", "invoices", ["numero_flux_depot"])


def downgrade() -> None:
    """Drop the index and the table."""
    op.drop_index("ix_invoices_flux", table_name="invoices")
    op.drop_index("ix_flux_deposits_open", table_name="flux_deposits")
    op.drop_table("flux_deposits")
