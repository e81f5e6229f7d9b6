"""Every desk page in one language, comments attributed to their author, due dates where a payment
is expected, times labelled with their zone, runs with date, state and counts (docs/desk.md).

The guard renders every page in French and in English from a ledger holding every state (the story,
plus a completed suspension with our comment and a refused decision) and fails when a French page
carries an English word of ours, or the reverse. Ledger data (names, comments, findings recorded in
the export's language) is taken out first: only the desk's own words are checked.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from chorusflow.desk import pages
from chorusflow.desk.documents import DepositedPdf
from chorusflow.desk.queries import Clock, InvoiceFilter, invoice_detail, iter_invoices, list_invoices
from chorusflow.desk.queue import to_handle
from chorusflow.desk.runs import RunRow, airflow_run, join_runs
from chorusflow.ledger import (
    ClaimOwner,
    InvoiceState,
    Ledger,
    RecordedDecision,
    ResolutionOutcome,
    StatusUpdate,
    utc_now,
)
from chorusflow.settings import Language
from tests.desk.story import SUSPENSION_COMMENT, Story

OWNER = ClaimOwner(
    dag_id="chorus_resolve_invoices",
    run_id="manual__1",
    task_id="decide",
    map_index=0,
    try_number=1,
    hostname="worker-1",
    pid=4343,
)
OUR_COMMENT = "Bon de commande joint"
BASE = "/chorusflow"

#: English words of ours that must not appear on a French page (raw enum values included).
ENGLISH = {
    "succeeded", "refused", "rejected", "submission", "error", "log", "blocked", "deposited",
    "invoice", "invoices", "buyer", "pending", "failed", "paid", "closed", "outcome", "unknown",
    "download", "suspended", "days", "due", "the", "and", "of", "by", "with", "run", "runs",
    "state", "status", "email", "back", "none", "null",
}  # fmt: skip
#: French words of ours that must not appear on an English page.
FRENCH = {
    "facture", "factures", "déposée", "bloquée", "acheteur", "échéance", "commentaire", "refusée",
    "réussi", "exécution", "exécutions", "rapport", "jours", "les", "du", "des", "et", "sur",
    "aucune", "aucun", "statut", "délai", "nous", "télécharger", "courriel", "journal", "à",
}  # fmt: skip
#: Raw values (enum values, setting names) that are never words for a person.
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|CHORUSFLOW_REPORTS|\bhitl\b")
#: Names a person types as they are (the DAG the advice tells to trigger).
PROPER_NAMES = ("chorus_submit_invoices", "chorus_resolve_invoices", "chorusflow_alert_recipients")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip = tag in ("style", "script")
        for name, value in attrs:
            if name in ("title", "label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        self.skip = False

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


def _data_values(ledger: Ledger) -> list[str]:
    """Every text the ledger holds (export content, comments, findings, errors), longest first."""
    values: set[str] = {SUSPENSION_COMMENT, OUR_COMMENT}
    for row in iter_invoices(ledger, InvoiceFilter(), Clock(utc_now(), _settings())):
        detail = ledger.get_invoice_by_id(row.id)
        assert detail is not None
        values.update(filter(None, [detail.buyer_name, detail.last_error, detail.chorus_status_comment]))
        values.update(str(finding.get("message") or "") for finding in detail.findings)
        values.update(str(finding.get("field") or "") for finding in detail.findings)
        values.update(item.comment or "" for item in detail.history)
        for attempt in detail.attempts:
            values.update(filter(None, [attempt.error_message, attempt.error_class]))
        for decision in detail.resolutions:
            values.update(filter(None, [decision.error_message, decision.decided_by]))
        if detail.normalized:
            values.update(str(line.get("description") or "") for line in detail.normalized.get("lines", []))
    return sorted((value for value in values if value), key=len, reverse=True)


def _settings():  # noqa: ANN202
    from chorusflow.alerts.settings import AlertSettings

    return AlertSettings()


def offending_words(page: str, lang: Language, data: list[str]) -> set[str]:
    """The words of the other language on a page in ``lang``, ledger data taken out."""
    shown = visible_text(page)
    for value in [*data, *PROPER_NAMES]:
        shown = shown.replace(value, " ")
    raw = set(RAW.findall(shown))
    shown = re.sub(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", " ", shown)  # codes (statuses, rules) are no words
    words = {word.lower() for word in re.findall(r"[^\W\d_]+", shown)}
    return raw | (words & (ENGLISH if lang == "fr" else FRENCH))


@pytest.fixture
def every_state(ledger: Ledger, story: Story) -> Story:
    """The story plus F2026-0104 suspended, then completed by us with our comment, and a decision
    chorusflow refused on F2026-0102 (its message starting with the rule code)."""
    invoice_id = story.ids["F2026-0104"]
    later = utc_now() + timedelta(minutes=6)
    ledger.record_status(invoice_id, "SUSPENDUE", later, SUSPENSION_COMMENT, InvoiceState.BLOCKED)
    claim = ledger.claim_resolution(
        RecordedDecision(
            invoice_id=invoice_id,
            event_key="SUSPENDUE@1",
            action="complete",
            decided_by="marie.clerc",
            source="hitl",
            decision={"attachment": "BC-1.pdf", "comment": OUR_COMMENT},
        ),
        OWNER,
    )
    assert claim is not None
    done = StatusUpdate("COMPLETEE", later + timedelta(minutes=1), OUR_COMMENT, InvoiceState.SUBMITTED)
    ledger.finish_resolution(claim.resolution_id, OWNER, ResolutionOutcome.SUCCEEDED, status=done)
    refused = ledger.claim_resolution(
        RecordedDecision(
            invoice_id=story.ids["F2026-0102"],
            event_key="REJETEE@1",
            action="reissue",
            decided_by="marie.clerc",
            source="hitl",
            decision={},
        ),
        OWNER,
    )
    assert refused is not None
    ledger.finish_resolution(
        refused.resolution_id,
        OWNER,
        ResolutionOutcome.REFUSED,
        rule_code="RESOLUTION_NEW_NUMBER_MISSING",
        error_message="RESOLUTION_NEW_NUMBER_MISSING : le nouveau numéro manque",
    )
    return story


RUNS = [
    airflow_run("manual__2026-12-07T20:07:37+00:00", utc_now(), "success", {"counts": {"submitted": 3}}),
    airflow_run("scheduled__2026-12-07T20:00:00+00:00", utc_now(), "failed", {"counts": {}, "exports": 0}),
    airflow_run("manual__2026-12-07T21:00:00+00:00", None, "running", None),
    RunRow(folder="manual__2026-11-01T10_00_00_00_00"),
]


def every_page(ledger: Ledger, story: Story, clock: Clock, lang: Language) -> dict[str, str]:
    """Every page of the desk in ``lang`` on the ledger."""
    found = list_invoices(ledger, InvoiceFilter(), clock)
    rendered = {
        "list": pages.invoices_page(
            found,
            InvoiceFilter(),
            "number",
            False,
            lang,
            BASE,
            [("period_from", "32/13"), ("amount_max", "")],
            99,
        ),
        "queue": pages.queue_page(to_handle(ledger, clock), lang, BASE),
        "runs": pages.runs_page("chorus_submit_invoices", RUNS, "/chorusflow-files", lang, BASE, ""),
        "message": pages.message_page("x", "y", lang, BASE),
        "csv": "".join(pages.csv_lines(iter_invoices(ledger, InvoiceFilter(), clock), lang)),
    }
    pdfs = [
        DepositedPdf("a.pdf", kept=True),
        DepositedPdf("a.pdf", rendered=True),
        DepositedPdf("a.pdf", reason="pdf_not_deposited"),
    ]
    for number in sorted({row.invoice_number for row in found.rows}):
        detail = invoice_detail(ledger, next(r.id for r in found.rows if r.invoice_number == number), clock)
        assert detail is not None
        pdf = pdfs[len(rendered) % len(pdfs)]
        rendered[number] = pages.detail_page(detail, pdf, lang, BASE, "")
    return rendered


def test_no_page_mixes_languages(ledger: Ledger, every_state: Story, clock: Clock) -> None:
    data = _data_values(ledger)
    for lang in ("fr", "en"):
        for name, page in every_page(ledger, every_state, clock, lang).items():
            text = page if name == "csv" else page
            assert not offending_words(text, lang, data), (lang, name, offending_words(text, lang, data))


def test_the_guard_catches_a_word_of_the_other_language() -> None:
    assert offending_words("<p>Dépôt succeeded</p>", "fr", []) == {"succeeded"}
    assert offending_words("<p>Deposit réussi</p>", "en", []) == {"réussi"}
    assert offending_words("<td>failed_permanent</td>", "en", []) == {"failed_permanent"}
    assert offending_words("<p>(blocked 3)</p>", "fr", []) == {"blocked"}


def test_comments_are_attributed_to_their_author(ledger: Ledger, every_state: Story, clock: Clock) -> None:
    completed = invoice_detail(ledger, every_state.ids["F2026-0104"], clock)
    assert completed is not None
    page = pages.detail_page(completed, DepositedPdf("a.pdf", kept=True), "fr", BASE, "")
    assert "Notre commentaire" in page and "Commentaire de l&#x27;acheteur" not in page
    history = visible_text(page[page.index('id="history"') :])
    assert f"{OUR_COMMENT} nous" in history and f"{SUSPENSION_COMMENT} l'acheteur" in history
    rows = {row.invoice_number: row for row in list_invoices(ledger, InvoiceFilter(), clock).rows}
    assert pages.row_message(rows["F2026-0104"], "fr") == f"nous : {OUR_COMMENT}"
    assert pages.row_message(rows["F2026-0101"], "en") == f"buyer: {SUSPENSION_COMMENT}"


def test_a_rule_code_is_printed_once(ledger: Ledger, every_state: Story, clock: Clock) -> None:
    rejected = invoice_detail(ledger, every_state.ids["F2026-0102"], clock)
    assert rejected is not None
    page = pages.detail_page(rejected, DepositedPdf("a.pdf", kept=True), "fr", BASE, "")
    assert page.count("RESOLUTION_NEW_NUMBER_MISSING") == 1
    assert "<strong>RESOLUTION_NEW_NUMBER_MISSING</strong> : le nouveau numéro manque" in page


def test_validation_reasons_show_in_the_list_and_the_csv(ledger: Ledger, story: Story, clock: Clock) -> None:
    rows = {row.invoice_number: row for row in list_invoices(ledger, InvoiceFilter(), clock).rows}
    refused = rows["F2026-0128"]
    assert refused.state is InvoiceState.INVALID and refused.reasons
    assert pages.row_message(refused, "fr").startswith(f"{refused.reasons[0].code} : ")
    lines = "".join(pages.csv_lines(iter_invoices(ledger, InvoiceFilter(number="F2026-0128"), clock), "fr"))
    (header, row) = list(csv.reader(io.StringIO(lines.lstrip("\ufeff")), delimiter=";"))
    assert row[header.index("Dernière erreur ou commentaire")].startswith(f"{refused.reasons[0].code} : ")


def test_a_due_date_only_where_a_payment_is_expected(ledger: Ledger, story: Story, clock: Clock) -> None:
    rows = {row.invoice_number: row for row in list_invoices(ledger, InvoiceFilter(), clock).rows}
    assert rows["F2026-0104"].due_on is not None  # deposited, waiting for its payment
    for number in ("F2026-0102", "F2026-0103", "F2026-0105", "F2026-0110", "F2026-0128"):
        assert rows[number].due_on is None, number  # rejected, paid, failed, pending, invalid
    detail = invoice_detail(ledger, story.ids["F2026-0104"], clock)
    assert detail is not None and detail.period_days == 30 and detail.period_rule == "default"
    page = pages.detail_page(detail, DepositedPdf("a.pdf", kept=True), "fr", BASE, "")
    default = "30 jours (délai par défaut, ni profil ni annuaire ne donnent la catégorie de l&#x27;acheteur)"
    assert default in page
    paid = invoice_detail(ledger, story.ids["F2026-0103"], clock)
    assert paid is not None and "Échéance" not in pages.detail_page(
        paid, DepositedPdf("a.pdf"), "fr", BASE, ""
    )


def test_every_time_is_labelled_with_its_zone(ledger: Ledger, story: Story, clock: Clock) -> None:
    detail = invoice_detail(ledger, story.ids["F2026-0101"], clock)
    assert detail is not None
    pages.use_zone("UTC")
    try:
        page = pages.detail_page(detail, DepositedPdf("a.pdf"), "fr", BASE, "")
        times = re.findall(r"\d\d/\d\d/\d{4} \d\d:\d\d(?: \w+)?", page)
        assert times and all(time.endswith(" UTC") for time in times)
    finally:
        pages._DISPLAY_ZONE.clear()
    assert pages.moment(utc_now().replace(month=1), "fr").endswith(" CET")  # Europe/Paris by default


def test_a_zone_chosen_in_the_ui_wins_over_the_default_for_one_request() -> None:
    winter = utc_now().replace(month=1, day=15, hour=12)
    pages.use_zone("UTC")
    try:
        with pages.chosen_zone(pages.valid_zone("Asia/Tokyo")):
            assert pages.moment(winter, "fr").endswith(" JST")
        with pages.chosen_zone(pages.valid_zone("../etc/passwd")):
            assert pages.moment(winter, "fr").endswith(" UTC")
        assert pages.moment(winter, "en").endswith(" UTC")
    finally:
        pages._DISPLAY_ZONE.clear()
    assert [pages.valid_zone(name) for name in ("Europe/Paris", "UTC", "", None, "Paris", "x" * 80)] == [
        "Europe/Paris",
        "UTC",
        None,
        None,
        None,
        None,
    ]


def test_the_status_filter_is_labelled_and_grouped(ledger: Ledger, story: Story, clock: Clock) -> None:
    found = list_invoices(ledger, InvoiceFilter(), clock)
    page = pages.invoices_page(found, InvoiceFilter(chorus_status="SUSPENDUE"), "number", False, "fr", BASE)
    assert page.count("<optgroup") == 4 and '<optgroup label="Bloquées (action attendue)">' in page
    assert '<option value="SUSPENDUE" selected>suspendue (SUSPENDUE)</option>' in page


def test_summary_cards_open_the_filtered_list(ledger: Ledger, story: Story, clock: Clock) -> None:
    page = pages.queue_page(to_handle(ledger, clock), "fr", BASE)
    card = page[page.index('id="summary-blocked"') :]
    assert card.split("</li>")[0].count('href="/chorusflow/invoices?state=blocked&amp;lang=fr"') == 1


def test_the_runs_page_gives_date_state_counts_and_the_airflow_run() -> None:
    rows = join_runs(RUNS[:3], ["manual__2026-12-07T20_07_37_00_00", "manual__2026-11-01T10_00_00_00_00"])
    page = pages.runs_page("chorus_submit_invoices", rows, "/chorusflow-files", "fr", BASE, "")
    text = visible_text(page)
    assert "manual__" not in text and "CHORUSFLOW_REPORTS" not in text
    assert "3 déposées" in text and "réussie" in text and "en échec" in text and "en cours" in text
    assert "le fichier d'export a été pris par une autre exécution" in text
    assert (
        'href="/dags/chorus_submit_invoices/runs/manual__2026-12-07T20%3A07%3A37%2B00%3A00" data-airflow'
        in page
    )
    assert page.count("/runs/manual__2026-12-07T20_07_37_00_00/report?lang=fr") == 1
    assert page.count("/runs/manual__2026-11-01T10_00_00_00_00/report?lang=fr") == 1  # Airflow forgot it


def test_a_report_in_the_desk_has_a_way_back_and_links_its_numbers() -> None:
    report = '<html><body><table><tr><td class="number">F&amp;1/2</td></tr></table></body></html>'
    page = pages.report_in_desk(report, "en", BASE)
    assert 'id="back-to-runs" href="/chorusflow/runs?lang=en"' in page
    assert '<a href="/chorusflow/invoices/by-number/F%261%2F2?lang=en">F&amp;1/2</a>' in page


def test_the_alert_summary_names_kinds_in_words() -> None:
    from collections import Counter

    from chorusflow.alerts.dispatch import DispatchReport

    report = DispatchReport(new_events=["a", "b", "c"], kinds=Counter({"blocked": 3}))
    assert report.summary_text("fr") == "Alertes : 3 nouvelle(s) (3 facture(s) bloquée(s))."
    assert report.summary_text("en") == "Alerts: 3 new (3 blocked)."
