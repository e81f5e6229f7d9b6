"""What Chorus Pro's directory says of each buyer: its INSEE legal form, for its payment period.

Written when validation reads a buyer in the directory; read by the payment clock (the desk, the
overdue alerts and the digest) for buyers whose profile gives no category (chorusflow.ledger.buyers).

Revision ID: 0007_buyer_directory
Revises: 0006_resolutions
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_buyer_directory"
down_revision = "0006_resolutions"
branch_labels = None
depends_on = None

# A frozen copy of the column type as it is at this revision (models.py may evolve).
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``buyer_directory``."""
    op.create_table(
        "buyer_directory",
        sa.Column("buyer_siret", sa.String(64), nullable=False),
        sa.Column("legal_form", sa.String(16), nullable=False),
        sa.Column("checked_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("buyer_siret", name="pk_buyer_directory"),
    )


def downgrade() -> None:
    """Drop ``buyer_directory``."""
    op.drop_table("buyer_directory")
