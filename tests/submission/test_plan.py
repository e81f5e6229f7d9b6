"""The submission plan (``chorusflow.submission.plan``), without Airflow: batch sizing, which states
wait, Factur-X invoices grouped by their buyer's channel, and the numbers asked for again sorted once
across several suppliers; on a real ledger where the plan reads one."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.submission.plan import (
    MAX_BATCH_SIZE,
    MAX_BATCHES,
    ONE_TASK_PER_INVOICE_UP_TO,
    WAITING_STATES,
    Batch,
    PlannedInvoice,
    RetryNumber,
    RetryRequest,
    plan_batches,
    plan_submission,
    sort_retry_requests,
    supplier_batches,
    unknown_once,
)
from chorusflow.suppliers import SupplierIdentity, Suppliers
from tests.ledger.helpers import OTHER_SUPPLIER, SUPPLIER, owner, record

FACTURX_BUYER = "11000201100044"  # tests.ledger.helpers.verdict's buyer
PDF_BUYER = "21690123100011"


def numbers(count: int) -> list[str]:
    return [f"F{index:06d}" for index in range(count)]


def sizes(batches: list[Batch]) -> list[int]:
    return [len(batch.invoice_numbers) for batch in batches]


def test_small_runs_get_one_invoice_per_task_labelled_by_its_number() -> None:
    batches = plan_batches(numbers(ONE_TASK_PER_INVOICE_UP_TO), concurrency=4)
    assert sizes(batches) == [1] * ONE_TASK_PER_INVOICE_UP_TO
    assert batches[0].label == "F000000" and batches[0].include_failed is False


def test_larger_runs_get_one_batch_per_slot_in_order_without_loss() -> None:
    wanted = numbers(1000)
    batches = plan_batches(wanted, concurrency=4, include_failed=True)
    assert sizes(batches) == [250] * 4
    assert [n for batch in batches for n in batch.invoice_numbers] == wanted
    assert batches[1].label == "F000250 … F000499 (250)" and batches[1].include_failed is True
    assert sizes(plan_batches(numbers(1001), concurrency=4)) == [251, 251, 251, 248]


def test_batches_never_exceed_the_maximum_size_nor_count() -> None:
    assert max(sizes(plan_batches(numbers(5000), concurrency=4))) == MAX_BATCH_SIZE
    huge = plan_batches(numbers(MAX_BATCH_SIZE * MAX_BATCHES * 2), concurrency=4)
    assert len(huge) == MAX_BATCHES


def test_duplicates_are_planned_once_and_nothing_gives_no_batch() -> None:
    assert sizes(plan_batches(["A", "B", "A"], concurrency=2)) == [1, 1]
    assert plan_batches([], concurrency=4) == []
    assert sizes(plan_batches(numbers(10), concurrency=4, batch_size=4)) == [4, 4, 2]


# -- one supplier's batches: which states wait, Factur-X grouped by buyer --------------------------


def invoice(
    number: str, state: InvoiceState = InvoiceState.PENDING, buyer: str | None = PDF_BUYER
) -> PlannedInvoice:
    return PlannedInvoice(number, state, buyer)


def planned(batches: list[Batch]) -> list[str]:
    return [number for batch in batches for number in batch.invoice_numbers]


def one_supplier(
    invoices: list[PlannedInvoice],
    request: RetryRequest | None = None,
    *,
    supplier_channel: str = "pdf",
    buyer_channels: dict[str, str] | None = None,
    flux_batch_size: int = 3,
    supplier_id: str | None = None,
) -> list[Batch]:
    return supplier_batches(
        invoices,
        request or RetryRequest(),
        supplier_channel=supplier_channel,
        buyer_channels=buyer_channels or {},
        concurrency=4,
        flux_batch_size=flux_batch_size,
        supplier_id=supplier_id,
    )


def test_pending_and_submitting_invoices_wait_failed_ones_only_when_asked_for() -> None:
    invoices = [
        invoice("P1"),
        invoice("S1", InvoiceState.SUBMITTING),
        invoice("F1", InvoiceState.FAILED),
        invoice("F2", InvoiceState.FAILED),
    ]
    assert [(b.invoice_numbers, b.include_failed) for b in one_supplier(invoices)] == [
        (["P1"], False),
        (["S1"], False),
    ]
    asked = RetryRequest(requested=["F2", "P1"], failed=["F2"], waiting=["P1"])
    assert [(b.invoice_numbers, b.include_failed) for b in one_supplier(invoices, asked)] == [
        (["P1"], False),
        (["S1"], False),
        (["F2"], True),
    ]


def test_a_failed_number_asked_for_that_also_waits_is_planned_once() -> None:
    # A number the ledger lists waiting is never planned a second time as a failed one.
    invoices = [invoice("A"), invoice("B", InvoiceState.FAILED)]
    batches = one_supplier(invoices, RetryRequest(failed=["A", "B"]))
    assert planned(batches) == ["A", "B"]


def test_factur_x_invoices_are_grouped_by_their_buyers_channel_else_the_suppliers() -> None:
    invoices = [invoice(f"X{n}", buyer=FACTURX_BUYER) for n in range(4)] + [
        invoice("P1"),
        invoice("N1", buyer=None),
    ]
    by_buyer = {FACTURX_BUYER: "facturx"}
    batches = one_supplier(invoices, buyer_channels=by_buyer)
    assert [b.invoice_numbers for b in batches] == [["P1"], ["N1"], ["X0", "X1", "X2"], ["X3"]]
    # A Factur-X supplier sends every buyer without a channel of its own in flux too.
    batches = one_supplier(invoices, supplier_channel="facturx", buyer_channels={PDF_BUYER: "pdf"})
    assert [b.invoice_numbers for b in batches] == [["P1"], ["X0", "X1", "X2"], ["X3", "N1"]]


def test_failed_factur_x_invoices_asked_for_go_in_their_own_flux_batches() -> None:
    invoices = [invoice("X0", buyer=FACTURX_BUYER), invoice("X1", InvoiceState.FAILED, FACTURX_BUYER)]
    batches = one_supplier(invoices, RetryRequest(failed=["X1"]), buyer_channels={FACTURX_BUYER: "facturx"})
    assert [(b.invoice_numbers, b.include_failed) for b in batches] == [(["X0"], False), (["X1"], True)]


def test_nothing_waiting_plans_nothing() -> None:
    assert one_supplier([]) == []
    assert one_supplier([invoice("F", InvoiceState.FAILED)], RetryRequest()) == []


STATES = st.sampled_from([InvoiceState.PENDING, InvoiceState.SUBMITTING, InvoiceState.FAILED])
BUYERS = st.sampled_from([FACTURX_BUYER, PDF_BUYER, None, "33333333300033"])


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[PlannedInvoice], RetryRequest, dict[str, str], str, int]:
    """A supplier's invoices in the planned states (unique numbers), a retry request among its failed
    ones (and numbers it does not hold), the buyers' channels, its own channel, a flux batch size."""
    numbers = draw(st.lists(st.from_regex(r"F[0-9]{1,4}", fullmatch=True), unique=True, max_size=150))
    invoices = [invoice(number, draw(STATES), draw(BUYERS)) for number in numbers]
    failed = [item.invoice_number for item in invoices if item.state is InvoiceState.FAILED]
    asked = draw(st.lists(st.sampled_from(failed), unique=True)) if failed else []
    channels = draw(st.dictionaries(BUYERS.filter(bool), st.sampled_from(["pdf", "saisie", "facturx"])))
    return (
        invoices,
        RetryRequest(failed=asked),
        channels,
        draw(st.sampled_from(["pdf", "facturx"])),
        draw(st.integers(1, 60)),
    )


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_every_waiting_invoice_is_planned_once_in_a_batch_of_its_channel(
    drawn: tuple[list[PlannedInvoice], RetryRequest, dict[str, str], str, int],
) -> None:
    invoices, request, channels, own_channel, flux_size = drawn
    batches = one_supplier(
        invoices, request, supplier_channel=own_channel, buyer_channels=channels, flux_batch_size=flux_size
    )
    waiting = {item.invoice_number for item in invoices if item.state in WAITING_STATES}
    counted = Counter(planned(batches))
    assert set(counted) == waiting | set(request.failed)
    assert all(count == 1 for count in counted.values())
    flux = {
        item.invoice_number
        for item in invoices
        if channels.get(item.buyer_siret or "", own_channel) == "facturx"
    }
    for batch in batches:
        members = set(batch.invoice_numbers)
        assert members <= flux or not members & flux  # a flux batch holds Factur-X invoices only
        assert batch.include_failed == bool(members - waiting)  # failed ones apart, marked so
        if members <= flux:
            assert len(members) <= flux_size
    assert len(batches) <= 4 * MAX_BATCHES


