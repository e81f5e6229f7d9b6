"""Tables of the ledger (SQLAlchemy Core). The Alembic migrations create exactly these.

Timestamps are stored in UTC and always read back timezone-aware; money is exact (``Decimal``) on
both SQLite (stored as text) and PostgreSQL (``NUMERIC(19, 2)``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Alembic's bookkeeping table; not ``alembic_version`` so the ledger can share Airflow's database.
VERSION_TABLE = "chorusflow_ledger_version"

MAX_ERROR_LENGTH = 500


class UtcDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and returned timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; convert aware ones to UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the ledger only stores timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the value as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """An exact amount with two decimals: ``NUMERIC(19, 2)``; text on SQLite, which has no decimal."""

    impl = Numeric(19, 2, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Use text on SQLite so no amount goes through a float."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(19, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """Quantize to cents; text on SQLite."""
        if value is None:
            return None
        amount = Decimal(value).quantize(Decimal("0.01"))
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return a ``Decimal`` with two decimals."""
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


JsonDocument = JSON().with_variant(JSONB(), "postgresql")

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("supplier_siret", String(32), nullable=False),
    Column("invoice_number", String(255), nullable=False),
    Column("buyer_siret", String(64)),
    Column("buyer_name", Text),
    Column("invoice_type", String(64)),
    Column("issue_date", Date),
    Column("currency", String(16)),
    Column("total_ht", Money),
    Column("total_vat", Money),
    Column("total_ttc", Money),
    Column("normalized", JsonDocument),
    Column("findings", JsonDocument, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("chorus_status", String(64)),
    Column("chorus_status_at", UtcDateTime),
    Column("chorus_status_comment", Text),
    Column("identifiant_facture_cpp", BigInteger),
    Column("numero_flux_depot", String(64)),
    # The number Chorus Pro shows: ours in DEPOT_PDF_API, one it issued itself in SAISIE_API.
    Column("chorus_invoice_number", String(64)),
    Column("deposit_channel", String(16)),
    Column("source_export", String(255)),
    Column("claimed_by", String(512)),
    Column("claim_expires_at", UtcDateTime),
    Column("last_error", String(MAX_ERROR_LENGTH)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    UniqueConstraint("supplier_siret", "invoice_number"),
    # NULLs are distinct on both databases, so this only binds invoices that have an id.
    UniqueConstraint("supplier_siret", "identifiant_facture_cpp"),
    Index("ix_invoices_state", "supplier_siret", "state"),
    Index("ix_invoices_flux", "numero_flux_depot"),
    # The invoice desk's filters and sorts (migration r0004, docs/desk.md#speed).
    Index("ix_invoices_state_status_at", "state", "chorus_status_at"),
    Index("ix_invoices_chorus_status", "chorus_status", "chorus_status_at"),
    Index("ix_invoices_status_at", "chorus_status_at"),
    Index("ix_invoices_number", "invoice_number"),
    Index("ix_invoices_buyer_name", "buyer_name"),
    Index("ix_invoices_buyer_siret", "buyer_siret"),
    Index("ix_invoices_issue_date", "issue_date"),
    Index("ix_invoices_submitted_at", "submitted_at"),
)

#: One row per ``deposer/flux`` call, followed with ``consulterCRDetaille`` until it is closed.
flux_deposits = Table(
    "flux_deposits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("supplier_siret", String(32), nullable=False),
    Column("numero_flux_depot", String(64), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("syntaxe_flux", String(64), nullable=False),
    Column("invoice_count", Integer, nullable=False),
    Column("state", String(64)),  # etatCourantDepotFlux as Chorus Pro wrote it (None: not polled yet)
    Column("state_at", UtcDateTime),
    Column("errors", JsonDocument),  # the report's listeErreurDP and listeErreurTechnique
    Column("deposited_at", UtcDateTime, nullable=False),
    Column("polls", Integer, nullable=False),
    Column("last_polled_at", UtcDateTime),
    Column("next_poll_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    UniqueConstraint("supplier_siret", "numero_flux_depot"),
    Index("ix_flux_deposits_open", "supplier_siret", "closed_at", "next_poll_at"),
)

submission_attempts = Table(
    "submission_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("outcome", String(32), nullable=False),
    Column("error_class", String(128)),
    Column("error_message", String(MAX_ERROR_LENGTH)),
    Column("dag_id", String(250)),
    Column("run_id", String(250)),
    Column("task_id", String(250)),
    Column("map_index", Integer),
    Column("try_number", Integer),
    Column("hostname", String(255)),
    Column("pid", Integer),
)

status_history = Table(
    "status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(64), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("comment", Text),
    Column("source", String(32), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("invoice_id", "status", "changed_at"),
    # The payment clock reads the history of suspended invoices only.
    Index("ix_status_history_status", "status", "invoice_id"),
)

alerts_sent = Table(
    "alerts_sent",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_key", String(512), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="SET NULL")),
    Column("channels", String(255), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("payload", JsonDocument, nullable=False),
    # An invoice's alerts (its desk page) and the latest alert of a kind (the password warning).
    Index("ix_alerts_sent_invoice", "invoice_id"),
    Index("ix_alerts_sent_kind", "kind", "sent_at"),
)

sync_watermarks = Table(
    "sync_watermarks",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

processed_exports = Table(
    "processed_exports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("content_sha256", String(64), nullable=False, unique=True),
    Column("original_name", String(512), nullable=False),
    Column("archived_to", String(1024)),
    Column("run_id", String(250)),
    Column("processed_at", UtcDateTime, nullable=False),
    Column("counts", JsonDocument, nullable=False),
)

#: One row per decision a person took about a blocked invoice (or one awaiting review): who, when,
#: what was sent to Chorus Pro and what it answered. ``(invoice_id, event_key, action)`` is the
#: idempotency key: the same answer to the same blocking event is applied once.
resolutions = Table(
    "resolutions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("event_key", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("decided_by", String(255), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("source", String(32), nullable=False),
    Column("decision", JsonDocument, nullable=False),
    Column("sent", JsonDocument),
    Column("answer", JsonDocument),
    Column("rule_code", String(64)),
    Column("error_message", String(MAX_ERROR_LENGTH)),
    # The corrected invoice or credit note that replaces a rejected one (issued under a new number).
    Column("replacement_number", String(255)),
    Column("claimed_by", String(512)),
    Column("claim_expires_at", UtcDateTime),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    UniqueConstraint("invoice_id", "event_key", "action"),
    Index("ix_resolutions_replacement", "replacement_number"),
)

# One row per PISTE application (client id): the next free request slot and the end of any hold
# (HTTP 429 ``Retry-After``), both in seconds since the epoch on the database's clock, so workers
# whose clocks differ still share one schedule (chorusflow.ledger.quota).
api_quota = Table(
    "api_quota",
    metadata,
    Column("quota_key", String(200), primary_key=True),
    Column("next_slot", Float(precision=53), nullable=False),
    Column("hold_until", Float(precision=53), nullable=False),
)

# What Chorus Pro's directory says of a buyer that its payment period depends on: INSEE's legal
# form (chorusflow.ledger.buyers, chorusflow.rules.categories).
buyer_directory = Table(
    "buyer_directory",
    metadata,
    Column("buyer_siret", String(64), primary_key=True),
    Column("legal_form", String(16), nullable=False),
    Column("checked_at", UtcDateTime, nullable=False),
)
