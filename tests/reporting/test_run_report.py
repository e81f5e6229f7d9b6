"""The run report (``chorusflow.reporting.run_report``) written from a real ledger: French amounts, buyer
names next
to SIRETs, why a pending invoice waits and when it is tried again, what a person must do; the run
note's lists (numbers asked for again, a status sync's changes), bounded to what Airflow keeps."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from chorusflow.ledger import AttemptOutcome, InvoiceState, Ledger
from chorusflow.messages import text
from chorusflow.reporting.run_report import (
    NOTE_LIMIT,
    RunReport,
    StatusChange,
    bounded_note,
    report_lines,
    status_change_items,
    write_report,
)
from chorusflow.reporting.submission_run import retry_outcomes
from chorusflow.submission.plan import RetryNumber, sort_retry_numbers
from tests.ledger.helpers import SUPPLIER, owner, verdict

RUN = "manual__2026-11-27"
OTHER_RUN = "scheduled__2026-11-27T08:00:00+00:00"
EARLIER_RUN = "manual__2026-11-26"


def claim(ledger: Ledger, number: str, run_id: str = RUN, lease_seconds: float = 900) -> tuple[int, int]:
    """Claim ``number`` for a task of ``run_id`` and start an attempt: (invoice id, attempt id)."""
    [taken] = ledger.claim_for_submission(SUPPLIER, [number], owner(run_id), lease_seconds=lease_seconds)
    return taken.invoice_id, ledger.start_attempt(taken, owner(run_id))


def one_of_each(ledger: Ledger) -> None:
    """One invoice per outcome a person has to read about, as a run leaves them."""
    ledger.record_validated(
        SUPPLIER,
        "export.csv",
        [
            verdict("F-DONE", amount="41029.64", buyer_name="Mairie de Lyon", buyer_siret="21690123100011"),
            verdict("F-HELD", amount="1148.40"),
            verdict("F-WAIT", amount="99.90"),
            verdict("F-CHECK", amount="12.00"),
            verdict("F-BAD", valid=False, buyer_name='=HYPERLINK("http://evil.example")'),
        ],
    )
    invoice, attempt = claim(ledger, "F-DONE")
    ledger.mark_submitted(invoice, 4242, status="DEPOSEE", owner=owner(RUN))
    ledger.finish_attempt(attempt, AttemptOutcome.SUCCEEDED)
    # The worker lost the answer of Chorus Pro: the invoice stays claimed until its lease ends.
    invoice, attempt = claim(ledger, "F-HELD")
    ledger.mark_outcome_unknown(invoice, "ReadTimeout: Chorus Pro did not answer", owner=owner(RUN))
    ledger.finish_attempt(attempt, AttemptOutcome.OUTCOME_UNKNOWN, "ReadTimeout", "no answer")
    invoice, attempt = claim(ledger, "F-CHECK")
    ledger.mark_needs_review(invoice, "two invoices on Chorus Pro could be this one", owner=owner(RUN))
    ledger.finish_attempt(attempt, AttemptOutcome.NEEDS_REVIEW, "AmbiguousOutcome", "two matches")


def rows_by_invoice(page: str) -> dict[str, str]:
    """The HTML of each table row, by the invoice number in its first cell."""
    rows = re.findall(r"<tr class=\"[a-z_]+\">(.*?)</tr>", page, flags=re.S)
    return {re.sub(r"<[^>]+>", "", row.split("</td>")[0]): row for row in rows}


def lease_end(ledger: Ledger, number: str, pattern: str) -> str:
    detail = ledger.get_invoice(number)
    assert detail is not None and detail.claim_expires_at is not None
    return detail.claim_expires_at.astimezone(ZoneInfo("Europe/Paris")).strftime(pattern)


def write(ledger: Ledger, folder: Path, lang: str) -> tuple[str, list[list[str]]]:
    numbers = ["F-DONE", "F-HELD", "F-WAIT", "F-CHECK", "F-BAD"]
    lines = report_lines(ledger, SUPPLIER, numbers, RUN)
    report = RunReport(dag_id="chorus_submit_invoices", run_id=RUN, lines=lines)
    html_path, csv_path = write_report(report, folder, lang="fr" if lang == "fr" else "en")
    cells = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig")), delimiter=";"))
    return html_path.read_text("utf-8"), cells


def test_html_report_in_french_gives_amounts_buyers_and_why_each_invoice_waits(
    ledger: Ledger, tmp_path: Path
) -> None:
    one_of_each(ledger)

    page, cells = write(ledger, tmp_path, "fr")

    rows = rows_by_invoice(page)
    assert set(rows) == {"F-DONE", "F-HELD", "F-WAIT", "F-CHECK", "F-BAD"}
    assert "41\u202f029,64 €" in rows["F-DONE"]
    assert re.search(r"Mairie de Lyon<span class=\"siret\">SIRET 21690123100011</span>", rows["F-DONE"])
    until = lease_end(ledger, "F-HELD", "%d/%m/%Y à %H:%M")
    assert (
        f"Tenue jusqu&#x27;au {until} (Europe/Paris) par le bail d&#x27;une tentative interrompue"
        in (rows["F-HELD"])
    )
    assert "demande d&#x27;abord à Chorus Pro" in rows["F-HELD"] and "ReadTimeout" in rows["F-HELD"]
    assert "En attente de la prochaine exécution" in rows["F-WAIT"]
    assert "Chercher la facture sur le portail Chorus Pro" in rows["F-CHECK"]
    assert "Corriger la facture dans la comptabilité" in rows["F-BAD"]
    assert "<script" not in page and "default-src 'none'" in page and "<style>" in page
    assert "=HYPERLINK(&quot;http" in page
    header, *body = cells
    assert header[:5] == ["Facture", "Acheteur", "SIRET acheteur", "Montant TTC", "Devise"]
    by_number = {row[0]: row for row in body}
    assert by_number["F-DONE"][1:5] == ["Mairie de Lyon", "21690123100011", "41029,64", "EUR"]
    assert by_number["F-BAD"][1].startswith("'=HYPERLINK")
    assert "Tenue jusqu'au" in by_number["F-HELD"][-1]


def test_html_report_in_english_writes_amounts_as_the_alerts_do(ledger: Ledger, tmp_path: Path) -> None:
    one_of_each(ledger)

    page, cells = write(ledger, tmp_path, "en")

    rows = rows_by_invoice(page)
    assert "EUR 41,029.64" in rows["F-DONE"]
    until = lease_end(ledger, "F-HELD", "%Y-%m-%d at %H:%M")
    assert (
        f"Held until {until} (Europe/Paris) by the lease of an interrupted attempt of this run"
        in (rows["F-HELD"])
    )
    assert "Waiting for the next run" in rows["F-WAIT"]
    assert {row[0]: row for row in cells[1:]}["F-DONE"][3] == "41029.64"


def test_a_claim_of_another_run_or_an_expired_lease_says_so(ledger: Ledger, tmp_path: Path) -> None:
    ledger.record_validated(SUPPLIER, "export.csv", [verdict("F-OTHER"), verdict("F-EXPIRED")])
    claim(ledger, "F-OTHER", run_id=OTHER_RUN)
    invoice, attempt = claim(ledger, "F-EXPIRED", lease_seconds=0)
    ledger.mark_outcome_unknown(invoice, "ConnectionResetError", owner=owner(RUN))

    lines = report_lines(ledger, SUPPLIER, ["F-OTHER", "F-EXPIRED"], RUN)
    report = RunReport(dag_id="d", run_id=RUN, lines=lines, generated_at=datetime.now(UTC) + timedelta(1))
    page = write_report(report, tmp_path, lang="fr")[0].read_text("utf-8")
    other = RunReport(dag_id="d", run_id=RUN, lines=lines)
    page_now = write_report(other, tmp_path / "now", lang="fr")[0].read_text("utf-8")

    assert "Issue du dernier dépôt inconnue, bail expiré" in rows_by_invoice(page)["F-EXPIRED"]
    assert f"par une tentative de l&#x27;exécution {OTHER_RUN}" in rows_by_invoice(page_now)["F-OTHER"]
    # Once the lease is over, the same claim reads as an unknown outcome for the next run to settle.
    assert "Issue du dernier dépôt inconnue" in rows_by_invoice(page)["F-OTHER"]


def test_numbers_asked_for_again_are_sorted_and_each_has_its_message(ledger: Ledger) -> None:
    ledger.record_validated(
        SUPPLIER,
        "export.csv",
        [verdict("F-FAILED"), verdict("F-REJECTED"), verdict("F-HELD"), verdict("F-BAD", valid=False)],
    )
    invoice, attempt = claim(ledger, "F-FAILED", run_id=EARLIER_RUN)
    ledger.mark_failed(invoice, "FunctionalError: bad engagement number", owner=owner(EARLIER_RUN))
    invoice, attempt = claim(ledger, "F-REJECTED", run_id=EARLIER_RUN)
    ledger.mark_submitted(invoice, 77, status="DEPOSEE", owner=owner(EARLIER_RUN))
    ledger.record_status(invoice, "REJETEE", datetime.now(UTC), "EJ inconnu", InvoiceState.BLOCKED)
    claim(ledger, "F-HELD", run_id=OTHER_RUN)

    request = sort_retry_numbers(
        ledger, SUPPLIER, ["F-FAILED", " F-REJECTED", "F-NOPE", "F-HELD", "F-BAD", "F-FAILED", ""]
    )

    assert request.requested == ["F-FAILED", "F-REJECTED", "F-NOPE", "F-HELD", "F-BAD"]
    assert request.failed == ["F-FAILED"] and request.waiting == ["F-HELD"]
    assert [
        (item.invoice_number, item.reason, item.state, item.chorus_status) for item in request.set_aside
    ] == [
        ("F-REJECTED", "not_retryable", "blocked", "REJETEE"),
        ("F-NOPE", "unknown", None, None),
        ("F-BAD", "not_retryable", "invalid", None),
    ]
    # This run then takes F-FAILED again; F-HELD stays with the attempt of the other run.
    [again] = ledger.claim_for_submission(SUPPLIER, ["F-FAILED"], owner(RUN), include_failed=True)
    ledger.start_attempt(again, owner(RUN))
    outcomes = retry_outcomes(ledger, SUPPLIER, request, RUN)
    assert [(item.invoice_number, item.reason) for item in outcomes] == [
        ("F-REJECTED", "not_retryable"),
        ("F-NOPE", "unknown"),
        ("F-BAD", "not_retryable"),
        ("F-HELD", "skipped"),
    ]
    report = RunReport(dag_id="d", run_id=RUN, retry=outcomes)
    note = report.summary_text("fr")
    assert "1 inconnu(s), 2 non redéposable(s), 1 non repris" in note.splitlines()[0]
    assert "- F-NOPE : numéro inconnu du registre" in note
    assert "- F-REJECTED : bloquée sur Chorus Pro (REJETEE), pas redéposée." in note
    assert text("alert.next_step.new_invoice", "fr") in note
    assert "- F-BAD : refusée à la validation : la corriger dans la comptabilité" in note
    assert "- F-HELD : non reprise : tenue par une autre tentative jusqu'au" in note
    english = report.summary_text("en")
    assert "- F-NOPE: unknown number" in english
    assert "issue a credit note if it is booked, then a new invoice with a new number" in english


def test_a_note_stays_within_what_airflow_keeps_and_says_how_many_are_left_out() -> None:
    items = [f"F-{index:04d} [CODE] {'x' * 60}" for index in range(40)]

    note = bounded_note("Head", items)

    assert len(note) <= NOTE_LIMIT
    assert note.splitlines()[-1] == f"… (+{40 - (len(note.splitlines()) - 2)})"
    assert bounded_note("Head", items[:3]) == "Head\n- " + "\n- ".join(items[:3])
    assert bounded_note("Head", items, most=2).endswith("\n… (+38)")


def test_sync_note_items_name_each_change_with_the_reason_and_what_to_do() -> None:
    changes = [
        StatusChange(invoice_number="F-1", status="MISE_A_DISPOSITION"),
        StatusChange(invoice_number="F-2", status="REJETEE", comment="EJ-404 inconnu"),
        StatusChange(invoice_number="F-3", status="SUSPENDUE", comment="PV de réception manquant"),
        StatusChange(invoice_number="F-4", status="REFUSEE_1"),
    ]

    items = status_change_items(changes, "fr")

    assert items[0] == (
        f"F-2 : REJETEE, motif : « EJ-404 inconnu »\n  À faire : {text('alert.next_step.new_invoice', 'fr')}"
    )
    assert items[1] == (
        "F-3 : SUSPENDUE, motif : « PV de réception manquant »"
        f"\n  À faire : {text('alert.next_step.complete', 'fr')}"
    )
    assert items[2] == "F-4 : REFUSEE_1, motif : aucun motif donné\n  À faire : comme pour F-2."
    assert items[3] == "F-1 : MISE_A_DISPOSITION (en cours)"
    assert status_change_items(changes[:2], "en")[0].startswith("F-2: REJETEE, reason: « EJ-404 inconnu »")


def test_retry_message_for_other_states_on_chorus_pro() -> None:
    report = RunReport(
        dag_id="d",
        run_id=RUN,
        retry=[
            RetryNumber(
                invoice_number="F-9", reason="not_retryable", state="paid", chorus_status="MISE_EN_PAIEMENT"
            )
        ],
    )
    assert "F-9 : déjà sur Chorus Pro (paid, MISE_EN_PAIEMENT), jamais déposée deux fois" in (
        report.summary_text("fr")
    )
    assert "un avoir puis une nouvelle facture sous un nouveau numéro" in report.summary_text("fr")
