"""``ask``: one human-in-the-loop question per invoice waiting for a decision, for every supplier."""

from __future__ import annotations

import logging
from typing import Any

from airflow.configuration import conf

from chorusflow.airflow.connections import get_ledger
from chorusflow.messages import Language
from chorusflow.messages import text as message_text
from chorusflow.resolution import decision_label, open_requests
from chorusflow.resolution.decisions import decision_url
from chorusflow.rules.profiles import load_profiles
from chorusflow.settings import settings
from chorusflow.suppliers import load_suppliers

log = logging.getLogger(__name__)


def plan_requests(numbers: list[str] | None) -> list[dict[str, Any]]:
    """One HITL task's arguments per invoice waiting for a decision (``numbers``: only these), for
    every supplier: each task carries its invoice's supplier (``supplier_id``, ``None`` in a
    one-supplier deployment) and is labelled with :func:`decision_label`."""
    ledger = get_ledger()
    suppliers = load_suppliers()
    planned: list[dict[str, Any]] = []
    for supplier in suppliers:
        shown_id = supplier.id if suppliers.several else None
        requests = open_requests(
            ledger,
            supplier.key,
            supplier.language,
            settings().attachments_folder,
            load_profiles(),
            numbers or None,
        )
        planned += [
            {
                "invoice_number": request.invoice_number,
                "supplier_id": shown_id,
                "invoice_label": decision_label(request.invoice_number, shown_id),
                "event_key": request.event_key,
                "subject": request.subject,
                "body": _with_page_link(
                    request.body, decision_label(request.invoice_number, shown_id), supplier.language
                ),
                "options": request.options,
                "fields": request.params,
            }
            for request in requests
        ]
    log.info(
        "%d invoice(s) wait for a decision: %s",
        len(planned),
        ", ".join(item["invoice_label"] for item in planned),
    )
    return planned


def _with_page_link(body: str, label: str, lang: Language) -> str:
    """The question, plus the way to the decision page (upload, reasons of a refusal) for a person who
    opened Airflow's own form; unchanged without ``[api] base_url``."""

    base_url = conf.get("api", "base_url", fallback=None)
    if not base_url:
        return body
    link = decision_url(base_url, label)
    return f"{body}\n\n{message_text('resolution.page.link', lang, url=link)}"