# -- the numbers asked for again, across suppliers -------------------------------------------------


def unknown(number: str) -> RetryNumber:
    return RetryNumber(invoice_number=number, reason="unknown")


def test_a_number_no_supplier_knows_is_reported_once_by_the_reporting_supplier() -> None:
    requests = {
        "acme": RetryRequest(requested=["Z"], set_aside=[unknown("Z")]),
        "beta": RetryRequest(requested=["Z"], set_aside=[unknown("Z")]),
    }
    assert [a.invoice_number for a in unknown_once(requests, "beta")["beta"].set_aside] == ["Z"]
    assert unknown_once(requests, "beta")["acme"].set_aside == []


def test_a_number_one_supplier_knows_is_never_unknown_for_another() -> None:
    held = RetryNumber(invoice_number="H", reason="not_retryable", state="submitted")
    requests = {
        "acme": RetryRequest(requested=["F", "H", "W"], set_aside=[unknown("F"), held, unknown("W")]),
        "beta": RetryRequest(
            requested=["F", "H", "W"], failed=["F"], waiting=["W"], set_aside=[unknown("H")]
        ),
    }
    sorted_once = unknown_once(requests, "acme")
    assert sorted_once["acme"].set_aside == [held]
    assert sorted_once["beta"].set_aside == []
    assert sorted_once["beta"].failed == ["F"] and sorted_once["beta"].waiting == ["W"]


