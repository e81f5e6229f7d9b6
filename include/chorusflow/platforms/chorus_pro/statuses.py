"""Chorus Pro status classes and the status sync (no Airflow).

Each of the 56 Chorus Pro statuses (docs/sources.md#invoice-statuses) sorts into one :class:`StatusClass`;
anything else is ``unknown`` (logged, counted, the invoice keeps being followed). The sync finds
changes with one paginated ``rechercher/fournisseur`` pass over the status-change period since the
last watermark, not one call per invoice, and fetches ``consulter/historique`` only for invoices
that became blocked (for the buyer's comment). ``docs/status-sync.md`` explains every choice.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chorusflow.ledger import InvoiceRow, InvoiceState, Ledger, utc_now
from chorusflow.messages import Language, text
from chorusflow.platforms.chorus_pro import (
    ChorusProClient,
    ChorusProError,
)
from chorusflow.platforms.chorus_pro.models import (
    InvoiceHistory,
    SortColumn,
    SortDirection,
    SupplierInvoicePage,
    SupplierInvoiceRow,
    SupplierInvoiceSearch,
)
from chorusflow.platforms.interface import NextStep, StatusClass

log = logging.getLogger(__name__)

WATERMARK_NAME = "status_sync"
DEFAULT_OVERLAP = timedelta(minutes=5)
DEFAULT_PAGE_SIZE = 100
DEFAULT_PAGE_RETRIES = 2
#: Chorus Pro returns at most this many results per search by default (``nbResultatsMaximum``).
SEARCH_RESULT_CAP = 200
#: Periods are not split below this: the precision Chorus Pro applies to
#: ``periodeDateHeureEtatCourantDu/Au`` is not documented, and a flux integrates all its invoices
#: at one moment, so no finer time split could be trusted to stay under the cap.
MIN_SPLIT_PERIOD = timedelta(minutes=1)
#: At most this many invoices are looked up one by one after a one-minute period hit the cap.
DEFAULT_LOOKUP_LIMIT = 500
FIRST_RUN_LOOKBACK = timedelta(days=365)

#: The rows a run has handled: Chorus Pro id -> (status, status time).
Seen = dict[int, tuple[str | None, datetime | None]]


_IN_PROGRESS = (
    "BROUILLON A_VALIDER_1 VALIDEE_1 ABSENCE_VALIDATION_1_HORS_DELAI A_VALIDER_2 VALIDEE_2 "
    "ABSENCE_VALIDATION_2_HORS_DELAI ERREUR_COTRAITANT_SUR_VALIDEUR DEPOSEE EN_COURS_ACHEMINEMENT "
    "MISE_A_DISPOSITION MANDATEE COMPTABILISEE MISE_A_DISPOSITION_COMPTABLE ASSOCIEE "
    "EN_COURS_TRAITEMENT_PIVOT_S A_VALIDER_MOE INTERPRETEE_OCR COMPLETEE ERREUR_MOE_SUR_MOA "
    "ERREUR_DESTINATAIRE_PD ERREUR_DESTINATAIRE_EA SERVICE_FAIT A_ASSOCIER_MOE ERREUR_DE_MOE "
    "MISE_A_DISPOSITION_MOE PRISE_EN_COMPTE_MOE A_ASSOCIER_MOA ERREUR_DE_MOA TRANSMISE_MOA "
    "PRISE_EN_COMPTE_DESTINATAIRE MISE_A_DISPOSITION_MOA PRISE_EN_COMPTE_MOA TECHNIQUE_INCONNU"
).split()

#: Blocked statuses and what to do about each (docs/sources.md#invoice-statuses, "supplier action").
NEXT_STEPS: dict[str, NextStep] = {
    "SUSPENDUE": NextStep.COMPLETE,
    "A_COMPLETER": NextStep.COMPLETE,
    "A_RECYCLER": NextStep.RECYCLE,
    "EN_ATTENTE_RECYCLAGE_FOURNISSEUR": NextStep.RECYCLE,
    "REJETEE": NextStep.NEW_INVOICE,
    "REFUSEE_1": NextStep.NEW_INVOICE,
    "REFUSEE_2": NextStep.NEW_INVOICE,
    "REFUSEE_MOE": NextStep.NEW_INVOICE,
    "REFUSEE_MOA": NextStep.NEW_INVOICE,
    "REFUSEE_FOURNISSEUR": NextStep.NEW_INVOICE,
    "NON_CONFORME": NextStep.NEW_INVOICE,
    "ERREUR_FOURNISSEUR_SUR_VALIDEUR": NextStep.FIX_VALIDATOR,
    "ERREUR_FOURNISSEUR_SUR_MOE": NextStep.ACT_IN_PORTAL,
    "ERREUR_FOURNISSEUR_SUR_MOA": NextStep.ACT_IN_PORTAL,
    "ERREUR_MOE_SUR_FOURNISSEUR": NextStep.ACT_IN_PORTAL,
    "ERREUR_MOA_SUR_FOURNISSEUR": NextStep.ACT_IN_PORTAL,
    "A_ASSOCIER_FOURNISSEUR": NextStep.ACT_IN_PORTAL,
}

#: The single mapping of the 56 Chorus Pro statuses to a class.
STATUS_CLASSES: dict[str, StatusClass] = {
    **{status: StatusClass.IN_PROGRESS for status in _IN_PROGRESS},
    **{status: StatusClass.BLOCKED for status in NEXT_STEPS},
    "MISE_EN_PAIEMENT": StatusClass.PAID,
    "ABANDONNEE": StatusClass.CLOSED,
    "SUPPRIMEE": StatusClass.CLOSED,
    "REMPLACEE_PAR_A22": StatusClass.CLOSED,
    "DUPLIQUE_APRES_REFUS": StatusClass.CLOSED,
}

#: Blocked statuses after which the invoice never moves again: a new invoice is needed.
FINAL_BLOCKED: frozenset[str] = frozenset({"REJETEE"})

#: For a buyer that never reports MISE_EN_PAIEMENT: the last stages it does report count as paid.
PAID_WHEN_PAYMENT_NOT_REPORTED: frozenset[str] = frozenset(
    {"MANDATEE", "MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE"}
)

#: Local ledger state for each class (unknown keeps the current state).
LEDGER_STATES: dict[StatusClass, InvoiceState] = {
    StatusClass.IN_PROGRESS: InvoiceState.SUBMITTED,
    StatusClass.BLOCKED: InvoiceState.BLOCKED,
    StatusClass.PAID: InvoiceState.PAID,
    StatusClass.CLOSED: InvoiceState.CLOSED,
}


def classify(status: str | None, *, payment_not_reported: bool = False) -> StatusClass:
    """The class of a Chorus Pro status; ``payment_not_reported`` is the buyer's structure flag."""
    if status is None:
        return StatusClass.UNKNOWN
    if payment_not_reported and status in PAID_WHEN_PAYMENT_NOT_REPORTED:
        return StatusClass.PAID
    return STATUS_CLASSES.get(status, StatusClass.UNKNOWN)


