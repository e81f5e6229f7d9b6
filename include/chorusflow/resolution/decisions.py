"""What a person may decide about a blocked invoice, and the checks an answer passes before anything is sent.

One :class:`Decision` per answer, whatever it came through (a human-in-the-loop form, the DAG's Params
form, ``chorusflow resolve``). :func:`check_decision` returns the findings (stable rule codes, FR/EN
messages) that refuse it; the resolver sends nothing for a refused answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from chorusflow.ledger import InvoiceDetail, InvoiceRow, InvoiceState, ResolutionOutcome
from chorusflow.messages import LANGUAGES, text
from chorusflow.rules.checks.attachments import AttachmentRules
from chorusflow.rules.checks.buyers import BuyerRules
from chorusflow.rules.codes import Finding, finding
from chorusflow.storage import safe_name

#: A document uploaded from the browser and kept in shared storage
#: (:func:`chorusflow.storage.attachment_key`: ``attachments/<supplier key>/<sha256>/<name>``).
STORED_ATTACHMENT = re.compile(r"^attachments/([A-Za-z0-9._-]+)/[0-9a-f]{64}/[A-Za-z0-9._-]+$")


class Action(StrEnum):
    """A decision about one invoice."""

    COMPLETE = "complete"  # SUSPENDUE: ajouter/fichier, then completer
    RECYCLE = "recycle"  # A_RECYCLER: recycler with a new service code and/or engagement
    ACKNOWLEDGE = "acknowledge"  # REJETEE: traiterRejet only
    REISSUE = "reissue"  # REJETEE: traiterRejet; a corrected invoice follows under a new number
    CREDIT_NOTE = "credit_note"  # REJETEE: traiterRejet; a credit note follows under a new number
    ABANDON = "abandon"  # REJETEE: traiterRejet; nothing follows
    ADOPT = "adopt"  # needs_review: it is on Chorus Pro under this id
    RELEASE = "release"  # needs_review: it is not on Chorus Pro; deposit it again


class Kind(StrEnum):
    """What the platform (or the ledger) expects from the supplier for one invoice."""

    SUSPENDED = "suspended"
    TO_RECYCLE = "to_recycle"
    REJECTED = "rejected"
    REVIEW = "review"


#: The Chorus Pro status each kind answers (review is a ledger state, not a status).
KIND_OF_STATUS: dict[str, Kind] = {
    "SUSPENDUE": Kind.SUSPENDED,
    "A_RECYCLER": Kind.TO_RECYCLE,
    "REJETEE": Kind.REJECTED,
}

ACTIONS_OF_KIND: dict[Kind, tuple[Action, ...]] = {
    Kind.SUSPENDED: (Action.COMPLETE,),
    Kind.TO_RECYCLE: (Action.RECYCLE,),
    Kind.REJECTED: (Action.REISSUE, Action.CREDIT_NOTE, Action.ABANDON, Action.ACKNOWLEDGE),
    Kind.REVIEW: (Action.ADOPT, Action.RELEASE),
}

#: Rejection decisions: each acknowledges the rejection first (traiterRejet).
REJECTION_ACTIONS = frozenset({Action.ACKNOWLEDGE, Action.REISSUE, Action.CREDIT_NOTE, Action.ABANDON})
#: Rejection decisions that name the invoice replacing the rejected one.
REPLACING_ACTIONS = frozenset({Action.REISSUE, Action.CREDIT_NOTE})


def action_label(action: Action, lang: str) -> str:
    """The label of ``action`` in ``lang``."""
    return text(f"resolution.action.{action.value}", lang)


def action_from_answer(answer: str) -> Action | None:
    """The action an answer names: its value (``recycle``) or its label in either language."""
    given = answer.strip()
    for action in Action:
        if given == action.value or given in {action_label(action, lang) for lang in LANGUAGES}:
            return action
    return None


def kind_of(row: InvoiceRow) -> Kind | None:
    """What is expected for this invoice now (``None``: no decision is asked for)."""
    if row.state is InvoiceState.NEEDS_REVIEW:
        return Kind.REVIEW
    if row.state is InvoiceState.BLOCKED:
        return KIND_OF_STATUS.get(row.chorus_status or "")
    return None


def awaits_decision(invoice: InvoiceDetail) -> bool:
    """Whether a person still has to decide about ``invoice``: its state asks for a decision and no
    decision about its current blocking event succeeded."""
    if kind_of(invoice) is None:
        return False
    current = event_key(invoice)
    return not any(
        row.event_key == current and row.outcome is ResolutionOutcome.SUCCEEDED for row in invoice.resolutions
    )


def decision_label(invoice_number: str, supplier_id: str | None = None) -> str:
    """How a decision about an invoice is labelled (its HITL task, its link): the number, preceded by
    the supplier's id in a deployment of several suppliers (``acme_lyon: F-1``), as the sync names
    its changes; two suppliers' invoices may share a number."""
    return f"{supplier_id}: {invoice_number}" if supplier_id else invoice_number


