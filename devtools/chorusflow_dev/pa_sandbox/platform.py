"""The approved platform's behaviour behind the HTTP layer: flows, acknowledgements, lifecycles.

State lives in memory (``reset()`` empties it). Each call first runs ``advance()``, which
acknowledges every flow whose processing time has come (timing profile, docs/pa-sandbox.md).
``updatedAt`` values are strictly increasing (one millisecond apart at least) so paging by
``updatedAfter``, the annex's only paging, never skips a flow.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chorusflow.platforms.approved_platform.cdar import (
    BUYER_STATUSES,
    REASONS,
    STATUSES,
    SUPPLIER_STATUSES,
    Lifecycle,
    Party,
    build_cdar,
    read_cdar,
    schematron_failures,
    xsd_errors,
)
from chorusflow_dev.pa_sandbox.directory import PaDirectory, Supplier
from chorusflow_dev.pa_sandbox.invoices import CDAR_ROOT, FlowRefused, InvoiceFacts, parse_xml, read_invoice
from chorusflow_dev.pa_sandbox.settings import PaFaults

MAX_FILE_BYTES = 10 * 1024 * 1024
SEARCH_LIMIT_DEFAULT = 25
SEARCH_LIMIT_MAX = 100
#: Statuses after which the buyer can no longer act on the invoice (XP Z12-012 lifecycle).
FINAL = frozenset({210, 212, 213})


class AdminRefused(Exception):
    """An admin action that does not apply (HTTP 409 or 400 with a message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def iso(moment: datetime) -> str:
    """RFC 3339 with milliseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class FlowRecord:
    """One flow, deposited by a supplier (Out) or emitted to it (In)."""

    flow_id: str
    owner: str  # supplier SIREN
    tracking_id: str | None
    name: str
    flow_syntax: str
    flow_profile: str | None
    processing_rule: str
    processing_rule_source: str
    flow_type: str
    direction: str
    sha256_given: str | None
    content: bytes
    submitted_at: datetime
    updated_at: datetime
    ack_status: str = "Pending"
    ack_details: list[dict[str, str]] = field(default_factory=list)
    due_epoch: float | None = None  # simulated seconds at which it is acknowledged
    reads_left: int = 0
    invoice_key: str | None = None

    def flow(self) -> dict[str, Any]:
        """The annex's ``Flow`` object."""
        answer: dict[str, Any] = {
            "submittedAt": iso(self.submitted_at),
            "updatedAt": iso(self.updated_at),
            "flowId": self.flow_id,
            "flowType": self.flow_type,
            "processingRule": self.processing_rule,
            "processingRuleSource": self.processing_rule_source,
            "flowDirection": self.direction,
            "flowSyntax": self.flow_syntax,
            "acknowledgement": {"status": self.ack_status},
        }
        if self.tracking_id is not None:
            answer["trackingId"] = self.tracking_id
        if self.flow_profile is not None:
            answer["flowProfile"] = self.flow_profile
        if self.ack_details:
            answer["acknowledgement"]["details"] = self.ack_details
        return answer


@dataclass
class InvoiceRecord:
    """An invoice the platform accepted, with its lifecycle."""

    key: str
    flow_id: str
    owner: str
    facts: InvoiceFacts
    received_at: datetime
    status: int = 200
    history: list[dict[str, Any]] = field(default_factory=list)
    paid: Decimal = Decimal(0)


class PaPlatform:
    """Flows, invoices and lifecycles of every supplier; callers hold ``lock``."""

    def __init__(self, directory: PaDirectory, faults: PaFaults) -> None:
        self.directory = directory
        self.faults = faults
        self.lock = threading.RLock()
        self.random = random.Random(faults.seed)
        self.flows: dict[str, FlowRecord] = {}
        self.invoices: dict[str, InvoiceRecord] = {}
        self.last_update = datetime.fromtimestamp(0, UTC)
        self._started_real = time.monotonic()
        self._started_simulated = 0.0
        self._speed = faults.clock_speed

    # ------------------------------------------------------------ time

    def simulated_seconds(self) -> float:
        """Platform time elapsed (clock_speed simulated seconds per real second)."""
        return self._started_simulated + (time.monotonic() - self._started_real) * self._speed

    def restart_clock(self, simulated_seconds: float) -> None:
        """Go on from ``simulated_seconds`` of platform time (a restored state)."""
        self._started_simulated = simulated_seconds
        self._started_real = time.monotonic()

    def set_clock_speed(self, speed: float) -> None:
        """Change the clock speed from now on (the simulated time so far is kept)."""
        self._started_simulated = self.simulated_seconds()
        self._started_real = time.monotonic()
        self._speed = speed

    def _stamp(self) -> datetime:
        """Now, strictly after every ``updatedAt`` handed out so far."""
        now = datetime.now(UTC).replace(microsecond=datetime.now(UTC).microsecond // 1000 * 1000)
        if now <= self.last_update:
            now = self.last_update + timedelta(milliseconds=1)
        self.last_update = now
        return now

    # ------------------------------------------------------------ deposit

    def deposit(
        self, supplier: Supplier, info: dict[str, Any], file_name: str | None, content: bytes
    ) -> FlowRecord:
        """Record a conforming ``POST /v1/flows``: Pending until its processing time."""
        syntax = info["flowSyntax"]
        now = self._stamp()
        record = FlowRecord(
            flow_id=str(uuid.uuid4()),
            owner=supplier.siren,
            tracking_id=info.get("trackingId"),
            name=info.get("name") or file_name or "flow",
            flow_syntax=syntax,
            flow_profile=info.get("flowProfile"),
            processing_rule=info.get("processingRule", "B2B"),
            processing_rule_source="Input" if "processingRule" in info else "Computed",
            flow_type="CustomerInvoiceLC" if syntax == "CDAR" else "CustomerInvoice",
            direction="Out",
            sha256_given=info.get("sha256"),
            content=content,
            submitted_at=now,
            updated_at=now,
        )
        if self.faults.ack_delay_seconds is None:
            record.reads_left = self.faults.ack_reads_pending
        else:
            low, high = self.faults.ack_delay_seconds
            record.due_epoch = self.simulated_seconds() + self.random.uniform(low, high)
        self.flows[record.flow_id] = record
        if record.reads_left == 0 and record.due_epoch is None:
            self._acknowledge(record)
        return record

    def advance(self) -> None:
        """Acknowledge every Pending flow whose simulated processing time has come."""
        now = self.simulated_seconds()
        for record in sorted(self.flows.values(), key=lambda r: r.submitted_at):
            if record.ack_status == "Pending" and record.due_epoch is not None and record.due_epoch <= now:
                self._acknowledge(record)

    def touch(self, owner: str) -> None:
        """The supplier ``owner`` called the Flow Service: on the fast profile, each call counts as one
        read of its Pending flows, the last Pending read acknowledges them."""
        for record in sorted(self.flows.values(), key=lambda r: r.submitted_at):
            if record.owner == owner and record.ack_status == "Pending" and record.due_epoch is None:
                if record.reads_left <= 0:
                    self._acknowledge(record)
                else:
                    record.reads_left -= 1

    def _acknowledge(self, record: FlowRecord) -> None:
        try:
            forced = self.faults.forced_reasons.get(record.tracking_id or "")
            if forced is not None:
                raise FlowRefused(
                    forced, f"acknowledgement forced by the sandbox's forced_reasons ({forced})"
                )
            self._check_integrity(record)
            if record.flow_syntax == "CDAR":
                self._accept_lifecycle(record)
            elif record.flow_syntax == "FRR":
                raise FlowRefused("FlowTypeError", "e-reporting (FRR) flows are not taken by this platform")
            else:
                self._accept_invoice(record)
        except FlowRefused as refusal:
            record.ack_status = "Error"
            record.ack_details = [
                {
                    "level": "Error",
                    "item": record.name,
                    "reasonCode": refusal.reason,
                    "reasonMessage": refusal.message,
                }
            ]
        else:
            record.ack_status = "Ok"
        record.updated_at = self._stamp()

    def _check_integrity(self, record: FlowRecord) -> None:
        if not record.content:
            raise FlowRefused("EmptyFlow", "the file is empty")
        digest = hashlib.sha256(record.content).hexdigest()
        if record.sha256_given is not None and digest != record.sha256_given:
            raise FlowRefused(
                "ChecksumMismatch", f"sha256 of the file is {digest}, flowInfo says {record.sha256_given}"
            )
        if len(record.content) > MAX_FILE_BYTES:
            raise FlowRefused("FileSizeExceeded", f"the file exceeds {MAX_FILE_BYTES} bytes")

    def _duplicate_tracking(self, record: FlowRecord) -> bool:
        return record.tracking_id is not None and any(
            other.flow_id != record.flow_id
            and other.owner == record.owner
            and other.direction == "Out"
            and other.tracking_id == record.tracking_id
            and other.ack_status == "Ok"
            for other in self.flows.values()
        )

    def _accept_invoice(self, record: FlowRecord) -> None:
        facts = read_invoice(record.flow_syntax, record.content, record.flow_profile)
        if self._duplicate_tracking(record):
            raise FlowRefused("AlreadyExistingFlow", f"trackingId {record.tracking_id} was already received")
        if facts.seller_siren != record.owner:
            raise FlowRefused(
                "OtherTechnicalError",
                f"the seller's SIREN {facts.seller_siren or '(none)'} is not this account's",
            )
        key = f"{facts.seller_siren}/{facts.date[:4]}/{facts.number}"
        existing = self.invoices.get(key)
        if existing is not None and existing.status != 213:
            raise FlowRefused(
                "AlreadyExistingFlow", f"invoice {facts.number} of {facts.date[:4]} was already received"
            )
        invoice = InvoiceRecord(key, record.flow_id, record.owner, facts, record.submitted_at)
        self.invoices[key] = invoice
        record.invoice_key = key
        rejection = self._rejection(record, facts)
        if rejection is None:
            self._emit(invoice, 200, self._platform_party())
        else:
            self._emit(invoice, 213, self._platform_party(), *rejection)

    def _rejection(self, record: FlowRecord, facts: InvoiceFacts) -> tuple[str, str] | None:
        """Why the platform rejects an invoice whose file passed the technical checks (213 Rejetée),
        or None: EN 16931 and French rules (chorusflow's Factur-X checks), then the directory."""
        if record.flow_syntax in ("Factur-X", "CII"):
            from chorusflow.facturx import check_facturx

            errors = [f for f in check_facturx(record.content, lang="en") if f.severity == "error"]
            if errors:
                return "REJ_SEMAN", "; ".join(f"{f.code}: {f.message}" for f in errors[:5])
        if not self.directory.receives(facts.buyer_siren):
            return "DEST_INC", "Destinataire absent de l'annuaire"
        return None

    def _accept_lifecycle(self, record: FlowRecord) -> None:
        errors = xsd_errors(record.content)
        if errors:
            raise FlowRefused("InvalidSchema", "; ".join(errors[:5]))
        root = parse_xml(record.content)
        if root.tag != f"{CDAR_ROOT}CrossDomainAcknowledgementAndResponse":
            raise FlowRefused("FlowTypeError", f"flowSyntax CDAR but the root element is {root.tag}")
        failures = schematron_failures(record.content)
        if failures:
            raise FlowRefused("InvoiceLCRuleError", "; ".join(failures[:5]))
        if self._duplicate_tracking(record):
            raise FlowRefused("AlreadyExistingFlow", f"trackingId {record.tracking_id} was already received")
        lifecycle = read_cdar(record.content)
        if lifecycle.status not in SUPPLIER_STATUSES:
            raise FlowRefused(
                "InvoiceLCStatusError", f"status {lifecycle.status} is not one a supplier sends"
            )
        if lifecycle.seller_siren != record.owner or lifecycle.issuer.siren != record.owner:
            raise FlowRefused("InvoiceLCAccessDenied", "the lifecycle is about another seller's invoice")
        key = f"{lifecycle.seller_siren}/{lifecycle.invoice_date[:4]}/{lifecycle.invoice_number}"
        invoice = self.invoices.get(key)
        if invoice is None:
            raise FlowRefused(
                "InvoiceLCInvalidStatus", f"no invoice {lifecycle.invoice_number} received here"
            )
        self._check_supplier_status(invoice, lifecycle)
        record.invoice_key = key
        invoice.status = lifecycle.status
        if lifecycle.paid_amount is not None:
            invoice.paid += lifecycle.paid_amount
        invoice.history.append(
            {
                "status": lifecycle.status,
                "label": STATUSES[lifecycle.status],
                "by": "SE",
                "flowId": record.flow_id,
            }
        )

    def _check_supplier_status(self, invoice: InvoiceRecord, lifecycle: Lifecycle) -> None:
        if lifecycle.status == 209 and invoice.status != 208:
            raise FlowRefused(
                "InvoiceLCInvalidStatus", f"Complétée answers a Suspendue, the invoice is {invoice.status}"
            )
        if lifecycle.status == 212:
            if invoice.status in (210, 213):
                raise FlowRefused("InvoiceLCInvalidStatus", f"the invoice is {STATUSES[invoice.status]}")
            if lifecycle.paid_amount is None or lifecycle.paid_amount <= 0:
                raise FlowRefused("InvoiceLCAmountError", "Encaissée without a positive amount")
            if invoice.paid + lifecycle.paid_amount > invoice.facts.total:
                raise FlowRefused(
                    "InvoiceLCAmountError",
                    f"{invoice.paid + lifecycle.paid_amount} received, the total is {invoice.facts.total}",
                )

    # ------------------------------------------------------------ lifecycles

    def _platform_party(self) -> Party:
        return Party(self.directory.platform.siren, self.directory.platform.name, "WK")

    def _emit(
        self,
        invoice: InvoiceRecord,
        status: int,
        issuer: Party,
        reason_code: str | None = None,
        reason: str | None = None,
    ) -> FlowRecord:
        """Record a status and hand its CDAR to the supplier as an incoming ``CustomerInvoiceLC`` flow."""
        facts = invoice.facts
        seller = Party(facts.seller_siren, self.directory.name_of(facts.seller_siren), "SE")
        lifecycle = Lifecycle(
            facts.number,
            facts.date,
            facts.type_code,
            status,
            facts.seller_siren,
            issuer,
            seller,
            reason_code,
            reason,
        )
        now = self._stamp()
        content = build_cdar(lifecycle, now, invoice.received_at)
        record = FlowRecord(
            flow_id=str(uuid.uuid4()),
            owner=invoice.owner,
            tracking_id=None,
            name=f"CDV-{status}_{facts.number}.xml",
            flow_syntax="CDAR",
            flow_profile=None,
            processing_rule="B2B",
            processing_rule_source="Computed",
            flow_type="CustomerInvoiceLC",
            direction="In",
            sha256_given=None,
            content=content,
            submitted_at=now,
            updated_at=now,
            ack_status="Ok",
            invoice_key=invoice.key,
        )
        self.flows[record.flow_id] = record
        invoice.status = status
        invoice.history.append(
            {
                "status": status,
                "label": STATUSES[status],
                "by": issuer.role,
                "reasonCode": reason_code,
                "reason": reason,
                "flowId": record.flow_id,
            }
        )
        return record

    def buyer_action(
        self, flow_id: str, status: int, reason_code: str | None, reason: str | None
    ) -> FlowRecord:
        """The buyer sets ``status`` on the invoice deposited as ``flow_id`` (admin endpoint)."""
        record = self.flows.get(flow_id)
        invoice = self.invoices.get(record.invoice_key or "") if record is not None else None
        if record is None or invoice is None or record.direction != "Out":
            raise AdminRefused(404, f"no accepted invoice flow {flow_id}")
        if status not in BUYER_STATUSES:
            raise AdminRefused(400, f"status {status} is not a buyer's ({sorted(BUYER_STATUSES)})")
        if invoice.status in FINAL:
            raise AdminRefused(409, f"the invoice is {STATUSES[invoice.status]} ({invoice.status}): final")
        allowed = REASONS.get(status)
        if allowed is not None and reason_code not in allowed:
            raise AdminRefused(400, f"status {status} needs a reason code among {sorted(allowed)}")
        if allowed is None and reason_code is not None:
            raise AdminRefused(400, f"status {status} takes no reason code")
        buyer = invoice.facts.buyer_siren
        return self._emit(
            invoice, status, Party(buyer, self.directory.name_of(buyer), "BY"), reason_code, reason
        )

    # ------------------------------------------------------------ search

    def search(self, owner: str, where: dict[str, Any], limit: int) -> list[FlowRecord]:
        """Flows of ``owner`` matching every filter, oldest ``updatedAt`` first, at most ``limit``."""

        def matches(record: FlowRecord) -> bool:
            if record.owner != owner:
                return False
            checks = [
                ("updatedAfter", lambda v: record.updated_at > _parse(v)),
                ("updatedBefore", lambda v: record.updated_at < _parse(v)),
                ("processingRule", lambda v: record.processing_rule in v),
                ("flowType", lambda v: record.flow_type in v),
                ("flowDirection", lambda v: record.direction in v),
                ("trackingId", lambda v: record.tracking_id == v),
                ("ackStatus", lambda v: record.ack_status == v),
            ]
            return all(test(where[name]) for name, test in checks if name in where)

        found = sorted((r for r in self.flows.values() if matches(r)), key=lambda r: r.updated_at)
        return found[:limit]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
