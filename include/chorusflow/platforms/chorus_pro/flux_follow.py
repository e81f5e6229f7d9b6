"""Follow every open Factur-X flux until Chorus Pro has integrated or refused it.

For each flux due for a poll (backoff from minutes to hours,
:func:`chorusflow.platforms.chorus_pro.flux.next_poll_at`):

1. ``consulterCRDetaille`` gives its state (``etatCourantDepotFlux``) and error lists;
2. still pending, stuck or in a state nobody documented: poll again later (an unknown state is
   recorded and shown as unknown, never as pending);
3. ``IN_INTEGRE`` / ``IN_INTEGRE_PARTIEL``: ``rechercher/fournisseur`` by flux number gives each
   integrated invoice its ``identifiantFactureCPP`` (``submitted``: the status sync follows it from
   then on); each invoice ``listeErreurDP`` names (by ``numeroDP``, the invoice number) is refused
   with the platform's reason (``failed``);
4. ``IN_REJETE``: every invoice of the flux is refused with ``listeErreurTechnique`` (e.g.
   ``ERR_XSD``) and its own ``listeErreurDP`` entry if any; ``IN_INCIDENTE``, ``IN_A_RELANCER``,
   ``IN_ERREUR_INTERNE``: Chorus Pro did not process the flux, its invoices are refused with that
   reason and may be deposited again (a retry of the submission DAG).

A refusal Chorus Pro explains as a duplicate number is checked by number within the year first: the
invoice may already be there from an earlier flux (an unknown outcome that was deposited again).
Nothing here imports Airflow; ``chorus_sync_statuses`` runs :func:`follow_flux` before its sync.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chorusflow.ledger import FluxRow, InvoiceRow, InvoiceState, Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProError
from chorusflow.platforms.chorus_pro.channels.base import Expected, held, judge_by_number
from chorusflow.platforms.chorus_pro.flux import FINAL_STAGES, FluxStage, flux_stage, next_poll_at
from chorusflow.platforms.chorus_pro.models import FluxReport, SupplierInvoiceRow, SupplierInvoiceSearch
from chorusflow.platforms.chorus_pro.statuses import SEARCH_RESULT_CAP
from chorusflow.platforms.interface import Held
from chorusflow.settings import settings

log = logging.getLogger(__name__)

#: Polls of an integrated flux during which a missing invoice may still appear in the search.
MISSING_AFTER_INTEGRATION_POLLS = 3


@dataclass
class FluxFollowResult:
    """What one pass over the open flux did (JSON-able through :meth:`to_xcom`)."""

    polled: int = 0
    closed: int = 0
    integrated: list[str] = field(default_factory=list)  # invoice numbers now submitted
    refused: dict[str, str] = field(default_factory=dict)  # invoice number -> the platform's reason
    needs_review: list[str] = field(default_factory=list)
    unknown_states: dict[str, str] = field(default_factory=dict)  # flux number -> the raw state
    states: dict[str, str] = field(default_factory=dict)  # flux number -> stage shown (or "unknown")
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the run note."""
        text = (
            f"Flux: {self.polled} polled, {self.closed} closed, {len(self.integrated)} invoice(s) "
            f"integrated, {len(self.refused)} refused, {len(self.needs_review)} to check"
        )
        if self.unknown_states:
            text += ", unknown state: " + ", ".join(f"{n} {s}" for n, s in self.unknown_states.items())
        return text + "."

    def to_xcom(self) -> dict[str, Any]:
        """A JSON-able summary."""
        return {
            "polled": self.polled,
            "closed": self.closed,
            "integrated": self.integrated,
            "refused": self.refused,
            "needs_review": self.needs_review,
            "unknown_states": self.unknown_states,
            "states": self.states,
            "errors": self.errors,
            "summary": self.summary(),
        }


