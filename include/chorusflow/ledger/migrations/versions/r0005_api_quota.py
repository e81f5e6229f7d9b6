"""The shared API quota: one row per PISTE application (client id).

Every worker of a deployment, on any host, reserves its request slots in this row, so one PISTE
quota is paced once for the whole deployment (chorusflow.ledger.quota).

Revision ID: 0005_api_quota
Revises: 0004_desk_indexes
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_api_quota"
down_revision = "0004_desk_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``api_quota``."""
    op.create_table(
        "api_quota",
        sa.Column("quota_key", sa.String(200), nullable=False),
        sa.Column("next_slot", sa.Float(precision=53), nullable=False),
        sa.Column("hold_until", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("quota_key", name="pk_api_quota"),
    )


def downgrade() -> None:
    """Drop ``api_quota``."""
    op.drop_table("api_quota")
