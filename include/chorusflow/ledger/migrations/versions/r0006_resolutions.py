"""Decisions taken about blocked invoices (complete, recycle, acknowledge a rejection, review).

Revision ID: 0006_resolutions
Revises: 0005_api_quota
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_resolutions"
down_revision = "0005_api_quota"
branch_labels = None
depends_on = None

# Frozen copies of the column types as they are at this revision (models.py may evolve).
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``resolutions``."""
    op.create_table(
        "resolutions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("decision", DOCUMENT, nullable=False),
        sa.Column("sent", DOCUMENT),
        sa.Column("answer", DOCUMENT),
        sa.Column("rule_code", sa.String(64)),
        sa.Column("error_message", sa.String(500)),
        sa.Column("replacement_number", sa.String(255)),
        sa.Column("claimed_by", sa.String(512)),
        sa.Column("claim_expires_at", TIMESTAMP),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name="fk_resolutions_invoice_id_invoices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_resolutions"),
        sa.UniqueConstraint(
            "invoice_id", "event_key", "action", name="uq_resolutions_invoice_id_event_key_action"
        ),
    )
    op.create_index("ix_resolutions_invoice_id", "resolutions", ["invoice_id"])
    op.create_index("ix_resolutions_replacement", "resolutions", ["replacement_number"])


def downgrade() -> None:
    """Drop ``resolutions``."""
    op.drop_index("ix_resolutions_replacement", table_name="resolutions")
    op.drop_index("ix_resolutions_invoice_id", table_name="resolutions")
    op.drop_table("resolutions")
