"""A submission run's report put together (``chorusflow.reporting.submission_run``), without Airflow:
a dry run from validation alone, a run from a real ledger supplier by supplier, the numbers asked for
again, one report per supplier, what the run hands on and when it fails."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chorusflow.ledger import AttemptOutcome, Ledger
from chorusflow.reporting.run_report import OUTCOMES, ReportLine, RunReport
from chorusflow.reporting.submission_run import (
    WrittenReport,
    planned_numbers,
    run_summary,
    stuck_message,
    submission_report,
    write_submission_report,
)
from chorusflow.submission.intake import InvalidInvoice, RecordedExport, Validation
from chorusflow.submission.plan import RETRY_REASONS, Batch, RetryNumber, RetryReason, sort_retry_numbers
from chorusflow.suppliers import SupplierIdentity, Suppliers
from tests.ledger.helpers import OTHER_SUPPLIER, SUPPLIER, owner, record

RUN = "manual__2026-11-27"
DAG = "chorus_submit_invoices"


def supplier(supplier_id: str, siret: str, lang: str | None = None) -> SupplierIdentity:
    return SupplierIdentity(id=supplier_id, siret=siret, name=supplier_id.title(), lang=lang)


BOTH = Suppliers((supplier("acme", SUPPLIER, "fr"), supplier("beta", OTHER_SUPPLIER, "en")), "acme")
ALONE = Suppliers((supplier("default", SUPPLIER),), "default")


def batch(*numbers: str, supplier_id: str | None = None, include_failed: bool = False) -> Batch:
    return Batch(
        label=numbers[0],
        invoice_numbers=list(numbers),
        supplier_id=supplier_id,
        include_failed=include_failed,
    )


def deposit(ledger: Ledger, number: str, supplier_siret: str) -> None:
    """``number`` deposited by this run."""
    [taken] = ledger.claim_for_submission(supplier_siret, [number], owner(RUN), lease_seconds=900)
    attempt = ledger.start_attempt(taken, owner(RUN))
    ledger.mark_submitted(taken.invoice_id, 4242, status="DEPOSEE", owner=owner(RUN))
    ledger.finish_attempt(attempt, AttemptOutcome.SUCCEEDED)


def fail(ledger: Ledger, number: str, supplier_siret: str) -> None:
    [taken] = ledger.claim_for_submission(supplier_siret, [number], owner(RUN), lease_seconds=900)
    attempt = ledger.start_attempt(taken, owner(RUN))
    ledger.mark_failed(taken.invoice_id, "refused for good", owner=owner(RUN))
    ledger.finish_attempt(attempt, AttemptOutcome.FAILED_PERMANENT, "FunctionalError", "refused")


def test_a_dry_run_lists_the_invalid_invoices_and_reads_no_ledger(tmp_path: Path) -> None:
    bad = InvalidInvoice(
        invoice_number="F-BAD",
        buyer_name="Mairie",
        total_ttc="12.00",
        currency="EUR",
        findings=[{"code": "FR-SIRET-01", "field": "buyer_siret", "message": "SIRET invalide"}],
    )
    validation = Validation(dry_run=True, invalid=[bad], exports=[RecordedExport(name="e.csv", invoices=1)])
    run = submission_report(None, BOTH, validation, [], {}, dag_id=DAG, run_id=RUN)
    assert [(line.invoice_number, line.outcome, line.codes) for line in run.report.lines] == [
        ("F-BAD", "invalid", ["FR-SIRET-01"])
    ]
    assert run.by_supplier == {} and run.needing_a_person("acme") == []
    written = write_submission_report(run, BOTH, tmp_path)
    assert written.supplier_reports == {}  # a dry run has no supplier's own report
    assert stuck_message(run.report, written.html) is None  # nor fails the run, whatever it found


def test_an_empty_run_reports_nothing_and_succeeds(ledger: Ledger, tmp_path: Path) -> None:
    run = submission_report(ledger, ALONE, Validation(), [], {}, dag_id=DAG, run_id=RUN)
    assert run.report.lines == [] and run.report.retry == [] and run.by_supplier == {"default": []}
    written = write_submission_report(run, ALONE, tmp_path)
    summary = run_summary(run.report, written, "note")
    assert list(summary) == [
        "counts",
        "exports",
        "retry",
        "note",
        "report_html",
        "report_csv",
        "supplier_reports",
    ]
    assert summary["counts"] == dict.fromkeys(OUTCOMES, 0)
    assert (summary["exports"], summary["retry"], summary["supplier_reports"]) == (0, {}, {})
    assert stuck_message(run.report, written.html) is None


def test_several_suppliers_each_get_their_lines_their_report_and_their_alerts(
    ledger: Ledger, tmp_path: Path
) -> None:
    record(ledger, "A-OK", "A-BAD", "A-WAIT")
    record(ledger, "B-OK", "B-LATER", supplier=OTHER_SUPPLIER)
    deposit(ledger, "A-OK", SUPPLIER)
    fail(ledger, "A-BAD", SUPPLIER)
    deposit(ledger, "B-OK", OTHER_SUPPLIER)
    validation = Validation(processed={"acme": ["A-OK", "A-BAD"], "beta": ["B-OK"]})
    # The plan's batches: B-LATER is beta's; A-WAIT was planned under acme's name.
    batches = [batch("A-WAIT", supplier_id="acme"), batch("B-LATER", supplier_id="beta")]
    run = submission_report(ledger, BOTH, validation, batches, {}, dag_id=DAG, run_id=RUN)
    outcomes = {
        key: [(line.invoice_number, line.outcome) for line in lines] for key, lines in run.by_supplier.items()
    }
    assert outcomes == {
        "acme": [("A-OK", "submitted"), ("A-BAD", "failed"), ("A-WAIT", "pending")],
        "beta": [("B-OK", "submitted"), ("B-LATER", "pending")],
    }
    assert [line.invoice_number for line in run.report.lines] == [
        "A-OK",
        "A-BAD",
        "A-WAIT",
        "B-OK",
        "B-LATER",
    ]
    assert (run.needing_a_person("acme"), run.needing_a_person("beta")) == (["A-BAD"], [])
    written = write_submission_report(run, BOTH, tmp_path)
    assert written.supplier_reports == {key: str(tmp_path / key / "report.html") for key in ("acme", "beta")}
    beta_page = (tmp_path / "beta" / "report.html").read_text("utf-8")
    assert 'lang="en"' in beta_page and "B-LATER" in beta_page and "A-BAD" not in beta_page
    assert stuck_message(run.report, written.html) == (
        f"1 invoice(s) failed for good, 0 need a person to check their deposit and 2 are still pending; "
        f"see {written.html}"
    )


def test_the_numbers_asked_for_again_are_reported_for_the_suppliers_that_sorted_them(ledger: Ledger) -> None:
    record(ledger, "A-FAILED")
    fail(ledger, "A-FAILED", SUPPLIER)
    request = sort_retry_numbers(ledger, SUPPLIER, ["A-FAILED", "NOWHERE"])
    # A-FAILED was asked for, but no attempt of this run took it: it is reported skipped.
    run = submission_report(ledger, BOTH, Validation(), [], {"acme": request}, dag_id=DAG, run_id="other-run")
    assert [(item.invoice_number, item.reason, item.state) for item in run.report.retry] == [
        ("NOWHERE", "unknown", None),
        ("A-FAILED", "skipped", "failed"),
    ]
    assert run.report.retry_counts() == {"unknown": 1, "skipped": 1}


def test_a_batch_naming_no_supplier_is_the_default_suppliers() -> None:
    batches = [batch("A", "B"), batch("C", supplier_id="beta"), batch("D")]
    assert planned_numbers(batches, BOTH) == {"acme": ["A", "B", "D"], "beta": ["C"]}
    no_default = Suppliers(BOTH.members, None)
    assert planned_numbers([batch("A")], no_default) == {"acme": ["A"]}  # the first supplier then
    assert planned_numbers([], BOTH) == {}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(OUTCOMES), max_size=30),
    st.booleans(),
    st.lists(st.sampled_from(RETRY_REASONS), max_size=5),
)
def test_a_run_fails_exactly_when_an_invoice_is_failed_to_check_or_pending(
    outcomes: list[str], dry_run: bool, reasons: list[RetryReason]
) -> None:
    report = RunReport(
        dag_id=DAG,
        run_id=RUN,
        dry_run=dry_run,
        lines=[ReportLine(invoice_number=f"F{n}", outcome=outcome) for n, outcome in enumerate(outcomes)],
        retry=[RetryNumber(invoice_number=f"R{n}", reason=reason) for n, reason in enumerate(reasons)],
    )
    message = stuck_message(report, "report.html")
    stuck = [outcome for outcome in outcomes if outcome in ("failed", "needs_review", "pending")]
    assert (message is not None) == (bool(stuck) and not dry_run)
    if message is not None:
        assert message.startswith(f"{outcomes.count('failed')} invoice(s) failed for good, ")
        assert f" and {outcomes.count('pending')} are still pending" in message
    summary = run_summary(report, WrittenReport(Path("r.html"), Path("r.csv")), "note")
    assert sum(summary["counts"].values()) == len(outcomes)
    assert sum(summary["retry"].values()) == len(reasons)