def decision_url(base_url: str, label: str) -> str:
    """The decision page of the decision ``label`` (:func:`decision_label`) under Airflow's ``base_url``."""
    return f"{base_url.rstrip('/')}/chorusflow-decisions/{quote(label, safe='')}"


def event_key(row: InvoiceRow) -> str:
    """The blocking event a decision answers: a second suspension is a new event, asking again."""
    if row.state is InvoiceState.NEEDS_REVIEW:
        return f"needs_review@{row.version}"
    moment = row.chorus_status_at.isoformat() if row.chorus_status_at else "-"
    return f"{row.chorus_status}@{moment}"


class Decision(BaseModel):
    """One person's answer about one invoice, with what it needs (unused fields stay empty)."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    action: Action
    decided_by: str = Field(min_length=1)
    source: str = "cli"  # hitl, params or cli
    comment: str | None = None
    #: A file of the attachments folder (CLI), or the key of a document uploaded from the browser.
    attachment: str | None = None
    service_code: str | None = None
    engagement: str | None = None
    new_number: str | None = None  # re-issue or credit note
    chorus_id: int | None = None  # adopt
    #: The blocking event answered (from the form that asked); ``None``: the invoice's current one.
    event_key: str | None = None

    def recorded(self) -> dict[str, object]:
        """What the ledger keeps of the decision (no secret can be in it)."""
        return self.model_dump(mode="json", exclude_none=True)


#: The answer forms' fields besides the invoice number and the action, as a :class:`Decision` names them.
FORM_FIELDS = ("attachment", "comment", "service_code", "engagement", "new_number", "chorus_id")


def blank_to_none(value: object) -> object:
    """A form's empty field (``None``, or only spaces) as ``None``; anything else as given."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def decision_from_answer(
    invoice_number: str,
    event_key: str | None,
    chosen: Sequence[str],
    fields: Mapping[str, object],
    decided_by: str,
    *,
    source: str,
    lang: str,
) -> Decision | Finding:
    """One person's answer (the options chosen, the form's fields) as a :class:`Decision`; an answer
    naming no action is refused (``RESOLUTION_OPTION_UNKNOWN``, nothing is sent)."""
    answer = chosen[0] if chosen else ""
    action = action_from_answer(answer)
    if action is None:
        return finding("RESOLUTION_OPTION_UNKNOWN", lang, value=answer, options=", ".join(chosen) or "-")
    values: dict[str, Any] = {name: blank_to_none(fields.get(name)) for name in FORM_FIELDS}
    return Decision(
        invoice_number=invoice_number,
        action=action,
        decided_by=decided_by,
        source=source,
        event_key=event_key,
        **values,
    )


def check_decision(
    decision: Decision,
    row: InvoiceRow,
    *,
    attachments: AttachmentRules,
    attachments_folder: Path,
    buyers: BuyerRules | None,
    lang: str,
    stored: AttachmentRules | None = None,
    supplier_key: str = "",
) -> list[Finding]:
    """The findings that refuse ``decision`` about ``row``; empty when it may be applied.

    ``stored`` checks documents uploaded from the browser (shared storage), which must be the
    ``supplier_key``'s own. Without ``buyers`` (the decision page, before the task), a recycle's
    routing is only checked for presence: the directory is the task's to ask."""
    kind = kind_of(row)
    if kind is None or decision.action not in ACTIONS_OF_KIND[kind]:
        status = row.chorus_status if row.state is InvoiceState.BLOCKED else row.state.value
        return [
            finding(
                "RESOLUTION_NOT_EXPECTED",
                lang,
                number=row.invoice_number,
                status=status or row.state.value,
                action=action_label(decision.action, lang),
            )
        ]
    if decision.action is Action.COMPLETE:
        return _completion_findings(decision, attachments, attachments_folder, lang, stored, supplier_key)
    if decision.action is Action.RECYCLE:
        return _routing_findings(decision, row, buyers, lang)
    if decision.action in REPLACING_ACTIONS:
        return _replacement_findings(decision, row, lang)
    if decision.action is Action.ADOPT and decision.chorus_id is None:
        return [finding("RESOLUTION_CHORUS_ID_MISSING", lang, number=row.invoice_number)]
    return []