def follow_flux(
    ledger: Ledger, client: ChorusProClient, supplier_siret: str, now: datetime | None = None
) -> FluxFollowResult:
    """Poll every open flux due at ``now``; a fatal API error (credentials) stops the pass."""
    now = now or utc_now()
    result = FluxFollowResult()
    for flux in ledger.open_flux(supplier_siret, due_at=now):
        try:
            _follow_one(ledger, client, flux, result, now)
        except ChorusProError as error:
            if error.fatal:
                raise
            result.errors.append(f"{flux.numero_flux_depot}: {str(error)[:200]}")
            log.warning("Flux %s not followed this time: %s", flux.numero_flux_depot, error)
    if result.polled:
        log.info("%s", result.summary())
    return result


def _follow_one(
    ledger: Ledger, client: ChorusProClient, flux: FluxRow, result: FluxFollowResult, now: datetime
) -> None:
    report = client.get_flux_report(flux.numero_flux_depot)
    result.polled += 1
    stage = flux_stage(report.etat_courant_depot_flux)
    number = flux.numero_flux_depot
    result.states[number] = stage.value
    if stage is FluxStage.UNKNOWN:
        result.unknown_states[number] = report.etat_courant_depot_flux or "(empty)"
    closed = stage in FINAL_STAGES
    if stage in (FluxStage.INTEGRATED, FluxStage.PARTIAL):
        closed = _settle_integrated(ledger, client, flux, report, result)
    elif closed:
        _settle_refused_flux(ledger, client, flux, report, stage, result)
    config = settings()
    ledger.record_flux_poll(
        flux.id,
        state=report.etat_courant_depot_flux,
        state_at=report.date_heure_etat_courant_flux,
        errors=_errors(report),
        next_poll_at=next_poll_at(
            now,
            flux.polls + 1,
            base_seconds=config.flux_poll_base_seconds,
            max_seconds=config.flux_poll_max_seconds,
            stage=stage,
        ),
        closed=closed,
    )
    result.closed += int(closed)


def _waiting(ledger: Ledger, flux: FluxRow) -> list[InvoiceRow]:
    rows = ledger.invoices_in_flux(flux.supplier_siret, flux.numero_flux_depot)
    return [row for row in rows if row.state is InvoiceState.IN_FLUX]


def _settle_integrated(
    ledger: Ledger, client: ChorusProClient, flux: FluxRow, report: FluxReport, result: FluxFollowResult
) -> bool:
    """Give integrated invoices their id, refuse the ones ``listeErreurDP`` names; True when all settled."""
    waiting = _waiting(ledger, flux)
    if not waiting:
        return True
    rows = {
        row.numero_facture: row
        for row in client.search_supplier_invoices(
            SupplierInvoiceSearch(numero_flux_depot=flux.numero_flux_depot)
        )
    }
    refused = {error.numero_dp: error.libelle_erreur_dp or "" for error in report.liste_erreur_dp}
    capped = len(rows) >= SEARCH_RESULT_CAP  # the search stops at 200 results: ask the rest by number
    missing = []
    for invoice in waiting:
        row = rows.get(invoice.invoice_number)
        if row is None and capped and invoice.invoice_number not in refused:
            row = _in_flux_by_number(client, invoice, flux.numero_flux_depot)
        if row is not None:
            _integrate(ledger, invoice, held(row), result)
        elif invoice.invoice_number in refused:
            _refuse(ledger, client, invoice, refused[invoice.invoice_number] or "refusée", flux, result)
        else:
            missing.append(invoice)
    if missing and flux.polls + 1 < MISSING_AFTER_INTEGRATION_POLLS:
        return False  # the search may lag behind the report: ask again before concluding
    for invoice in missing:
        reason = (
            f"flux {flux.numero_flux_depot} is integrated ({report.etat_courant_depot_flux}) but neither "
            "rechercher/fournisseur nor its error list names this invoice: check it on the portal"
        )
        if ledger.end_flux_wait(invoice.id, InvoiceState.NEEDS_REVIEW, reason):
            result.needs_review.append(invoice.invoice_number)
    return True


def _in_flux_by_number(
    client: ChorusProClient, invoice: InvoiceRow, flux_number: str
) -> SupplierInvoiceRow | None:
    """The invoice's row when the search by flux was capped: by number within its year, this flux's."""
    year = invoice.issue_date.year if invoice.issue_date is not None else None
    row = client.find_invoice_by_number(invoice.invoice_number, year=year)
    return row if row is not None and row.numero_flux_depot == flux_number else None


