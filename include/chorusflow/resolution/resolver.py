"""Apply a person's decision about a blocked invoice on Chorus Pro, at most once.

The same protocol as a deposit (:mod:`chorusflow.submission.submitter`):

1. the decision is claimed in the ledger (one row per invoice, blocking event and action); a
   decision that already succeeded is not applied again (a replayed answer changes nothing);
2. the answer is checked (rule codes); a refused answer is recorded and nothing is sent;
3. what is about to be sent is recorded, committed, *before* each call;
4. after an unknown outcome (a lost answer, a killed worker), the invoice's status and history
   are read on Chorus Pro first: a ``completer`` that went through is adopted, never sent twice;
5. the answer is recorded with the invoice's new status, in one transaction.

Nothing here imports Airflow.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from chorusflow.crashpoints import crashpoint
from chorusflow.ledger import (
    ClaimOwner,
    InvoiceDetail,
    InvoiceState,
    Ledger,
    RecordedDecision,
    ResolutionClaim,
    ResolutionOutcome,
    StatusUpdate,
    utc_now,
)
from chorusflow.messages import language
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProError, FunctionalError
from chorusflow.platforms.chorus_pro.models import InvoiceHistory
from chorusflow.resolution.decisions import (
    ACTIONS_OF_KIND,
    REJECTION_ACTIONS,
    REPLACING_ACTIONS,
    STORED_ATTACHMENT,
    Action,
    Decision,
    action_label,
    check_decision,
    event_key,
    kind_of,
    messages,
    recorded_routing,
    relative_to_folder,
)
from chorusflow.rules.checks.attachments import AttachmentRules
from chorusflow.rules.checks.buyers import BuyerRules
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.directory import ChorusDirectory
from chorusflow.rules.profiles import load_profiles
from chorusflow.settings import settings
from chorusflow.storage import StoredPath

log = logging.getLogger(__name__)

#: The status Chorus Pro gives the invoice once the action went through (AIFE; docs/sources.md).
STATUS_AFTER: dict[Action, str] = {Action.COMPLETE: "COMPLETEE", Action.RECYCLE: "MISE_A_DISPOSITION"}
#: The status the invoice must still have for the action to be sent.
STATUS_BEFORE: dict[Action, str] = {Action.COMPLETE: "SUSPENDUE", Action.RECYCLE: "A_RECYCLER"}


class DecisionResult(StrEnum):
    """How one decision ended."""

    DONE = "done"
    ALREADY_DONE = "already_done"  # the same decision succeeded before: nothing sent
    REFUSED = "refused"  # a rule code refused the answer: nothing sent
    REJECTED = "rejected"  # Chorus Pro refused the action
    RETRY = "retry"  # a passing error, or the outcome is unknown: try again (it reads the status first)
    BUSY = "busy"  # another live try holds this decision


@dataclass
class ResolutionResult:
    """One decision's result, fit for XCom and the CLI (never a secret)."""

    invoice_number: str
    action: Action
    result: DecisionResult
    message: str = ""
    findings: list[Finding] = field(default_factory=list)
    answer: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when the decision is (or already was) applied."""
        return self.result in (DecisionResult.DONE, DecisionResult.ALREADY_DONE)

    def to_xcom(self) -> dict[str, Any]:
        """A small JSON-able summary."""
        return {
            "invoice_number": self.invoice_number,
            "action": self.action.value,
            "result": self.result.value,
            "message": self.message,
            "codes": [item.code for item in self.findings],
            "answer": self.answer,
        }


class Resolver:
    """Applies decisions about one supplier's invoices, recording every step in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        client: ChorusProClient,
        supplier_siret: str,
        owner: ClaimOwner,
        *,
        attachments_folder: Path,
        buyers: BuyerRules,
        lang: str,
        lease_seconds: float = 900,
        documents: StoredPath | None = None,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.supplier_siret = supplier_siret
        self.owner = owner
        self.attachments_folder = attachments_folder
        self.attachments = AttachmentRules(attachments_folder, lang)
        # Shared storage, where documents uploaded from the browser are kept (docs/resolution.md).
        self.stored = AttachmentRules(documents, lang) if documents is not None else None
        self.buyers = buyers
        self.lang = lang
        self.lease_seconds = lease_seconds

    def apply(self, decision: Decision) -> ResolutionResult:
        """Check, claim and apply one decision; never raises for a refusal (only for a fatal error)."""
        summary = self.ledger.get_invoice(decision.invoice_number, self.supplier_siret)
        if summary is None:
            found = finding("RESOLUTION_INVOICE_UNKNOWN", self.lang, number=decision.invoice_number)
            return self._result(decision, DecisionResult.REFUSED, [found])
        invoice: InvoiceDetail = summary
        if decision.event_key is None and _applied_before(invoice, decision):
            return self._result(
                decision, DecisionResult.ALREADY_DONE, message="already applied: nothing sent"
            )
        recorded = RecordedDecision(
            invoice_id=invoice.id,
            event_key=decision.event_key or event_key(invoice),
            action=decision.action.value,
            decided_by=decision.decided_by,
            source=decision.source,
            decision=decision.recorded(),
        )
        claim = self.ledger.claim_resolution(recorded, self.owner, self.lease_seconds)
        if claim is None:
            return self._result(
                decision, DecisionResult.BUSY, message="another try is applying this decision"
            )
        if claim.already_done:
            return self._result(
                decision, DecisionResult.ALREADY_DONE, message="already applied: nothing sent"
            )
        if not claim.previous_outcome_unknown:
            refused = check_decision(
                decision,
                invoice,
                attachments=self.attachments,
                attachments_folder=self.attachments_folder,
                buyers=self.buyers,
                lang=self.lang,
                stored=self.stored,
                supplier_key=self.supplier_siret,
            )
            if refused:
                return self._refuse(claim, decision, refused)
        try:
            return self._apply_claimed(claim, decision, invoice)
        except FunctionalError as error:
            return self._rejected(claim, decision, error)
        except ChorusProError as error:
            return self._passing_error(claim, decision, error)

    # -- per action ----------------------------------------------------------------------------------

    def _apply_claimed(
        self, claim: ResolutionClaim, decision: Decision, invoice: InvoiceDetail
    ) -> ResolutionResult:
        action = decision.action
        if action in STATUS_AFTER:
            return self._status_changing(claim, decision, invoice)
        if action in REJECTION_ACTIONS:
            return self._rejection(claim, decision, invoice)
        if action is Action.ADOPT:
            return self._adopt(claim, decision, invoice)
        return self._release(claim, decision)

    def _status_changing(
        self, claim: ResolutionClaim, decision: Decision, invoice: InvoiceDetail
    ) -> ResolutionResult:
        """complete and recycle: reconcile after an unknown outcome, else send, then record the new status."""
        identifiant = _chorus_id(invoice)
        if claim.previous_outcome_unknown:
            crashpoint("resolution.before_reconcile")
            found = self._reconciled(decision, identifiant, invoice.chorus_status_at)
            if found is not None:
                return self._succeeded(claim, decision, found, reconciled=True)
        if decision.action is Action.COMPLETE:
            sent, answer = self._complete(claim, decision, identifiant)
        else:
            sent, answer = self._recycle(claim, decision, invoice, identifiant)
        crashpoint("resolution.after_answer")
        status = StatusUpdate(
            STATUS_AFTER[decision.action], utc_now(), decision.comment, InvoiceState.SUBMITTED
        )
        self.ledger.finish_resolution(
            claim.resolution_id, self.owner, ResolutionOutcome.SUCCEEDED, answer=answer, status=status
        )
        return self._result(decision, DecisionResult.DONE, message=_sent_text(sent), answer=answer)

    def _complete(
        self, claim: ResolutionClaim, decision: Decision, identifiant: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        attachment_ids: list[int] = []
        if decision.attachment:
            attachment_ids.append(self._uploaded(claim, decision.attachment))
        sent = {"completer": {"identifiantFactureCPP": identifiant, "pieces": attachment_ids}}
        self.ledger.record_resolution_sent(claim.resolution_id, self.owner, sent)
        crashpoint("resolution.before_call")
        answer = self.client.complete_invoice(identifiant, decision.comment or "", attachment_ids)
        return sent, answer.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _uploaded(self, claim: ResolutionClaim, attachment: str) -> int:
        """The document's ``pieceJointeId``: uploaded once per decision (reusing an earlier try's)."""
        if STORED_ATTACHMENT.match(attachment) and self.stored is not None:
            path, _ = self.stored.check(attachment)
        else:
            relative = relative_to_folder(attachment, self.attachments_folder) or attachment
            path, _ = self.attachments.check(relative)
        assert path is not None  # check_decision refused any unusable file
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        earlier = (claim.previous_sent or {}).get("ajouter_fichier") or {}
        if earlier.get("sha256") == digest and earlier.get("pieceJointeId"):
            return int(earlier["pieceJointeId"])
        upload = {"nom": path.name, "sha256": digest, "octets": len(content)}
        self.ledger.record_resolution_sent(claim.resolution_id, self.owner, {"ajouter_fichier": upload})
        attachment_id = self.client.upload_attachment(path.name, content)
        upload["pieceJointeId"] = attachment_id
        self.ledger.record_resolution_sent(claim.resolution_id, self.owner, {"ajouter_fichier": upload})
        return attachment_id

    def _recycle(
        self, claim: ResolutionClaim, decision: Decision, invoice: InvoiceDetail, identifiant: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        service, engagement = recorded_routing(invoice)
        service = decision.service_code or service
        engagement = decision.engagement or engagement
        outcome = self.buyers.outcome(invoice.buyer_siret or "", service or "", engagement or "")
        service = outcome.service_code  # a profile may fill in the service for this engagement
        sent = {
            "recycler": {
                "identifiantFactureCPP": identifiant,
                "codeDestinataire": invoice.buyer_siret,
                "codeServiceExecutant": service,
                "numeroBonCommande": engagement,
            }
        }
        self.ledger.record_resolution_sent(claim.resolution_id, self.owner, sent)
        crashpoint("resolution.before_call")
        answer = self.client.recycle_invoice(
            identifiant, invoice.buyer_siret or "", service, engagement, decision.comment
        )
        return sent, answer.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _reconciled(
        self, decision: Decision, identifiant: int, since: datetime | None
    ) -> dict[str, Any] | None:
        """What Chorus Pro shows when an earlier try's answer was lost: the action's status, or ``None``.

        ``None`` means the invoice still waits in the blocked status with nothing after it: the action
        did not go through, so sending it is safe. Any other status ends the decision as rejected.
        """
        history = self.client.get_invoice_history(identifiant)
        wanted = STATUS_AFTER[decision.action]
        if _reached(history, wanted, since):
            return {"reconciled": True, "statut": history.status, "trouve": wanted}
        if history.status == STATUS_BEFORE[decision.action]:
            return None
        raise FunctionalError(
            f"the invoice is now {history.status} on Chorus Pro",
            code_retour=None,
            libelle=history.status,
            operation="consulter/historique",
        )

    def _rejection(
        self, claim: ResolutionClaim, decision: Decision, invoice: InvoiceDetail
    ) -> ResolutionResult:
        """traiterRejet unless Chorus Pro already shows the rejection handled; then the follow-up."""
        identifiant = _chorus_id(invoice)
        details = self.client.get_invoice(identifiant)
        if details.rejet_traite:
            answer: dict[str, Any] = {"rejetTraite": True, "deja_traite": True}
        else:
            sent = {"traiterRejet": {"listeDemandePaiement": [{"idDemandePaiement": identifiant}]}}
            self.ledger.record_resolution_sent(claim.resolution_id, self.owner, sent)
            crashpoint("resolution.before_call")
            reply = self.client.acknowledge_rejection(identifiant)
            crashpoint("resolution.after_answer")
            answer = reply.model_dump(mode="json", by_alias=True, exclude_none=True) | {"rejetTraite": True}
        replacing = decision.action in REPLACING_ACTIONS
        closes = decision.action is not Action.ACKNOWLEDGE
        self.ledger.finish_resolution(
            claim.resolution_id,
            self.owner,
            ResolutionOutcome.SUCCEEDED,
            answer=answer,
            replacement_number=(decision.new_number or "").strip() if replacing else None,
            new_state=InvoiceState.CLOSED if closes else None,
        )
        return self._result(decision, DecisionResult.DONE, message="traiterRejet", answer=answer)

    def _adopt(self, claim: ResolutionClaim, decision: Decision, invoice: InvoiceDetail) -> ResolutionResult:
        """needs_review → submitted under the id a person found, once Chorus Pro confirms the number."""
        assert decision.chorus_id is not None
        details = self.client.get_invoice(decision.chorus_id)
        expected = {invoice.invoice_number, invoice.chorus_invoice_number}
        if details.numero_facture not in expected:
            found = finding(
                "RESOLUTION_ADOPT_MISMATCH",
                self.lang,
                number=invoice.invoice_number,
                chorus_id=decision.chorus_id,
                found=details.numero_facture or "-",
            )
            return self._refuse(claim, decision, [found])
        self.ledger.mark_submitted(
            invoice.id,
            decision.chorus_id,
            status=details.status or "DEPOSEE",
            adopted=True,
            chorus_invoice_number=details.numero_facture,
            deposit_channel=invoice.deposit_channel,
        )
        answer = {"identifiantFactureCPP": decision.chorus_id, "numeroFacture": details.numero_facture}
        self.ledger.finish_resolution(
            claim.resolution_id, self.owner, ResolutionOutcome.SUCCEEDED, answer=answer
        )
        return self._result(decision, DecisionResult.DONE, answer=answer)

    def _release(self, claim: ResolutionClaim, decision: Decision) -> ResolutionResult:
        """needs_review → pending: a person says Chorus Pro does not hold it; the next run deposits it."""
        self.ledger.finish_resolution(
            claim.resolution_id, self.owner, ResolutionOutcome.SUCCEEDED, new_state=InvoiceState.PENDING
        )
        return self._result(decision, DecisionResult.DONE)

    # -- endings ------------------------------------------------------------------------------------

    def _succeeded(
        self, claim: ResolutionClaim, decision: Decision, answer: dict[str, Any], *, reconciled: bool
    ) -> ResolutionResult:
        status = StatusUpdate(
            STATUS_AFTER[decision.action], utc_now(), decision.comment, InvoiceState.SUBMITTED
        )
        self.ledger.finish_resolution(
            claim.resolution_id, self.owner, ResolutionOutcome.SUCCEEDED, answer=answer, status=status
        )
        note = "found done on Chorus Pro: not sent again" if reconciled else ""
        return self._result(decision, DecisionResult.DONE, message=note, answer=answer)

    def _refuse(self, claim: ResolutionClaim, decision: Decision, found: list[Finding]) -> ResolutionResult:
        text = messages(found)
        self.ledger.finish_resolution(
            claim.resolution_id,
            self.owner,
            ResolutionOutcome.REFUSED,
            rule_code=found[0].code,
            error_message=text,
        )
        return self._result(decision, DecisionResult.REFUSED, found, message=text)

    def _rejected(
        self, claim: ResolutionClaim, decision: Decision, error: FunctionalError
    ) -> ResolutionResult:
        found = finding(
            "RESOLUTION_REFUSED_BY_CHORUS_PRO",
            self.lang,
            number=decision.invoice_number,
            action=action_label(decision.action, self.lang),
            detail=str(error)[:300],
        )
        self.ledger.finish_resolution(
            claim.resolution_id,
            self.owner,
            ResolutionOutcome.REJECTED,
            answer={"codeRetour": error.code_retour, "libelle": error.libelle},
            rule_code=found.code,
            error_message=found.message,
        )
        return self._result(decision, DecisionResult.REJECTED, [found], message=found.message)

    def _passing_error(
        self, claim: ResolutionClaim, decision: Decision, error: ChorusProError
    ) -> ResolutionResult:
        if error.fatal:
            self.ledger.finish_resolution(
                claim.resolution_id, self.owner, ResolutionOutcome.OUTCOME_UNKNOWN, error_message=str(error)
            )
            raise error
        # Chorus Pro may have acted (a write whose answer was lost): the next try reads the status first.
        outcome = (
            ResolutionOutcome.OUTCOME_UNKNOWN if error.outcome_unknown else ResolutionOutcome.FAILED_RETRYABLE
        )
        self.ledger.finish_resolution(claim.resolution_id, self.owner, outcome, error_message=str(error))
        return self._result(decision, DecisionResult.RETRY, message=str(error)[:300])

    def _result(
        self,
        decision: Decision,
        result: DecisionResult,
        found: list[Finding] | None = None,
        *,
        message: str = "",
        answer: dict[str, Any] | None = None,
    ) -> ResolutionResult:
        outcome = ResolutionResult(
            decision.invoice_number, decision.action, result, message, found or [], answer
        )
        log.info("%s %s: %s %s", decision.invoice_number, decision.action.value, result.value, message)
        return outcome


def _applied_before(invoice: InvoiceDetail, decision: Decision) -> bool:
    """The same action already succeeded and the invoice has moved on since (a command run twice)."""
    kind = kind_of(invoice)
    if kind is not None and decision.action in ACTIONS_OF_KIND[kind]:
        return False  # still asked for: the claim decides (same event: already done; new event: apply)
    return any(
        row.action == decision.action.value and row.outcome is ResolutionOutcome.SUCCEEDED
        for row in invoice.resolutions
    )


def _chorus_id(invoice: InvoiceDetail) -> int:
    if invoice.identifiant_facture_cpp is None:  # blocked invoices always have one; a guard, not a path
        raise ValueError(f"invoice {invoice.invoice_number} has no Chorus Pro id")
    return invoice.identifiant_facture_cpp


def _reached(history: InvoiceHistory, status: str, since: datetime | None) -> bool:
    """True when ``status`` appears in the history at or after the blocking event (minute precision)."""
    floor = since.replace(second=0, microsecond=0) if since else None
    return any(
        entry.status == status and (floor is None or entry.changed_at is None or entry.changed_at >= floor)
        for entry in history.entries
    )


def _sent_text(sent: dict[str, Any]) -> str:
    return ", ".join(sorted(sent))


def build_resolver(
    ledger: Ledger,
    client: ChorusProClient,
    supplier_siret: str,
    owner: ClaimOwner,
    *,
    attachments_folder: Path | None = None,
    documents: StoredPath | None = None,
) -> Resolver:
    """A resolver with this deployment's settings: attachments folder, buyer profiles, live directory."""
    lang = language()
    return Resolver(
        ledger,
        client,
        supplier_siret,
        owner,
        attachments_folder=(attachments_folder or settings().attachments_folder).resolve(),
        buyers=BuyerRules(load_profiles(), ChorusDirectory(client), lang),
        lang=lang,
        lease_seconds=settings().claim_lease_seconds,
        documents=documents,
    )