def test_no_supplier_asked_nothing_is_set_aside() -> None:
    assert unknown_once({}, "acme") == {}
    assert unknown_once({"acme": RetryRequest()}, "acme") == {"acme": RetryRequest()}


SUPPLIER_IDS = ["acme", "beta", "gamma"]
SORTING = st.sampled_from(["unknown", "failed", "waiting", "not_retryable"])


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(SUPPLIER_IDS),
        st.dictionaries(st.sampled_from(["A", "B", "C", "D", "E"]), SORTING),
        min_size=1,
    ),
    st.data(),
)
def test_each_number_is_reported_unknown_at_most_once_and_only_when_no_supplier_knows_it(
    sortings: dict[str, dict[str, str]], data: st.DataObject
) -> None:
    requests = {
        supplier_id: RetryRequest(
            requested=list(sorting),
            failed=[n for n, how in sorting.items() if how == "failed"],
            waiting=[n for n, how in sorting.items() if how == "waiting"],
            set_aside=[
                RetryNumber(invoice_number=n, reason="unknown" if how == "unknown" else "not_retryable")
                for n, how in sorting.items()
                if how in ("unknown", "not_retryable")
            ],
        )
        for supplier_id, sorting in sortings.items()
    }
    reporter = data.draw(st.sampled_from(sorted(requests)))
    sorted_once = unknown_once(requests, reporter)
    reported = Counter(
        aside.invoice_number
        for request in sorted_once.values()
        for aside in request.set_aside
        if aside.reason == "unknown"
    )
    known = {n for sorting in sortings.values() for n, how in sorting.items() if how != "unknown"}
    unknown_to_all = {n for sorting in sortings.values() for n in sorting} - known
    assert reported == Counter(n for n in unknown_to_all if n in sortings[reporter])
    for supplier_id, request in sorted_once.items():
        original = requests[supplier_id]
        assert [a for a in request.set_aside if a.reason != "unknown"] == [
            a for a in original.set_aside if a.reason != "unknown"
        ]
        assert (request.failed, request.waiting) == (original.failed, original.waiting)


