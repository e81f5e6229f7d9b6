"""Read-only queries of the invoice desk over the ledger, on SQLite and PostgreSQL alike.

Filtering, sorting and paging happen in the database (one page is read, never the whole ledger);
the CSV export streams the rows of the same filter. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Float, Select, cast, func, literal, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from chorusflow.alerts.events import invoice_clock
from chorusflow.alerts.settings import AlertSettings
from chorusflow.ledger import InvoiceDetail, InvoiceState, Ledger
from chorusflow.ledger.tables import alerts_sent, invoices
from chorusflow.platforms.interface import NextStep
from chorusflow.platforms.registry import status_vocabulary
from chorusflow.rules.profiles import load_profiles
from chorusflow.suppliers import compact_identifier, load_suppliers

SortKey = Literal[
    "number", "buyer", "amount", "state", "status", "status_at", "age", "due", "message", "issue_date"
]
SORT_KEYS: tuple[SortKey, ...] = (
    "number",
    "buyer",
    "amount",
    "state",
    "status",
    "status_at",
    "age",
    "due",
    "message",
    "issue_date",
)

#: The statuses invoices have on their platform.
STATUSES = status_vocabulary()
DEFAULT_PAGE_SIZE = 50
#: A buyer filter of this many digits or more is the start of a SIREN (9) or SIRET (14), not a name.
SIREN_DIGITS = 9
MAX_PAGE_SIZE = 500
#: Rows fetched at a time while the CSV streams (a server-side cursor on PostgreSQL).
STREAM_BATCH = 1000

_LIST_COLUMNS = (
    invoices.c.id,
    invoices.c.supplier_siret,
    invoices.c.invoice_number,
    invoices.c.buyer_siret,
    invoices.c.buyer_name,
    invoices.c.issue_date,
    invoices.c.invoice_type,
    invoices.c.findings,
    invoices.c.currency,
    invoices.c.total_ht,
    invoices.c.total_ttc,
    invoices.c.state,
    invoices.c.chorus_status,
    invoices.c.chorus_status_at,
    invoices.c.chorus_status_comment,
    invoices.c.last_error,
    invoices.c.submitted_at,
    invoices.c.updated_at,
)


class InvoiceFilter(BaseModel):
    """What the clerk asked for; every field optional (an empty filter lists every invoice)."""

    model_config = ConfigDict(frozen=True)

    number: str | None = None
    state: InvoiceState | None = None
    chorus_status: str | None = None
    buyer: str | None = None
    # A supplier's id or identifier, with several suppliers (docs/suppliers.md).
    supplier: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


#: Who wrote a comment the desk shows: the buyer, us (our answer to a suspension), or Chorus Pro.
CommentAuthor = Literal["buyer", "ours", "platform"]
#: Statuses the supplier sets with its own comment (completing a suspended invoice).
OUR_STATUSES: frozenset[str] = frozenset({"COMPLETEE"})
#: Statuses Chorus Pro itself sets while it routes the invoice.
PLATFORM_STATUSES: frozenset[str] = frozenset(
    {"DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION", "INTERPRETEE_OCR", "TECHNIQUE_INCONNU"}
)
#: History sources recorded by our own actions (docs/desk.md#comments).
OUR_SOURCES: frozenset[str] = frozenset({"resolution"})
PLATFORM_SOURCES: frozenset[str] = frozenset({"submission", "reconciliation"})


def comment_author(status: str | None, source: str = "sync") -> CommentAuthor:
    """Who wrote the comment of ``status`` learnt from ``source``."""
    if source in OUR_SOURCES or status in OUR_STATUSES:
        return "ours"
    if source in PLATFORM_SOURCES or status in PLATFORM_STATUSES:
        return "platform"
    return "buyer"


class Reason(BaseModel):
    """One validation finding that refused an invoice: its rule code and message."""

    code: str
    message: str


#: Ledger states in which the buyer still owes the payment (a due date means something).
PAYMENT_EXPECTED: frozenset[InvoiceState] = frozenset({InvoiceState.SUBMITTED, InvoiceState.BLOCKED})


def payment_expected(state: InvoiceState, chorus_status: str | None, invoice_type: str | None) -> bool:
    """Whether a payment is still expected: deposited, not paid, not refused for good, not a credit note."""
    if invoice_type == "AVOIR" or state not in PAYMENT_EXPECTED:
        return False
    return not (
        state is InvoiceState.BLOCKED and STATUSES.next_steps.get(chorus_status or "") is NextStep.NEW_INVOICE
    )


class InvoiceListRow(BaseModel):
    """One line of the invoice table."""

    id: int
    supplier_siret: str
    invoice_number: str
    buyer_siret: str | None
    buyer_name: str | None
    issue_date: date | None
    currency: str | None
    total_ht: Decimal | None
    total_ttc: Decimal | None
    state: InvoiceState
    chorus_status: str | None
    chorus_status_at: datetime | None
    age_days: int | None
    due_on: date | None
    message: str | None
    #: Who wrote ``message`` when it is a status comment (None for our errors).
    comment_author: CommentAuthor | None = None
    #: Why validation refused the invoice (its error findings).
    reasons: list[Reason] = Field(default_factory=list)


class InvoicePage(BaseModel):
    """One page of the filtered, sorted table and where it stands."""

    rows: list[InvoiceListRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one, even when empty)."""
        return max(1, -(-self.total // self.page_size))


class AlertSentRow(BaseModel):
    """One alert sent about an invoice: when, why, through which channels."""

    sent_at: datetime
    kind: str
    channels: list[str]


class DeskDetail(BaseModel):
    """An invoice as the desk shows it: the ledger's detail plus the alerts sent."""

    invoice: InvoiceDetail
    alerts: list[AlertSentRow]
    age_days: int | None
    due_on: date | None
    #: The payment period applied (days) and where it comes from (a ``desk.due_rule_*`` key).
    period_days: int | None = None
    period_rule: str | None = None
    period_restarted: bool = False


@dataclass(frozen=True)
class Clock:
    """Now, and the settings that turn dates into ages and deadlines (one per request)."""

    now: datetime
    alert_settings: AlertSettings

    @property
    def zone(self) -> ZoneInfo:
        """The time zone people read dates in (``CHORUSFLOW_TIMEZONE``)."""
        return ZoneInfo(self.alert_settings.timezone)


def _amount(dialect: str) -> ColumnElement[Any]:
    # SQLite keeps amounts as text (exact); compare and sort them as numbers there.
    return cast(invoices.c.total_ttc, Float) if dialect == "sqlite" else invoices.c.total_ttc


def _bound_amount(dialect: str, value: Decimal) -> Any:
    return literal(float(value), Float) if dialect == "sqlite" else value


def _message() -> ColumnElement[Any]:
    return func.coalesce(invoices.c.last_error, invoices.c.chorus_status_comment)


def _sort_expression(key: SortKey, dialect: str) -> ColumnElement[Any]:
    expressions: dict[str, ColumnElement[Any]] = {
        "number": invoices.c.invoice_number,
        "buyer": invoices.c.buyer_name,
        "amount": _amount(dialect),
        "state": invoices.c.state,
        "status": invoices.c.chorus_status,
        "status_at": invoices.c.chorus_status_at,
        "age": invoices.c.chorus_status_at,  # older status = greater age: direction flipped below
        "due": invoices.c.submitted_at,  # the deadline runs from the deposit
        "message": _message(),
        "issue_date": invoices.c.issue_date,
    }
    return expressions[key]


def supplier_key(value: str) -> str:
    """The ledger key of the supplier a clerk names: by id or identifier; else the value, compacted."""
    found = load_suppliers().find(value)
    return found.key if found is not None else compact_identifier(value)


def _starts_with_digits(column: ColumnElement[Any], prefix: str) -> list[ColumnElement[bool]]:
    """``column`` starts with the digits ``prefix``, as a range (``LIKE 'x%'`` skips the index on
    PostgreSQL outside the C collation): from the prefix to the next one (``2009`` -> ``201``)."""
    conditions = [column >= prefix]
    stem = prefix.rstrip("9")
    if stem:
        conditions.append(column < stem[:-1] + str(int(stem[-1]) + 1))
    return conditions


def filtered(statement: Select[Any], filters: InvoiceFilter, dialect: str) -> Select[Any]:
    """``statement`` restricted to the invoices ``filters`` selects."""
    if filters.number:
        statement = statement.where(invoices.c.invoice_number.icontains(filters.number, autoescape=True))
    if filters.state is not None:
        statement = statement.where(invoices.c.state == filters.state.value)
    if filters.chorus_status:
        statement = statement.where(invoices.c.chorus_status == filters.chorus_status)
    if filters.buyer:
        digits = filters.buyer.replace(" ", "")
        if len(digits) >= SIREN_DIGITS and digits.isdigit():
            # The start of a SIREN or SIRET: a range the buyer_siret index answers on both databases.
            statement = statement.where(*_starts_with_digits(invoices.c.buyer_siret, digits))
        else:
            statement = statement.where(
                invoices.c.buyer_name.icontains(filters.buyer, autoescape=True)
                | invoices.c.buyer_siret.startswith(digits, autoescape=True)
            )
    if filters.supplier:
        statement = statement.where(invoices.c.supplier_siret == supplier_key(filters.supplier))
    if filters.period_from is not None:
        statement = statement.where(invoices.c.issue_date >= filters.period_from)
    if filters.period_to is not None:
        statement = statement.where(invoices.c.issue_date <= filters.period_to)
    if filters.amount_min is not None:
        statement = statement.where(_amount(dialect) >= _bound_amount(dialect, filters.amount_min))
    if filters.amount_max is not None:
        statement = statement.where(_amount(dialect) <= _bound_amount(dialect, filters.amount_max))
    return statement


def _ordered(statement: Select[Any], sort: SortKey, descending: bool, dialect: str) -> Select[Any]:
    expression = _sort_expression(sort, dialect)
    backwards = descending != (sort == "age")
    ordered = expression.desc() if backwards else expression.asc()
    # Empty cells last whatever the direction, the same on both databases; the id keeps pages stable.
    return statement.order_by(ordered.nulls_last(), invoices.c.id.desc() if backwards else invoices.c.id)


def _list_row(mapping: Any, clock: Clock, histories: dict[int, list[tuple[str, datetime]]]) -> InvoiceListRow:
    status_at = mapping["chorus_status_at"]
    since = status_at or mapping["updated_at"]
    history = histories.get(mapping["id"], [])
    state = InvoiceState(mapping["state"])
    expected = payment_expected(state, mapping["chorus_status"], mapping["invoice_type"])
    comment = mapping["chorus_status_comment"]
    reasons = validation_reasons(mapping["findings"]) if state is InvoiceState.INVALID else []
    return InvoiceListRow(
        id=mapping["id"],
        supplier_siret=mapping["supplier_siret"],
        invoice_number=mapping["invoice_number"],
        buyer_siret=mapping["buyer_siret"],
        buyer_name=mapping["buyer_name"],
        issue_date=mapping["issue_date"],
        currency=mapping["currency"],
        total_ht=mapping["total_ht"],
        total_ttc=mapping["total_ttc"],
        state=state,
        chorus_status=mapping["chorus_status"],
        chorus_status_at=status_at,
        age_days=age_in_days(since, clock.now),
        due_on=due_date(mapping["submitted_at"], mapping["buyer_siret"], history, clock)
        if expected
        else None,
        message=mapping["last_error"] or comment,
        comment_author=None
        if mapping["last_error"] or not comment
        else comment_author(mapping["chorus_status"]),
        reasons=reasons,
    )


def validation_reasons(findings: Any) -> list[Reason]:
    """The error findings of a refused invoice, as rule code and message."""
    return [
        Reason(code=str(item.get("code") or ""), message=str(item.get("message") or ""))
        for item in findings or []
        if isinstance(item, dict) and item.get("severity", "error") == "error"
    ]


def age_in_days(since: datetime | None, now: datetime) -> int | None:
    """Whole days from ``since`` to ``now`` (None when there is no date)."""
    return None if since is None else max(0, (now - since).days)


def due_date(
    submitted_at: datetime | None,
    buyer_siret: str | None,
    history: list[tuple[str, datetime]],
    clock: Clock,
) -> date | None:
    """The legal payment deadline as the alerts count it; None before the deposit or while suspended."""
    payment = invoice_clock(submitted_at, buyer_siret, history, clock.alert_settings)
    return None if payment is None else payment.due_on


def _searches_inside_text(filters: InvoiceFilter) -> bool:
    """Whether the filter looks for text inside numbers or names (``%…%``), which no index answers."""
    buyer = (filters.buyer or "").replace(" ", "")
    by_name = bool(buyer) and not (len(buyer) >= SIREN_DIGITS and buyer.isdigit())
    return bool(filters.number) or by_name


def list_invoices(
    ledger: Ledger,
    filters: InvoiceFilter,
    clock: Clock,
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    sort: SortKey = "number",
    descending: bool = False,
) -> InvoicePage:
    """One page of the invoices ``filters`` selects, sorted on ``sort``; the total counts every page."""
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    page = max(1, page)
    dialect = ledger.dialect_name
    columns: list[Any] = list(_LIST_COLUMNS)
    searching = _searches_inside_text(filters)
    if searching:
        # A search inside names or numbers reads the whole table anyway: count in the same pass.
        columns.append(func.count().over().label("matching"))
    rows_statement = _ordered(filtered(select(*columns), filters, dialect), sort, descending, dialect)
    count_statement = filtered(select(func.count()).select_from(invoices), filters, dialect)
    with ledger.reading() as connection:
        # Written into the SQL, not bound: SQLite's planner only weighs a LIMIT it can read, and would
        # otherwise walk a sort index over the whole table for a selective filter (docs/desk.md#speed).
        window = rows_statement.limit(literal_column(str(int(page_size)))).offset(
            literal_column(str(int((page - 1) * page_size)))
        )
        found = connection.execute(window).all()
        if searching and found:
            total = int(found[0].matching)
        else:
            total = int(connection.execute(count_statement).scalar_one())
    histories = ledger.suspension_histories(invoice_ids=[row.id for row in found])
    rows = [_list_row(row._mapping, clock, histories) for row in found]
    return InvoicePage(rows=rows, total=total, page=page, page_size=page_size)


def iter_invoices(
    ledger: Ledger,
    filters: InvoiceFilter,
    clock: Clock,
    *,
    sort: SortKey = "number",
    descending: bool = False,
) -> Iterator[InvoiceListRow]:
    """Every invoice ``filters`` selects, sorted, read :data:`STREAM_BATCH` rows at a time."""
    dialect = ledger.dialect_name
    statement = _ordered(filtered(select(*_LIST_COLUMNS), filters, dialect), sort, descending, dialect)
    # Every suspended invoice's history at once: a few rows, and no second query while streaming.
    histories = ledger.suspension_histories()
    with ledger.reading() as connection:
        result = connection.execution_options(yield_per=STREAM_BATCH).execute(statement)
        for row in result:
            yield _list_row(row._mapping, clock, histories)


def invoice_detail(ledger: Ledger, invoice_id: int, clock: Clock) -> DeskDetail | None:
    """One invoice with its findings, attempts, status history and the alerts sent; None if unknown."""
    detail = ledger.get_invoice_by_id(invoice_id)
    if detail is None:
        return None
    # The dispatcher records one row per event (its key has no '#'), plus bookkeeping rows per channel.
    statement = (
        select(alerts_sent.c.sent_at, alerts_sent.c.kind, alerts_sent.c.channels)
        .where(alerts_sent.c.invoice_id == invoice_id, alerts_sent.c.event_key.not_like("%#%"))
        .order_by(alerts_sent.c.sent_at, alerts_sent.c.id)
    )
    with ledger.reading() as connection:
        alerts = [
            AlertSentRow(
                sent_at=row.sent_at,
                kind=row.kind,
                channels=[name for name in row.channels.split(",") if name],
            )
            for row in connection.execute(statement)
        ]
    since = detail.chorus_status_at or detail.updated_at
    expected = payment_expected(InvoiceState(detail.state), detail.chorus_status, detail.invoice_type)
    payment = (
        invoice_clock(
            detail.submitted_at,
            detail.buyer_siret,
            [(entry.status, entry.changed_at) for entry in detail.history],
            clock.alert_settings,
        )
        if expected
        else None
    )
    return DeskDetail(
        invoice=detail,
        alerts=alerts,
        age_days=age_in_days(since, clock.now),
        due_on=None if payment is None else payment.due_on,
        period_days=None if payment is None else payment.period_days,
        period_rule=None if payment is None else period_rule(detail.buyer_siret, clock.alert_settings),
        period_restarted=payment is not None and payment.resumed_on is not None,
    )


def period_rule(buyer_siret: str | None, settings: AlertSettings) -> str:
    """Where a buyer's payment period comes from: its profile's days or category, the directory's
    category (its legal form), or the default."""
    profile = load_profiles().get(buyer_siret or "")
    if profile is not None and profile.payment_days is not None:
        return "profile"
    if profile is not None and profile.category is not None:
        return f"category_{profile.category.value}"
    category = settings.directory_categories.get(buyer_siret or "")
    if category is not None:
        return f"directory_{category.value}"
    return "default"


def find_invoice_id(ledger: Ledger, invoice_number: str) -> int | None:
    """The ledger id of the invoice with exactly this number (the first one if suppliers share it)."""
    statement = (
        select(invoices.c.id).where(invoices.c.invoice_number == invoice_number).order_by(invoices.c.id)
    )
    with ledger.reading() as connection:
        found = connection.execute(statement.limit(1)).scalar_one_or_none()
    return None if found is None else int(found)