def next_step(status: str | None) -> NextStep | None:
    """What to do about a blocked status (``None`` when nothing is expected from the supplier)."""
    return NEXT_STEPS.get(status or "")


def is_final(status: str | None, *, payment_not_reported: bool = False) -> bool:
    """True when the invoice will not change any more, so it stops being followed."""
    if status in FINAL_BLOCKED:
        return True
    return classify(status, payment_not_reported=payment_not_reported) in (
        StatusClass.PAID,
        StatusClass.CLOSED,
    )


def ledger_state_for(status_class: StatusClass, current: InvoiceState) -> InvoiceState:
    """The ledger state an invoice takes for a status of this class (unknown keeps ``current``)."""
    return LEDGER_STATES.get(status_class, current)


@dataclass(frozen=True)
class ChorusProStatuses:
    """Chorus Pro's statuses as the platform interface names them (:class:`StatusVocabulary`)."""

    classes: Mapping[str, StatusClass] = field(default_factory=lambda: STATUS_CLASSES)
    next_steps: Mapping[str, NextStep] = field(default_factory=lambda: NEXT_STEPS)

    def classify(self, status: str | None, *, payment_not_reported: bool = False) -> StatusClass:
        """The class of a Chorus Pro status (see :func:`classify`)."""
        return classify(status, payment_not_reported=payment_not_reported)

    def next_step(self, status: str | None) -> NextStep | None:
        """What to do about a blocked status (see :func:`next_step`)."""
        return next_step(status)


VOCABULARY = ChorusProStatuses()


