"""Initial ledger: invoices, attempts, status history, alerts, watermarks, processed exports.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types as they were at this revision (models.py may evolve).
MONEY = sa.Numeric(19, 2).with_variant(sa.String(32), "sqlite")
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every ledger table."""
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("supplier_siret", sa.String(32), nullable=False),
        sa.Column("invoice_number", sa.String(255), nullable=False),
        sa.Column("buyer_siret", sa.String(64)),
        sa.Column("buyer_name", sa.Text()),
        sa.Column("invoice_type", sa.String(64)),
        sa.Column("issue_date", sa.Date()),
        sa.Column("currency", sa.String(16)),
        sa.Column("total_ht", MONEY),
        sa.Column("total_vat", MONEY),
        sa.Column("total_ttc", MONEY),
        sa.Column("normalized", DOCUMENT),
        sa.Column("findings", DOCUMENT, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("chorus_status", sa.String(64)),
        sa.Column("chorus_status_at", TIMESTAMP),
        sa.Column("chorus_status_comment", sa.Text()),
        sa.Column("identifiant_facture_cpp", sa.BigInteger()),
        sa.Column("numero_flux_depot", sa.String(64)),
        sa.Column("source_export", sa.String(255)),
        sa.Column("claimed_by", sa.String(512)),
        sa.Column("claim_expires_at", TIMESTAMP),
        sa.Column("last_error", sa.String(500)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("submitted_at", TIMESTAMP),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.UniqueConstraint(
            "supplier_siret", "invoice_number", name="uq_invoices_supplier_siret_invoice_number"
        ),
        sa.UniqueConstraint(
            "supplier_siret",
            "identifiant_facture_cpp",
            name="uq_invoices_supplier_siret_identifiant_facture_cpp",
        ),
    )
    op.create_index("ix_invoices_state", "invoices", ["supplier_siret", "state"])
    op.create_table(
        "submission_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("error_class", sa.String(128)),
        sa.Column("error_message", sa.String(500)),
        sa.Column("dag_id", sa.String(250)),
        sa.Column("run_id", sa.String(250)),
        sa.Column("task_id", sa.String(250)),
        sa.Column("map_index", sa.Integer()),
        sa.Column("try_number", sa.Integer()),
        sa.Column("hostname", sa.String(255)),
        sa.Column("pid", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name="fk_submission_attempts_invoice_id_invoices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submission_attempts"),
    )
    op.create_index("ix_submission_attempts_invoice_id", "submission_attempts", ["invoice_id"])
    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_status_history_invoice_id_invoices", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
        sa.UniqueConstraint(
            "invoice_id", "status", "changed_at", name="uq_status_history_invoice_id_status_changed_at"
        ),
    )
    op.create_table(
        "alerts_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_key", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.Integer()),
        sa.Column("channels", sa.String(255), nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=False),
        sa.Column("payload", DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name="fk_alerts_sent_invoice_id_invoices", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_sent"),
        sa.UniqueConstraint("event_key", name="uq_alerts_sent_event_key"),
    )
    op.create_table(
        "sync_watermarks",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("value", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sync_watermarks"),
    )
    op.create_table(
        "processed_exports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(512), nullable=False),
        sa.Column("archived_to", sa.String(1024)),
        sa.Column("run_id", sa.String(250)),
        sa.Column("processed_at", TIMESTAMP, nullable=False),
        sa.Column("counts", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processed_exports"),
        sa.UniqueConstraint("content_sha256", name="uq_processed_exports_content_sha256"),
    )


def downgrade() -> None:
    """Drop every ledger table."""
    for table in (
        "processed_exports",
        "sync_watermarks",
        "alerts_sent",
        "status_history",
        "submission_attempts",
    ):
        op.drop_table(table)
    op.drop_index("ix_invoices_state", table_name="invoices")
    op.drop_table("invoices")
