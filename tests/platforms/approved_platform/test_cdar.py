"""CDAR lifecycles: the supplier's own (Encaissée, Complétée) pass the D22B XSD and FNFE-MPE's
schematron and are taken by the PA sandbox; the buyer's are read into typed status events."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chorusflow.platforms.approved_platform.cdar import (
    InvoiceReference,
    Lifecycle,
    Party,
    build_cdar,
    build_completee,
    build_encaissee,
    read_status_event,
    schematron_failures,
    xsd_errors,
)
from chorusflow.platforms.approved_platform.client import ApprovedPlatformClient
from chorusflow.platforms.approved_platform.deposit import AckKind
from chorusflow.platforms.approved_platform.statuses import (
    LIFECYCLE_STATUSES,
    REASONS,
    VALID_STATUS_CODES,
    LifecycleClass,
    classify,
    is_final,
)
from chorusflow_dev.pa_sandbox import PaSandboxServer
from tests.pa_sandbox.conftest import SUPPLIER, b2b_invoice_pdf
from tests.platforms.approved_platform.conftest import acknowledged, admin

SELLER = Party(SUPPLIER, "ACME Energie SAS", "SE")
BUYER = Party("732829320", "Boulangerie Martin SAS", "BY")
AT = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
numbers = st.from_regex(r"[A-Z0-9][A-Z0-9/_-]{0,19}", fullmatch=True)


def _invoice(number: str = "F2026-0901") -> InvoiceReference:
    return InvoiceReference(number, "20261203", "380", SELLER, BUYER)


def _valid(xml: bytes) -> None:
    assert xsd_errors(xml) == []
    assert schematron_failures(xml) == []


def test_encaissee_and_completee_pass_the_xsd_and_the_schematron() -> None:
    encaissee = build_encaissee(_invoice(), Decimal("1234.56"), Decimal("20"), at=AT)
    _valid(encaissee)
    event = read_status_event(encaissee)
    assert (event.status, event.label, event.paid_amount, event.status_class) == (
        212,
        "Encaissée",
        Decimal("1234.56"),
        LifecycleClass.PAID,
    )
    completee = build_completee(_invoice(), at=AT)
    _valid(completee)
    assert read_status_event(completee).status == 209


def test_an_encaissee_without_an_amount_is_refused_before_it_is_built() -> None:
    with pytest.raises(ValueError, match="positive"):
        build_encaissee(_invoice(), Decimal(0), Decimal("20"), at=AT)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    amount=amounts,
    rate=st.sampled_from([Decimal(0), Decimal("5.5"), Decimal(10), Decimal(20)]),
    number=numbers,
)
def test_encaissee_round_trips_and_validates(amount: Decimal, rate: Decimal, number: str) -> None:
    xml = build_encaissee(_invoice(number), amount, rate, at=AT)
    assert xsd_errors(xml) == []
    event = read_status_event(xml)
    assert (event.invoice_number, event.paid_amount, event.seller_siren) == (number, amount, SUPPLIER)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, number=numbers)
def test_encaissee_passes_the_schematron_for_any_amount_and_number(amount: Decimal, number: str) -> None:
    assert schematron_failures(build_encaissee(_invoice(number), amount, Decimal(20), at=AT)) == []


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_buyer_statuses_with_reasons_read_back_typed(data: st.DataObject) -> None:
    status = data.draw(st.sampled_from(sorted(REASONS)))
    reason_code = data.draw(st.sampled_from(sorted(REASONS[status])))
    reason = data.draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60))
    lifecycle = Lifecycle(
        "F-1", "20261203", "380", status, SUPPLIER, BUYER, SELLER, reason_code, reason or None
    )
    xml = build_cdar(lifecycle, AT, AT)
    event = read_status_event(xml)
    assert event.status == status and event.reason_codes == (reason_code,)
    assert event.status_class is classify(status)


def test_not_a_cdar_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a valid CDAR"):
        read_status_event(b"<Invoice/>")


def test_the_status_table() -> None:
    assert set(LIFECYCLE_STATUSES) <= VALID_STATUS_CODES
    assert set(REASONS) <= set(LIFECYCLE_STATUSES)
    # The four mandatory statuses and their classes.
    assert classify(200) is LifecycleClass.IN_PROGRESS
    assert classify(213) is LifecycleClass.REJECTED_BY_PLATFORM
    assert classify(210) is LifecycleClass.BLOCKED_BY_BUYER
    assert classify(212) is LifecycleClass.PAID
    assert {classify(c) for c in (207, 208)} == {LifecycleClass.BLOCKED_BY_BUYER}
    assert classify(250) is LifecycleClass.UNKNOWN and classify(None) is LifecycleClass.UNKNOWN
    assert [c for c in sorted(LIFECYCLE_STATUSES) if is_final(c)] == [210, 212, 213, 221]


def _deposited(client: ApprovedPlatformClient) -> str:
    flow = client.submit_flow("inv-1", "f.pdf", "Factur-X", None, b2b_invoice_pdf())
    assert acknowledged(client, flow.flow_id).kind is AckKind.ACCEPTED
    return flow.flow_id


def _lifecycle_events(client: ApprovedPlatformClient) -> list[int]:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    flows = client.iter_flows(updated_after=since, flow_types=["CustomerInvoiceLC"], flow_directions=["In"])
    return [read_status_event(client.get_flow_file(flow.flow_id)).status for flow in flows]


def test_a_suspension_is_read_then_answered_by_completee(
    pa: PaSandboxServer, client: ApprovedPlatformClient
) -> None:
    flow_id = _deposited(client)
    body = {"action": "suspend", "reasonCode": "JUSTIF_ABS", "reason": "bon de livraison"}
    admin(pa, "POST", f"flows/{flow_id}/lifecycle", body)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    lifecycle_flows = list(
        client.iter_flows(updated_after=since, flow_types=["CustomerInvoiceLC"], flow_directions=["In"])
    )
    events = [read_status_event(client.get_flow_file(f.flow_id)) for f in lifecycle_flows]
    suspended = events[-1]
    assert (suspended.status, suspended.status_class, suspended.reason_codes, suspended.issuer_role) == (
        208,
        LifecycleClass.BLOCKED_BY_BUYER,
        ("JUSTIF_ABS",),
        "BY",
    )
    answer = client.submit_flow("inv-1-209", "cpl.xml", "CDAR", None, build_completee(_invoice(), at=AT))
    assert acknowledged(client, answer.flow_id).kind is AckKind.ACCEPTED
    history = admin(pa, "GET", "invoices")["invoices"][0]["history"]
    assert [h["status"] for h in history] == [200, 208, 209]


def test_encaissee_is_taken_by_the_platform(pa: PaSandboxServer, client: ApprovedPlatformClient) -> None:
    _deposited(client)
    total = Decimal("44925.94")  # the test invoice's total
    flow = client.submit_flow(
        "inv-1-212", "enc.xml", "CDAR", None, build_encaissee(_invoice(), total, Decimal(20), at=AT)
    )
    assert acknowledged(client, flow.flow_id).kind is AckKind.ACCEPTED
    invoice = admin(pa, "GET", "invoices")["invoices"][0]
    assert (invoice["status"], invoice["paid"]) == (212, "44925.94")
    assert _lifecycle_events(client) == [200]  # our own lifecycle is "Out", not read back as the buyer's


def test_a_platform_rejection_is_read_with_its_reason(client: ApprovedPlatformClient) -> None:
    absent_buyer = b2b_invoice_pdf("F2026-0990", buyer_siret="55210055400013")  # no directory line
    flow = client.submit_flow("inv-absent", "f.pdf", "Factur-X", None, absent_buyer)
    assert acknowledged(client, flow.flow_id).kind is AckKind.ACCEPTED  # technically fine
    since = datetime(2026, 1, 1, tzinfo=UTC)
    [rejection] = [
        read_status_event(client.get_flow_file(f.flow_id))
        for f in client.iter_flows(
            updated_after=since, flow_types=["CustomerInvoiceLC"], flow_directions=["In"]
        )
    ]
    assert (rejection.status, rejection.label, rejection.status_class, rejection.reason_codes) == (
        213,
        "Rejetée",
        LifecycleClass.REJECTED_BY_PLATFORM,
        ("DEST_INC",),
    )
    assert rejection.issuer_role == "WK" and is_final(rejection.status)
