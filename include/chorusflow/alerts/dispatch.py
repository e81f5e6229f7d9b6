"""Sending each alert event once per channel, with the ledger as memory.

Per event and channel, a numbered *claim* (``<event key>#<channel>#try<n>``) is recorded in the
ledger **before** sending, and ``<event key>#<channel>`` **after** a delivery. A failed send records
``…#try<n>#failed``, so the next run tries again (claim ``try<n+1>``), up to ``MAX_TRIES``. A claim
without a result means the process died while sending: the message may be out, so it is never
sent again (at most once per channel; the event is marked ``in_doubt``). When every channel is
done, the event itself (``<event key>``) is recorded with the channels that delivered it; whether a
channel still has to send is always decided by its own keys.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chorusflow.alerts.delivery import Channel
from chorusflow.alerts.events import AlertEvent
from chorusflow.alerts.render import RenderedAlert, render
from chorusflow.ledger import Ledger, safe_error_text
from chorusflow.messages import REGISTRY, Language, text

log = logging.getLogger(__name__)

MAX_TRIES = 5
DELIVERED, FAILED, IN_DOUBT, GIVEN_UP, ALREADY = "delivered", "failed", "in_doubt", "given_up", "already"


def _kind_count(kind: str, count: int, lang: Language | None) -> str:
    """``3 facture(s) bloquée(s)``: how many new alerts of a kind, in words."""
    key = f"dispatch.kind.{kind}"
    return text(key, lang, count=count) if key in REGISTRY else f"{kind} {count}"


@dataclass
class DispatchReport:
    """What one dispatch did, for the task log and the run note."""

    new_events: list[str] = field(default_factory=list)  # event keys alerted for the first time (any channel)
    outcomes: Counter[str] = field(default_factory=Counter)  # "<channel>:<outcome>" -> count
    errors: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def summary_text(self, lang: Language | None = None) -> str:
        """One sentence."""
        failed = sum(count for key, count in self.outcomes.items() if key.endswith(f":{FAILED}"))
        kinds = ", ".join(_kind_count(kind, count, lang) for kind, count in sorted(self.kinds.items()))
        sentence = (
            text("dispatch.new", lang, count=len(self.new_events)) + (f" ({kinds})" if kinds else "") + "."
        )
        return sentence + (text("dispatch.failed", lang, failed=failed) if failed else "")

    def to_xcom(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "new_events": self.new_events[:200],
            "new_count": len(self.new_events),
            "outcomes": dict(self.outcomes),
            "errors": self.errors[:50],
            "kinds": dict(self.kinds),
            "summary": self.summary_text(),
        }


class AlertDispatcher:
    """Sends events through every channel, once per event and channel, whatever fails."""

    def __init__(self, ledger: Ledger, channels: Sequence[Channel], lang: Language | None = None) -> None:
        self.ledger = ledger
        self.channels = list(channels)
        self.lang = lang

    def dispatch(self, events: Sequence[AlertEvent]) -> DispatchReport:
        """Send what was not sent yet; one failing channel or event never stops the others."""
        report = DispatchReport()
        for event in events:
            try:
                self._dispatch_one(event, report)
            except Exception as error:  # e.g. the ledger briefly unreachable: the next run tries again
                message = safe_error_text(f"{event.event_key}: {type(error).__name__}: {error}") or ""
                log.warning("Alert %s", message)
                report.errors.append(message)
        return report

    def _dispatch_one(self, event: AlertEvent, report: DispatchReport) -> None:
        self.send_once(
            event.event_key,
            event.kind.value,
            render(event, self.lang),
            event.payload(),
            report,
            invoice_id=event.invoice_id,
            label=event.invoice_number,
        )

    def send_once(
        self,
        event_key: str,
        kind: str,
        rendered: RenderedAlert,
        payload: dict[str, Any],
        report: DispatchReport,
        *,
        invoice_id: int | None = None,
        label: str | None = None,
    ) -> None:
        """Send one rendered message through every channel that has not delivered it yet.

        Decided per channel, not per event: a notifier with one channel must not hide the event
        from another.
        """
        outcomes = {
            channel.name: self._deliver(event_key, kind, invoice_id, label, channel, rendered, report)
            for channel in self.channels
        }
        for name, outcome in outcomes.items():
            report.outcomes[f"{name}:{outcome}"] += 1
        if any(outcome == DELIVERED for outcome in outcomes.values()):
            report.new_events.append(event_key)
            report.kinds[kind] += 1
        if all(outcome != FAILED for outcome in outcomes.values()):
            delivered = ",".join(
                name for name, outcome in outcomes.items() if outcome in (DELIVERED, ALREADY)
            )
            self.ledger.record_alert(event_key, kind, invoice_id, delivered or "none", payload)

    def _deliver(
        self,
        event_key: str,
        kind: str,
        invoice_id: int | None,
        label: str | None,
        channel: Channel,
        rendered: RenderedAlert,
        report: DispatchReport,
    ) -> str:
        done_key = f"{event_key}#{channel.name}"
        if self.ledger.alert_already_sent(done_key):
            return ALREADY
        for attempt in range(1, MAX_TRIES + 1):
            claim_key = f"{done_key}#try{attempt}"
            if self.ledger.alert_already_sent(claim_key):
                if self.ledger.alert_already_sent(f"{claim_key}#failed"):
                    continue
                return IN_DOUBT  # a send started and never reported: it may be out, never resend
            if not self.ledger.record_alert(claim_key, kind, invoice_id, channel.name, {}):
                return IN_DOUBT  # another run claimed it this very moment
            try:
                channel.send(rendered)
            except Exception as error:
                message = safe_error_text(f"{channel.name}: {error}") or channel.name
                log.warning("Alert %s not delivered (try %d): %s", event_key, attempt, message)
                report.errors.append(f"{label or kind}: {message}")
                self.ledger.record_alert(
                    f"{claim_key}#failed", kind, invoice_id, channel.name, {"error": message}
                )
                return FAILED
            self.ledger.record_alert(done_key, kind, invoice_id, channel.name, {})
            return DELIVERED
        return GIVEN_UP