def _completion_findings(
    decision: Decision,
    attachments: AttachmentRules,
    folder: Path,
    lang: str,
    stored: AttachmentRules | None,
    supplier_key: str,
) -> list[Finding]:
    found: list[Finding] = []
    if not (decision.comment or "").strip():
        found.append(finding("RESOLUTION_COMMENT_MISSING", lang, "comment"))
    if decision.attachment and STORED_ATTACHMENT.match(decision.attachment):
        found += stored_attachment_findings(decision.attachment, stored, supplier_key, lang)
    elif decision.attachment:
        found += attachment_findings(decision.attachment, attachments, folder, lang)
    return found


def stored_attachment_findings(
    key: str, stored: AttachmentRules | None, supplier_key: str, lang: str
) -> list[Finding]:
    """A document uploaded from the browser: the supplier's own, still in storage, and passing the
    export's attachment rules again (the same :class:`AttachmentRules`)."""
    match = STORED_ATTACHMENT.match(key)
    shown = key.rpartition("/")[2]
    if stored is None or match is None or match.group(1) != safe_name(supplier_key):
        return [finding("RESOLUTION_DOCUMENT_NOT_FOUND", lang, "attachment", value=shown)]
    _, found = stored.check(key)
    return [
        finding("RESOLUTION_DOCUMENT_NOT_FOUND", lang, "attachment", value=shown)
        if item.code in ("ATTACHMENT_NOT_FOUND", "ATTACHMENT_OUTSIDE_EXPORT")
        else item
        for item in found
    ]


def attachment_findings(value: str, attachments: AttachmentRules, folder: Path, lang: str) -> list[Finding]:
    """The export's attachment rules (PDF, 10 MB, 50 characters), inside the attachments folder."""
    relative = relative_to_folder(value, folder)
    if relative is None:
        return [
            finding("RESOLUTION_ATTACHMENT_OUTSIDE_FOLDER", lang, "attachment", value=value, folder=folder)
        ]
    _, found = attachments.check(relative)
    renamed = {
        "ATTACHMENT_OUTSIDE_EXPORT": "RESOLUTION_ATTACHMENT_OUTSIDE_FOLDER",
        "ATTACHMENT_NOT_FOUND": "RESOLUTION_ATTACHMENT_NOT_FOUND",
    }
    return [
        finding(renamed[item.code], lang, "attachment", value=value, folder=folder)
        if item.code in renamed
        else item
        for item in found
    ]


def relative_to_folder(value: str, folder: Path) -> str | None:
    """``value`` as a path relative to ``folder`` (an absolute path must lie inside it), else ``None``."""
    path = Path(value)
    if not path.is_absolute():
        return value
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return None


def _routing_findings(
    decision: Decision, row: InvoiceRow, buyers: BuyerRules | None, lang: str
) -> list[Finding]:
    service, engagement = decision.service_code, decision.engagement
    if not (service or engagement):
        return [finding("RESOLUTION_ROUTING_MISSING", lang, "service_code")]
    if buyers is None:
        return []
    current = recorded_routing(row)
    service = service or current[0]
    engagement = engagement or current[1]
    outcome = buyers.outcome(row.buyer_siret or "", service or "", engagement or "")
    return [item for item in outcome.findings if item.severity == "error"]


def recorded_routing(row: InvoiceRow) -> tuple[str | None, str | None]:
    """The service code and engagement the invoice was deposited with (from its normalized record)."""
    normalized = getattr(row, "normalized", None) or {}
    return normalized.get("service_code"), normalized.get("engagement_number")


def _replacement_findings(decision: Decision, row: InvoiceRow, lang: str) -> list[Finding]:
    number = (decision.new_number or "").strip()
    if not number:
        return [finding("RESOLUTION_NEW_NUMBER_MISSING", lang, "invoice_number", number=row.invoice_number)]
    if number == row.invoice_number:
        return [finding("RESOLUTION_SAME_NUMBER", lang, "invoice_number", value=number)]
    return []


def messages(findings: Sequence[Finding]) -> str:
    """The findings as one line: ``CODE: message; CODE: message``."""
    return "; ".join(f"{item.code}: {item.message}" for item in findings)
