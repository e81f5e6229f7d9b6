"""The desk's links to decisions: which invoices wait for an answer in an open decision form.

Kept apart from the pages so the desk stays readable: the desk app asks Airflow for the labels of
the open decisions (``chorusflow.airflow.decisions.awaiting_labels``), :func:`open_decision_links`
turns them into one link per invoice number, and the pages show :func:`awaiting_marker` (list,
*À traiter*) and :func:`decision_action` (an invoice's page) with it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from chorusflow.messages import Language, text

#: Where the decision pages answer (plugins/chorusflow_decisions.py), under the Airflow UI's root.
DECISIONS_PREFIX = "/chorusflow-decisions"


def decision_url(airflow_base: str, label: str, lang: Language) -> str:
    """The decision page about ``label`` (an invoice number, or ``<supplier id>: <number>``)."""
    return f"{airflow_base}{DECISIONS_PREFIX}/{quote(label, safe='')}?lang={lang}"


def open_decision_links(labels: Iterable[str], airflow_base: str, lang: Language) -> dict[str, str]:
    """Invoice number → its open decision's page, from the labels of the decisions awaiting an answer."""
    links: dict[str, str] = {}
    for label in labels:
        number = label.partition(": ")[2] or label
        links.setdefault(number, decision_url(airflow_base, label, lang))
    return links


def awaiting_marker(number: str | None, awaiting: Mapping[str, str], lang: Language) -> str:
    """A short "awaiting decision" link beside an invoice number, or ``""``."""
    url = awaiting.get(number or "")
    if url is None:
        return ""
    label = html.escape(text("resolution.page.awaiting_short", lang))
    return f' <a class="badge awaiting" href="{html.escape(url)}">{label}</a>'


def decision_action(
    number: str, awaiting: Mapping[str, str], may_decide: bool, airflow_base: str, lang: Language
) -> str:
    """An invoice page's way to its decision: the open form, or the page that reopens it; ``""`` when
    the invoice waits for no decision (``may_decide`` false)."""
    url = awaiting.get(number)
    if url is not None:
        label = text("resolution.page.awaiting", lang)
    elif may_decide:
        url, label = decision_url(airflow_base, number, lang), text("resolution.page.decide", lang)
    else:
        return ""
    return f'<p class="todo" id="decision-link"><a href="{html.escape(url)}">{html.escape(label)}</a></p>'