# -- the plan, on a real ledger -------------------------------------------------------------------


def supplier(supplier_id: str, siret: str, channel: str = "pdf") -> SupplierIdentity:
    return SupplierIdentity(id=supplier_id, siret=siret, name=supplier_id.title(), deposit_channel=channel)


def fail(ledger: Ledger, number: str, supplier_siret: str) -> None:
    [taken] = ledger.claim_for_submission(supplier_siret, [number], owner(), lease_seconds=900)
    ledger.mark_failed(taken.invoice_id, "refused", owner=owner())


def test_several_suppliers_each_plan_their_own_invoices_and_a_number_is_unknown_once(ledger: Ledger) -> None:
    both = Suppliers((supplier("acme", SUPPLIER), supplier("beta", OTHER_SUPPLIER, "facturx")), "acme")
    record(ledger, "A1", "A2", "SAME")
    record(ledger, "B1", "B2", "SAME", supplier=OTHER_SUPPLIER)
    fail(ledger, "A2", SUPPLIER)
    fail(ledger, "B2", OTHER_SUPPLIER)
    plan = plan_submission(
        ledger, both, ["A2", "B2", "NOWHERE"], buyer_channels={}, concurrency=2, flux_batch_size=10
    )
    assert [(b.supplier_id, b.invoice_numbers, b.include_failed) for b in plan.batches] == [
        ("acme", ["A1"], False),
        ("acme", ["SAME"], False),
        ("acme", ["A2"], True),
        ("beta", ["B1", "SAME"], False),  # beta deposits Factur-X: one flux
        ("beta", ["B2"], True),
    ]
    assert plan.batches[3].label == "beta: B1 … SAME (2)"
    unknown_numbers = {key: [a.invoice_number for a in r.set_aside] for key, r in plan.retry.items()}
    # B2 is beta's: acme does not call it unknown; NOWHERE is nobody's: the default supplier says so.
    assert unknown_numbers == {"acme": ["NOWHERE"], "beta": []}
    assert sort_retry_requests(ledger, both, []) == {"acme": RetryRequest(), "beta": RetryRequest()}


def test_one_supplier_plans_only_its_waiting_invoices_under_no_supplier_name(ledger: Ledger) -> None:
    alone = Suppliers((supplier("default", SUPPLIER),), "default")
    assert (
        plan_submission(ledger, alone, [], buyer_channels={}, concurrency=2, flux_batch_size=10).batches == []
    )
    record(ledger, "WAIT", "DONE", "CHECK", "GONE")
    [done, check] = ledger.claim_for_submission(SUPPLIER, ["DONE", "CHECK"], owner(), lease_seconds=900)
    ledger.mark_submitted(done.invoice_id, 4242, status="DEPOSEE", owner=owner())
    ledger.mark_needs_review(check.invoice_id, "two matches", owner=owner())
    fail(ledger, "GONE", SUPPLIER)
    plan = plan_submission(ledger, alone, [], buyer_channels={}, concurrency=2, flux_batch_size=10)
    assert [(b.label, b.supplier_id, b.include_failed) for b in plan.batches] == [("WAIT", None, False)]
    assert plan.retry == {}
    asked = plan_submission(
        ledger, alone, ["DONE", "GONE"], buyer_channels={}, concurrency=2, flux_batch_size=10
    )
    assert [(b.label, b.include_failed) for b in asked.batches] == [("WAIT", False), ("GONE", True)]
    assert [(a.invoice_number, a.reason, a.state) for a in asked.retry["default"].set_aside] == [
        ("DONE", "not_retryable", "submitted")
    ]
