"""At most once on a PA: deposit a flow keyed by ``trackingId``, and read its acknowledgement.

``deposit_once`` never submits after an unknown outcome without first searching the platform by
``trackingId`` (invariant 1); one flow found is adopted, several are a person's decision. The
acknowledgement (Annex A ``FlowAckStatus``) is read into a typed :class:`AckOutcome`, decided from
reason codes, never from ``reasonMessage``: ``AlreadyExistingFlow`` means the platform already
holds this invoice, so it is adopted, not failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from chorusflow.platforms.approved_platform.client import ApprovedPlatformClient
from chorusflow.platforms.approved_platform.errors import AmbiguousDepositError, ApprovedPlatformError
from chorusflow.platforms.approved_platform.models import AckStatus, Flow, FlowProfile, FlowSyntax

logger = logging.getLogger(__name__)

ALREADY_EXISTING = "AlreadyExistingFlow"


class AckKind(StrEnum):
    """What an acknowledgement means for the invoice."""

    PENDING = "pending"  # not yet integrated: read again later
    ACCEPTED = "accepted"  # Ok: the PA took the flow
    ADOPTED = "adopted"  # AlreadyExistingFlow: the PA already holds it; recorded as deposited
    REFUSED = "refused"  # Error: not integrated; a person fixes the file (reasons below)


class ReasonClass(StrEnum):
    """The class of an acknowledgement reason code (Annex A ``ReasonCodeEnum``)."""

    DUPLICATE = "duplicate"
    INVALID_FILE = "invalid_file"
    SECURITY = "security"
    LIFECYCLE = "lifecycle"
    OTHER = "other"


#: Annex A ``ReasonCodeEnum`` -> class; an extension code (the annex allows them) is ``other``.
REASON_CLASSES: dict[str, ReasonClass] = {
    ALREADY_EXISTING: ReasonClass.DUPLICATE,
    "EmptyAttachement": ReasonClass.INVALID_FILE,
    "AttachmentTypeError": ReasonClass.INVALID_FILE,
    "EmptyFlow": ReasonClass.INVALID_FILE,
    "InvalidSchema": ReasonClass.INVALID_FILE,
    "FileSizeExceeded": ReasonClass.INVALID_FILE,
    "FlowTypeError": ReasonClass.INVALID_FILE,
    "ChecksumMismatch": ReasonClass.INVALID_FILE,
    "VirusFound": ReasonClass.SECURITY,
    "InvoiceLCInvalidStatus": ReasonClass.LIFECYCLE,
    "InvoiceLCStatusError": ReasonClass.LIFECYCLE,
    "InvoiceLCRuleError": ReasonClass.LIFECYCLE,
    "InvoiceLCAccessDenied": ReasonClass.LIFECYCLE,
    "InvoiceLCAmountError": ReasonClass.LIFECYCLE,
    "OtherTechnicalError": ReasonClass.OTHER,
}


@dataclass(frozen=True)
class AckReason:
    """One reason of an acknowledgement: its code, class and the platform's words (for people)."""

    code: str
    reason_class: ReasonClass
    message: str


@dataclass(frozen=True)
class AckOutcome:
    """The typed outcome of a flow's acknowledgement."""

    kind: AckKind
    flow_id: str
    reasons: tuple[AckReason, ...] = ()


def acknowledgement_outcome(flow: Flow) -> AckOutcome:
    """What ``flow``'s acknowledgement means (no acknowledgement yet reads as ``Pending``)."""
    ack = flow.acknowledgement
    status = ack.status if ack is not None else AckStatus.PENDING
    reasons = tuple(
        AckReason(d.reason_code, REASON_CLASSES.get(d.reason_code, ReasonClass.OTHER), d.reason_message)
        for d in (ack.details if ack is not None else ())
        if d.level == "Error" or status is AckStatus.ERROR
    )
    if status is AckStatus.PENDING:
        return AckOutcome(AckKind.PENDING, flow.flow_id)
    if status is AckStatus.OK:
        return AckOutcome(AckKind.ACCEPTED, flow.flow_id)
    if any(reason.reason_class is ReasonClass.DUPLICATE for reason in reasons):
        return AckOutcome(AckKind.ADOPTED, flow.flow_id, reasons)
    return AckOutcome(AckKind.REFUSED, flow.flow_id, reasons)


def find_by_tracking_id(client: ApprovedPlatformClient, tracking_id: str) -> Flow | None:
    """The one flow deposited under ``tracking_id``, ``None`` if none; several: a person decides.

    A refused duplicate (``AlreadyExistingFlow``) left by an earlier try does not count as another
    deposit: the one not refused as a duplicate is the deposit.
    """
    found = client.search_flows(tracking_id=tracking_id)
    found = [flow for flow in found if flow.tracking_id == tracking_id]
    if len(found) > 1:
        found = [f for f in found if acknowledgement_outcome(f).kind is not AckKind.ADOPTED] or found[:1]
    if len(found) > 1:
        raise AmbiguousDepositError(
            f"{len(found)} flows carry trackingId {tracking_id}: a person must say which one stands",
            operation="POST /v1/flows/search",
        )
    return found[0] if found else None


def deposit_once(
    client: ApprovedPlatformClient,
    tracking_id: str,
    *,
    name: str,
    syntax: FlowSyntax | str,
    profile: FlowProfile | str | None,
    file_bytes: bytes,
    processing_rule: str | None = None,
    earlier_outcome_unknown: bool = False,
) -> Flow:
    """Deposit ``file_bytes`` once under ``tracking_id``; the flow deposited or adopted.

    ``earlier_outcome_unknown``: the ledger knows an earlier try may have reached the PA, so the
    platform is searched before anything is sent. After a submit whose outcome is unknown, the
    platform is searched; the flow found is adopted; if none is found, the file is submitted once
    more. An error of the search itself is raised as is: nothing more is sent.
    """
    if earlier_outcome_unknown:
        existing = find_by_tracking_id(client, tracking_id)
        if existing is not None:
            logger.info(
                "trackingId %s: the PA already holds flow %s (adopted)", tracking_id, existing.flow_id
            )
            return existing
    for attempt in (1, 2):
        try:
            return client.submit_flow(
                tracking_id, name, syntax, profile, file_bytes, processing_rule=processing_rule
            )
        except ApprovedPlatformError as error:
            if not error.outcome_unknown or attempt == 2:
                raise
            logger.warning(
                "trackingId %s: outcome unknown (%s); searching before any resend", tracking_id, error
            )
            existing = find_by_tracking_id(client, tracking_id)
            if existing is not None:
                return existing
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
