"""Deposit channel and Chorus Pro's own invoice number.

In ``SAISIE_API`` mode Chorus Pro issues the invoice under a number of its own, so the ledger keeps
both numbers, and which channel deposited the invoice (it decides how an unknown outcome is
reconciled).

Revision ID: 0002_deposit_channel
Revises: 0001_initial
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_deposit_channel"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``chorus_invoice_number`` and ``deposit_channel`` to ``invoices``."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("chorus_invoice_number", sa.String(64)))
        batch.add_column(sa.Column("deposit_channel", sa.String(16)))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("deposit_channel")
        batch.drop_column("chorus_invoice_number")
