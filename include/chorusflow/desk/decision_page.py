"""The decision page: one open decision about one invoice, as a form a clerk can answer in the desk.

Plain HTML in the desk's layout (:func:`chorusflow.desk.pages.layout`: same style, no script): the
question's facts, one form per action with its fields (required ones marked, the document to attach
uploaded from the browser), the reasons of a refused answer, and for a person who may not decide the
form read-only with who can. Nothing here imports Airflow; ``chorusflow.airflow.decisions`` serves it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chorusflow.desk.pages import layout
from chorusflow.messages import Language
from chorusflow.messages import text as message_text
from chorusflow.resolution.decisions import Action, action_from_answer
from chorusflow.resolution.requests import FIELDS_OF_ACTION, REQUIRED_FIELDS

#: Seconds before a page that waits for something (an answer applied, a decision reopened) reloads.
REFRESH_SECONDS = 3
_FACT = re.compile(r"^- \*\*(?P<label>.+?)\*\* ?: (?P<value>.*)$")
#: The question's link to this very page (for Airflow's own form): not shown here.
_SELF_LINK = re.compile(r"^\[[^\]]+\]\([^)]*/chorusflow-decisions/[^)]*\)")


def text(key: str, lang: Language, **values: object) -> str:
    """The page's text ``resolution.page.<key>`` in ``lang``."""
    return message_text(f"resolution.page.{key}", lang, **values)


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class DecisionForm:
    """What the page shows about one open decision."""

    label: str  # the invoice number, or ``<supplier id>: <number>``
    subject: str
    body: str
    options: list[str]
    params: Mapping[str, Mapping[str, Any]]
    can_decide: bool
    refused: list[str] = field(default_factory=list)  # "CODE: message" of the answer just refused
    last_refused: tuple[str, str] | None = None  # (who, "CODE: message") kept by the ledger
    values: Mapping[str, str] = field(default_factory=dict)  # what the person typed, shown again


def body_html(body: str) -> str:
    """The question's Markdown (fact lines, then a paragraph) as HTML, every value escaped."""
    facts, paragraphs = [], []
    for line in body.splitlines():
        matched = _FACT.match(line)
        if matched:
            facts.append(f"<tr><th>{esc(matched['label'])}</th><td>{esc(matched['value'])}</td></tr>")
        elif line.strip() and not _SELF_LINK.match(line):
            paragraphs.append(f"<p>{esc(line.replace('`', '').replace('**', ''))}</p>")
    return f'<table class="facts">{"".join(facts)}</table>{"".join(paragraphs)}'


def decision_page(form: DecisionForm, lang: Language, desk_base: str, action_url: str, desk_link: str) -> str:
    """The open decision: facts, refusal reasons, one form per action (read-only for a viewer)."""
    parts = [body_html(form.body)]
    if form.refused:
        parts.append(_refusal(text("refused", lang), form.refused))
    elif form.last_refused:
        who, reason = form.last_refused
        parts.append(_refusal(text("last_refused", lang, by=who), [reason]))
    if not form.can_decide:
        parts.append(f'<p class="todo" id="cannot-decide">{esc(text("viewer", lang))}</p>')
    for option in form.options:
        action = action_from_answer(option)
        parts.append(_action_form(option, action, form, lang, action_url))
    parts.append(f'<p><a href="{esc(desk_link)}">{esc(text("desk", lang))}</a></p>')
    return layout(form.subject, "\n".join(parts), lang, desk_base, "", {})


def _refusal(title: str, reasons: Sequence[str]) -> str:
    items = "".join(f"<li>{esc(reason)}</li>" for reason in reasons)
    return f'<div class="todo" id="refusal" role="alert"><p>{esc(title)}</p><ul>{items}</ul></div>'


def _action_form(option: str, action: Action | None, form: DecisionForm, lang: Language, url: str) -> str:
    names = [name for name in FIELDS_OF_ACTION.get(action, ()) if name in form.params] if action else []
    required = REQUIRED_FIELDS.get(action, ()) if action else ()
    disabled = "" if form.can_decide else " disabled"
    rows = [_field(name, form, lang, required, disabled) for name in names]
    upload = any(name == "attachment" for name in names)
    encoding = ' enctype="multipart/form-data"' if upload else ""
    return (
        f'<form method="post" action="{esc(url)}"{encoding} class="decision">'
        f"<fieldset{disabled}><legend>{esc(option)}</legend>"
        f'<input type="hidden" name="option" value="{esc(option)}">'
        f"{''.join(rows)}"
        f'<p><button type="submit"{disabled}>{esc(option)}</button></p></fieldset></form>'
    )


def _field(name: str, form: DecisionForm, lang: Language, required: Sequence[str], disabled: str) -> str:
    schema = form.params.get(name, {})
    title = str(schema.get("title") or name)
    one_of = len(required) > 1 and name in required
    mark = ""
    attribute = ""
    if name in required:
        mark = f' <abbr title="{esc(text("one_of" if one_of else "required", lang))}">*</abbr>'
        mark += f" <small>({esc(text('one_of' if one_of else 'required', lang))})</small>"
        attribute = "" if one_of else " required"
    if name == "attachment":
        control = (
            f'<input type="file" id="f-{name}" name="document" accept="application/pdf,.pdf"{disabled}>'
            f"<br><small>{esc(text('upload', lang))}</small>"
        )
    elif name == "comment":
        value = esc(form.values.get(name, ""))
        control = f'<textarea id="f-{name}" name="{name}" rows="3"{attribute}{disabled}>{value}</textarea>'
    else:
        kind = "number" if name == "chorus_id" else "text"
        value = esc(form.values.get(name, ""))
        control = f'<input type="{kind}" id="f-{name}" name="{name}" value="{value}"{attribute}{disabled}>'
    return f'<p><label for="f-{name}">{esc(title)}{mark}</label><br>{control}</p>'


def waiting_page(title: str, message: str, lang: Language, desk_base: str, desk_link: str) -> str:
    """A page that reloads itself while something happens (an answer applied, a decision reopened)."""
    body = (
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f'<p class="note" id="waiting">{esc(message)}</p>'
        f'<p><a href="{esc(desk_link)}">{esc(text("desk", lang))}</a></p>'
    )
    return layout(title, body, lang, desk_base, "", {})


def closed_page(
    title: str,
    lines: Sequence[str],
    lang: Language,
    desk_base: str,
    desk_link: str,
    reopen_url: str | None,
) -> str:
    """No open decision: what the invoice's state is, and how to reopen the decision when it waits."""
    body = "".join(f'<p class="todo">{esc(line)}</p>' for line in lines)
    if reopen_url:
        body += (
            f'<form method="post" action="{esc(reopen_url)}"><p>'
            f'<button type="submit" id="reopen">{esc(text("reopen", lang))}</button></p></form>'
        )
    body += f'<p><a href="{esc(desk_link)}">{esc(text("desk", lang))}</a></p>'
    return layout(title, body, lang, desk_base, "", {})