# -- the sync --------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    """What one sync did: counts, failures, API calls and whether the watermark moved."""

    period_from: datetime
    period_to: datetime
    tracked: int = 0
    pages_read: int = 0
    pages_failed: list[int] = field(default_factory=list)
    periods_split: int = 0
    periods_reversed: int = 0  # one-minute periods at the cap, read by invoice number both ways
    periods_capped: int = 0  # ... of which still more than both ways show: unseen invoices looked up
    lookups: int = 0  # followed invoices looked up one by one because of a capped period
    unchecked: int = 0  # followed invoices that may have changed but could not be looked up
    rows_seen: int = 0
    rows_malformed: int = 0
    rows_untracked: int = 0
    rows_unchanged: int = 0
    statuses_recorded: int = 0
    unknown_statuses: Counter[str] = field(default_factory=Counter)
    record_failures: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)  # invoice number -> new current status
    api_calls: Counter[str] = field(default_factory=Counter)
    shifted: bool = False
    watermark_moved: bool = False
    seconds: float = 0.0

    @property
    def total_api_calls(self) -> int:
        """Every Chorus Pro call this sync made (retries of a page included)."""
        return sum(self.api_calls.values())

    @property
    def complete(self) -> bool:
        """True when every page and every record was synced (the watermark may move)."""
        return not (
            self.pages_failed or self.rows_malformed or self.record_failures or self.shifted or self.unchecked
        )

    def summary_text(self, lang: Language | None = None) -> str:
        """One paragraph for the task log and the run note."""
        blocked = sum(1 for status in self.changed.values() if classify(status) is StatusClass.BLOCKED)
        summary = text(
            "sync.summary", lang, changed=len(self.changed), blocked=blocked, tracked=self.tracked,
            pages=self.pages_read, calls=self.total_api_calls,
        )  # fmt: skip
        problems = [
            text(
                "sync.pages_failed",
                lang,
                count=len(self.pages_failed),
                pages=", ".join(map(str, self.pages_failed)),
            )
            if self.pages_failed
            else "",
            text("sync.rows_malformed", lang, count=self.rows_malformed) if self.rows_malformed else "",
            text("sync.records_failed", lang, count=len(self.record_failures))
            if self.record_failures
            else "",
            text("sync.shifted", lang) if self.shifted else "",
            text("sync.capped", lang, periods=self.periods_capped, unchecked=self.unchecked)
            if self.unchecked
            else "",
            text("sync.unknown_statuses", lang, statuses=dict(self.unknown_statuses))
            if self.unknown_statuses
            else "",
        ]
        problems = [problem for problem in problems if problem]
        if problems:
            summary += text("sync.problems", lang, problems="; ".join(problems))
        return summary + text("sync.watermark_moved" if self.watermark_moved else "sync.watermark_kept", lang)

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-able summary (no secrets, no rows)."""
        return {
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
            "tracked": self.tracked,
            "pages_read": self.pages_read,
            "pages_failed": list(self.pages_failed),
            "periods_split": self.periods_split,
            "periods_reversed": self.periods_reversed,
            "periods_capped": self.periods_capped,
            "lookups": self.lookups,
            "unchecked": self.unchecked,
            "rows_seen": self.rows_seen,
            "rows_malformed": self.rows_malformed,
            "rows_untracked": self.rows_untracked,
            "statuses_recorded": self.statuses_recorded,
            "unknown_statuses": dict(self.unknown_statuses),
            "record_failures": self.record_failures[:50],
            "changed": dict(list(self.changed.items())[:500]),
            "api_calls": dict(self.api_calls),
            "total_api_calls": self.total_api_calls,
            "watermark_moved": self.watermark_moved,
            "complete": self.complete,
            "seconds": round(self.seconds, 3),
            "summary": self.summary_text(),
        }


class StatusSync:
    """Brings the ledger up to date with the statuses Chorus Pro holds for our invoices."""

    def __init__(
        self,
        ledger: Ledger,
        client: ChorusProClient,
        supplier_siret: str,
        *,
        overlap: timedelta = DEFAULT_OVERLAP,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_retries: int = DEFAULT_PAGE_RETRIES,
        retry_delay_seconds: float = 1.0,
        watermark_name: str = WATERMARK_NAME,
        search_result_cap: int = SEARCH_RESULT_CAP,
        lookup_limit: int = DEFAULT_LOOKUP_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.supplier_siret = supplier_siret
        self.overlap = overlap
        self.page_size = page_size
        self.page_retries = page_retries
        self.retry_delay_seconds = retry_delay_seconds
        self.watermark_name = watermark_name
        self.search_result_cap = search_result_cap
        self.lookup_limit = lookup_limit
        self._sleep = sleep
        self._payment_not_reported: dict[int, bool] = {}

    def run(self, now: datetime | None = None) -> SyncResult:
        """One sync pass over [watermark − overlap, now]; never raises for one bad page or row."""
        started = time.monotonic()
        now = now or utc_now()
        tracked = {
            row.identifiant_facture_cpp: row
            for row in self.ledger.invoices_to_poll(self.supplier_siret)
            if row.identifiant_facture_cpp is not None and not is_final(row.chorus_status)
        }
        result = SyncResult(period_from=self._period_start(tracked, now), period_to=now, tracked=len(tracked))
        if tracked:
            self._read_pages(tracked, result)
        if result.complete:
            self.ledger.set_watermark(self.watermark_name, now)
            result.watermark_moved = True
        result.seconds = time.monotonic() - started
        log.info("%s", result.summary_text())
        return result

    def _period_start(self, tracked: dict[int, InvoiceRow], now: datetime) -> datetime:
        watermark = self.ledger.get_watermark(self.watermark_name)
        if watermark is None:
            # First run: from the oldest deposit still followed, with a wide margin because a
            # buyer's system may date a decision before it reached Chorus Pro. It costs nothing
            # more: every followed invoice changed status (DEPOSEE) since its deposit anyway.
            submitted = [row.submitted_at for row in tracked.values() if row.submitted_at is not None]
            return min(min(submitted, default=now), now) - FIRST_RUN_LOOKBACK
        return min(watermark, now) - self.overlap

    def _read_pages(self, tracked: dict[int, InvoiceRow], result: SyncResult) -> None:
        seen: Seen = {}
        self._read_period(result.period_from, result.period_to, tracked, result, seen)
        if result.periods_capped:
            self._look_up_unseen(tracked, seen, result)

    def _look_up_unseen(self, tracked: dict[int, InvoiceRow], seen: Seen, result: SyncResult) -> None:
        """After a capped minute: look up, by number, each followed invoice no search row showed.

        An invoice has one current status at one time, so one the run's rows did not show may be
        among the results the cap withheld; every other invoice was read. Past ``lookup_limit`` the
        lookups are not made at all: the watermark stays and the summary says how many are unchecked.
        """
        unseen = [invoice for identifiant, invoice in tracked.items() if identifiant not in seen]
        log.warning(
            "%d one-minute period(s) reached the %d-result cap: %d followed invoice(s) to look up one by one",
            result.periods_capped, self.search_result_cap, len(unseen),
        )  # fmt: skip
        if len(unseen) > self.lookup_limit:
            result.unchecked = len(unseen)
            return
        for invoice in unseen:
            if not self._look_up(invoice, result):
                result.unchecked += 1

    def _look_up(self, invoice: InvoiceRow, result: SyncResult) -> bool:
        """Read one invoice's current row by its Chorus Pro number; False when it could not be read."""
        result.lookups += 1
        number = invoice.chorus_invoice_number or invoice.invoice_number
        answer = self._fetch_page(SupplierInvoiceSearch(numero_facture=number), 1, result)
        if answer is None or answer.malformed_rows or answer.pages > 1:
            return False
        own = [row for row in answer.rows if row.identifiant_facture_cpp == invoice.identifiant_facture_cpp]
        if not own:
            log.warning("Invoice %s (id %s) not found by its number", number, invoice.identifiant_facture_cpp)
            return False
        before = len(result.record_failures)
        self._handle_page(
            answer.model_copy(update={"rows": own}), {own[0].identifiant_facture_cpp: invoice}, result, {}
        )
        return len(result.record_failures) == before

    def _read_period(
        self,
        start: datetime,
        end: datetime,
        tracked: dict[int, InvoiceRow],
        result: SyncResult,
        seen: Seen,
    ) -> None:
        """Read every page of one period; split it first when Chorus Pro might cap the results."""
        criteria = SupplierInvoiceSearch(status_changed_from=start, status_changed_to=end)
        first = self._fetch_page(criteria, 1, result)
        if first is None:
            result.pages_failed.append(1)  # without page 1 the number of pages is unknown
            return
        if first.total >= self.search_result_cap:
            if end - start > MIN_SPLIT_PERIOD:
                # The real search stops at 200 results, pages included: read two halves instead.
                middle = start + (end - start) / 2
                result.periods_split += 1
                self._read_period(start, middle, tracked, result, seen)
                self._read_period(middle, end, tracked, result, seen)
            else:
                self._read_capped_minute(criteria, tracked, result, seen)
            return
        self._read_order(criteria, None, first, tracked, result, seen)

    def _read_capped_minute(
        self,
        criteria: SupplierInvoiceSearch,
        tracked: dict[int, InvoiceRow],
        result: SyncResult,
        seen: Seen,
    ) -> None:
        """A minute with at least as many changes as the cap: read it by invoice number both ways.

        The first ``cap`` results by number descending and the first ``cap`` ascending hold every
        result when together they are fewer than ``2 × cap`` (numbers are unique per supplier and
        year). Otherwise, or when a number shows twice, the followed invoices no row showed are
        looked up one by one after the search.
        """
        result.periods_reversed += 1
        numbers: dict[int, str | None] = {}
        for direction in ("Descendant", "Ascendant"):
            rows = self._read_order(criteria, ("NumeroFacture", direction), None, tracked, result, seen)
            if rows is None:
                return  # a page failed: recorded, the watermark stays
            numbers.update(rows)
        distinct = set(numbers.values())
        if len(numbers) >= 2 * self.search_result_cap or len(distinct) < len(numbers) or None in distinct:
            result.periods_capped += 1

    def _read_order(
        self,
        criteria: SupplierInvoiceSearch,
        sort: tuple[SortColumn, SortDirection] | None,
        first: SupplierInvoicePage | None,
        tracked: dict[int, InvoiceRow],
        result: SyncResult,
        seen: Seen,
    ) -> dict[int, str | None] | None:
        """Every page of one search in one order; the rows' id -> number, or None if a page failed."""
        page, pages, first_total = 1, 1, None
        numbers: dict[int, str | None] = {}
        complete = True
        while page <= pages:
            answer = (
                first if page == 1 and first is not None else self._fetch_page(criteria, page, result, sort)
            )
            if answer is None:
                result.pages_failed.append(page)
                if page == 1:
                    return None
                complete = False
                page += 1
                continue
            if first_total is None:
                first_total, pages = answer.total, answer.pages
            elif answer.total != first_total:
                # Rows left the period while we paged: some may have moved onto a page already read.
                result.shifted = True
            result.pages_read += 1
            self._handle_page(answer, tracked, result, seen)
            numbers.update((row.identifiant_facture_cpp, row.numero_facture) for row in answer.rows)
            if not answer.rows and not answer.malformed_rows:
                break
            page += 1
        return numbers if complete else None

    def _fetch_page(
        self,
        criteria: SupplierInvoiceSearch,
        page: int,
        result: SyncResult,
        sort: tuple[SortColumn, SortDirection] | None = None,
    ) -> SupplierInvoicePage | None:
        for attempt in range(1, self.page_retries + 2):
            result.api_calls["rechercher/fournisseur"] += 1
            try:
                return self.client.get_supplier_invoice_page(
                    criteria, page=page, page_size=self.page_size, sort=sort
                )
            except ChorusProError as error:
                if error.fatal:
                    raise  # every other call would fail the same way: stop and say so
                log.warning("Search page %d failed (attempt %d): %s", page, attempt, error)
                if not error.retryable or attempt > self.page_retries:
                    return None
                self._sleep(self.retry_delay_seconds * attempt)
        return None

    def _handle_page(
        self, answer: SupplierInvoicePage, tracked: dict[int, InvoiceRow], result: SyncResult, seen: Seen
    ) -> None:
        if answer.malformed_rows:
            result.rows_malformed += len(answer.malformed_rows)
            log.warning("Page %d: %d unreadable row(s) set aside", answer.page, len(answer.malformed_rows))
        for row in answer.rows:
            result.rows_seen += 1
            sighting = (row.status, row.date_heure_etat_courant)
            if seen.get(row.identifiant_facture_cpp) == sighting:
                result.rows_unchanged += 1  # handled already in this run (a minute read both ways)
                continue
            seen[row.identifiant_facture_cpp] = sighting
            invoice = tracked.get(row.identifiant_facture_cpp)
            if invoice is None:
                result.rows_untracked += 1
                continue
            try:
                self._handle_row(row, invoice, result)
            except Exception as error:  # one bad record never stops the others
                message = f"{invoice.invoice_number}: {type(error).__name__}: {error}"
                log.warning("Could not record the status of %s", message)
                result.record_failures.append(message[:300])

    def _handle_row(self, row: SupplierInvoiceRow, invoice: InvoiceRow, result: SyncResult) -> None:
        status = row.status
        if not status:
            result.rows_malformed += 1
            log.warning("Row of %s carries no status", invoice.invoice_number)
            return
        changed_at = row.date_heure_etat_courant or result.period_to
        status_class = self._classify(status, row, result)
        if status == invoice.chorus_status and (
            changed_at == invoice.chorus_status_at or status_class is not StatusClass.BLOCKED
        ):
            # Seen already (overlap), or the deposit status the submission recorded with its own clock.
            # A blocked status seen again at a new time is a new event (e.g. suspended a second time).
            result.rows_unchanged += 1
            return
        if status_class is StatusClass.UNKNOWN:
            result.unknown_statuses[status] += 1
            log.warning(
                "Invoice %s: unknown Chorus Pro status %s (still followed)", invoice.invoice_number, status
            )
        comment = row.commentaire_etat_courant
        if status_class is StatusClass.BLOCKED:
            history = self._history(row.identifiant_facture_cpp, result)
            if history is not None:
                self._record_intermediate(history, invoice, changed_at, result)
                current = next((entry for entry in history.entries if entry.status == status), None)
                comment = (current.comment if current else None) or comment or history.latest_comment
            elif comment is None:
                raise RuntimeError("history unavailable and the row carries no comment")
        state = ledger_state_for(status_class, invoice.state)
        if self.ledger.record_status(invoice.id, status, changed_at, comment, state):
            result.statuses_recorded += 1
        result.changed[invoice.invoice_number] = status

    def _classify(self, status: str, row: SupplierInvoiceRow, result: SyncResult) -> StatusClass:
        if status not in PAID_WHEN_PAYMENT_NOT_REPORTED or row.id_destinataire is None:
            return classify(status)
        buyer = row.id_destinataire
        if buyer not in self._payment_not_reported:
            result.api_calls["structures/consulter"] += 1
            try:
                self._payment_not_reported[buyer] = self.client.get_structure(
                    buyer
                ).payment_status_not_reported
            except ChorusProError as error:
                # Not knowing only delays the "paid" verdict to a later run: the invoice stays followed.
                log.warning("Could not read buyer structure %s: %s", buyer, error)
                return classify(status)
        return classify(status, payment_not_reported=self._payment_not_reported[buyer])

    def _history(self, identifiant: int, result: SyncResult) -> InvoiceHistory | None:
        result.api_calls["consulter/historique"] += 1
        try:
            return self.client.get_invoice_history(identifiant)
        except ChorusProError as error:
            log.warning("History of invoice %s unavailable: %s", identifiant, error)
            return None

    def _record_intermediate(
        self, history: InvoiceHistory, invoice: InvoiceRow, current_at: datetime, result: SyncResult
    ) -> None:
        """Statuses passed through since the last one we knew, oldest first.

        Chosen by position after the last known status, not by time: history dates are to the
        minute and clocks differ. Their time is never before the last known one, so order holds.
        """
        entries = list(reversed(history.entries[1:]))  # oldest first; the newest is the row's own status
        known = [index for index, entry in enumerate(entries) if entry.status == invoice.chorus_status]
        if known:
            entries = entries[known[-1] + 1 :]
        elif invoice.chorus_status_at is not None:
            floor = invoice.chorus_status_at.replace(second=0, microsecond=0)
            entries = [entry for entry in entries if entry.changed_at and entry.changed_at >= floor]
        state = invoice.state
        for entry in entries:
            changed_at = entry.changed_at or current_at
            if invoice.chorus_status_at is not None:
                changed_at = max(changed_at, invoice.chorus_status_at)
            changed_at = min(changed_at, current_at)
            state = ledger_state_for(classify(entry.status), state)
            if self.ledger.record_status(invoice.id, entry.status, changed_at, entry.comment, state):
                result.statuses_recorded += 1