def _integrate(ledger: Ledger, invoice: InvoiceRow, found: Held, result: FluxFollowResult) -> None:
    ledger.mark_submitted(
        invoice.id,
        found.platform_id,
        status=found.status,
        numero_flux_depot=found.batch_number,
        chorus_invoice_number=found.number,
        deposit_channel="facturx",
    )
    result.integrated.append(invoice.invoice_number)


def _refuse(
    ledger: Ledger,
    client: ChorusProClient,
    invoice: InvoiceRow,
    reason: str,
    flux: FluxRow,
    result: FluxFollowResult,
) -> None:
    """Refuse ``invoice`` with ``reason``, unless Chorus Pro holds it under its number after all.

    The refusal's words are never read (a duplicate number is refused like any other error): the
    search by number decides. What Chorus Pro holds for this buyer and amount is adopted; a doubtful
    match goes to a person; only an invoice it does not hold ends ``failed``.
    """
    if invoice.issue_date is not None:
        rows = client.find_invoices_by_number(invoice.invoice_number, year=invoice.issue_date.year)
        expected = Expected(
            invoice.invoice_number, invoice.buyer_siret, invoice.invoice_type, invoice.total_ttc
        )
        found = judge_by_number(rows, expected, ledger.known_cpp_ids(invoice.supplier_siret))
        if found.found is not None:
            _integrate(ledger, invoice, found.found, result)
            return
        if found.ambiguous is not None:
            text = f"refused in flux {flux.numero_flux_depot} ({reason}), yet {found.ambiguous}"
            if ledger.end_flux_wait(invoice.id, InvoiceState.NEEDS_REVIEW, text):
                result.needs_review.append(invoice.invoice_number)
            return
    text = f"Chorus Pro refused the invoice in flux {flux.numero_flux_depot}: {reason}"
    if ledger.end_flux_wait(invoice.id, InvoiceState.FAILED, text):
        result.refused[invoice.invoice_number] = reason


def _settle_refused_flux(
    ledger: Ledger,
    client: ChorusProClient,
    flux: FluxRow,
    report: FluxReport,
    stage: FluxStage,
    result: FluxFollowResult,
) -> None:
    """``IN_REJETE`` or a flux Chorus Pro did not process: every waiting invoice is refused."""
    technical = "; ".join(
        " ".join(part for part in (error.nature_erreur, error.code_erreur, error.libelle_erreur) if part)
        for error in report.liste_erreur_technique
    )
    per_invoice = {error.numero_dp: error.libelle_erreur_dp or "" for error in report.liste_erreur_dp}
    state = report.etat_courant_depot_flux or ""
    for invoice in _waiting(ledger, flux):
        reasons = [text for text in (per_invoice.get(invoice.invoice_number), technical) if text]
        if stage is FluxStage.NOT_PROCESSED:
            reasons.append(f"Chorus Pro did not process the flux ({state}): it may be deposited again")
        reason = f"{state}: " + ("; ".join(reasons) or "flux refused without details")
        _refuse(ledger, client, invoice, reason, flux, result)


def _errors(report: FluxReport) -> dict[str, Any] | None:
    if not report.liste_erreur_dp and not report.liste_erreur_technique:
        return None
    return {
        "listeErreurDP": [error.model_dump(by_alias=True) for error in report.liste_erreur_dp][:200],
        "listeErreurTechnique": [error.model_dump(by_alias=True) for error in report.liste_erreur_technique][
            :50
        ],
    }


def open_flux_states(ledger: Ledger, supplier_siret: str) -> Sequence[tuple[str, str]]:
    """Each open flux and its state as shown to people: the raw state, or ``unknown (<raw>)``."""
    shown = []
    for flux in ledger.open_flux(supplier_siret):
        stage = flux_stage(flux.state) if flux.state else FluxStage.PENDING
        label = f"unknown ({flux.state})" if stage is FluxStage.UNKNOWN else (flux.state or "not polled yet")
        shown.append((flux.numero_flux_depot, label))
    return shown
