"""The PA client over real sockets: deposit, search, acknowledgements, faults and the directory."""

from __future__ import annotations

import hashlib
import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from chorusflow.platforms.approved_platform.client import ApprovedPlatformClient
from chorusflow.platforms.approved_platform.config import ApprovedPlatformConfig
from chorusflow.platforms.approved_platform.deposit import (
    REASON_CLASSES,
    AckKind,
    ReasonClass,
    acknowledgement_outcome,
    deposit_once,
    find_by_tracking_id,
)
from chorusflow.platforms.approved_platform.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectionLostError,
    NotFoundError,
    NotInDirectoryError,
    PlatformTimeoutError,
    RateLimitedError,
    ServerError,
)
from chorusflow.platforms.approved_platform.models import AckStatus, Flow
from chorusflow_dev.pa_sandbox import PaSandboxServer
from tests.pa_sandbox.conftest import COMPANY_SIRET, b2b_invoice_cii, b2b_invoice_pdf
from tests.platforms.approved_platform.conftest import admin

FLOWS_PATH = "/flow-service/v1/flows"


def _deposit(client: ApprovedPlatformClient, number: str = "F2026-0901", tracking_id: str = "inv-1") -> Flow:
    return client.submit_flow(tracking_id, f"{number}.pdf", "Factur-X", None, b2b_invoice_pdf(number))


def _acknowledged(client: ApprovedPlatformClient, flow_id: str) -> Flow:
    for _ in range(5):
        flow = client.get_flow(flow_id)
        if acknowledgement_outcome(flow).kind is not AckKind.PENDING:
            return flow
    raise AssertionError(f"flow {flow_id} still Pending")


def _deposits(pa: PaSandboxServer) -> int:
    return sum(
        admin(pa, "GET", "stats")["statuses"].get(FLOWS_PATH, {}).get(k, 0) for k in ("202", "dropped")
    )


def test_submit_sends_the_sha256_and_the_acknowledgement_goes_pending_then_ok(
    client: ApprovedPlatformClient,
) -> None:
    content = b2b_invoice_pdf()
    flow = client.submit_flow("inv-1", "F2026-0901.pdf", "Factur-X", "Basic", content)
    assert (flow.tracking_id, flow.sha256) == ("inv-1", hashlib.sha256(content).hexdigest())
    first = client.get_flow(flow.flow_id)
    assert acknowledgement_outcome(first).kind is AckKind.PENDING
    done = _acknowledged(client, flow.flow_id)
    assert acknowledgement_outcome(done).kind is AckKind.ACCEPTED
    assert client.get_flow_file(flow.flow_id) == content


def test_a_cii_flow_and_the_searches(client: ApprovedPlatformClient) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    flow = client.submit_flow("inv-cii", "f.xml", "CII", None, b2b_invoice_cii())
    _acknowledged(client, flow.flow_id)
    assert [f.flow_id for f in client.search_flows(tracking_id="inv-cii")] == [flow.flow_id]
    deposits = client.search_flows(ack_status=AckStatus.OK, flow_directions=["Out"])
    assert [f.flow_id for f in deposits] == [flow.flow_id]  # the Déposée lifecycle flow is "In"
    assert client.search_flows(ack_status=AckStatus.ERROR) == []
    invoices = client.search_flows(updated_after=before, flow_types=["CustomerInvoice"])
    assert [f.flow_id for f in invoices] == [flow.flow_id]
    with pytest.raises(ValueError, match="at least one filter"):
        client.search_flows()


def test_paging_by_updated_after_returns_every_flow_once(client: ApprovedPlatformClient) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    deposited = [_deposit(client, f"F2026-10{n}", f"page-{n}").flow_id for n in range(5)]
    seen = [f.flow_id for f in client.iter_flows(updated_after=before, page_size=2, flow_directions=["Out"])]
    assert sorted(seen) == sorted(deposited)


def test_the_same_tracking_id_twice_is_adopted_not_failed(client: ApprovedPlatformClient) -> None:
    first = _deposit(client)
    _acknowledged(client, first.flow_id)
    second = _deposit(client)
    outcome = acknowledgement_outcome(_acknowledged(client, second.flow_id))
    assert outcome.kind is AckKind.ADOPTED
    assert [r.code for r in outcome.reasons] == ["AlreadyExistingFlow"]
    assert outcome.reasons[0].reason_class is ReasonClass.DUPLICATE
    found = find_by_tracking_id(client, "inv-1")
    assert found is not None and found.flow_id == first.flow_id  # the refused duplicate is not the deposit


def test_an_invalid_file_is_refused_with_its_reason_code(client: ApprovedPlatformClient) -> None:
    cii_namespace = b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    empty_cii = b'<rsm:CrossIndustryInvoice xmlns:rsm="' + cii_namespace + b'"/>'
    flow = client.submit_flow("bad-1", "f.xml", "CII", None, empty_cii)
    outcome = acknowledgement_outcome(_acknowledged(client, flow.flow_id))
    assert outcome.kind is AckKind.REFUSED
    assert [(r.code, r.reason_class) for r in outcome.reasons] == [
        ("InvalidSchema", ReasonClass.INVALID_FILE)
    ]


def test_a_lost_answer_is_searched_and_adopted_without_a_second_deposit(
    pa: PaSandboxServer, client: ApprovedPlatformClient
) -> None:
    admin(pa, "POST", "faults", {"commit_then_drop_rate": {FLOWS_PATH: 1.0}})
    with pytest.raises(ConnectionLostError) as lost:
        _deposit(client, tracking_id="lost-0")
    assert lost.value.outcome_unknown and lost.value.retryable
    flow = deposit_once(
        client,
        "lost-1",
        name="f.pdf",
        syntax="Factur-X",
        profile=None,
        file_bytes=b2b_invoice_pdf("F2026-0902"),
    )
    assert flow.tracking_id == "lost-1"
    assert len(client.search_flows(tracking_id="lost-1")) == 1
    assert admin(pa, "GET", "stats")["dropped"] == 2  # one drop each: deposit_once sent it once


def test_an_earlier_unknown_outcome_searches_before_sending(
    pa: PaSandboxServer, client: ApprovedPlatformClient
) -> None:
    first = _deposit(client, tracking_id="known-1")
    sent = _deposits(pa)
    again = deposit_once(
        client,
        "known-1",
        name="f.pdf",
        syntax="Factur-X",
        profile=None,
        file_bytes=b2b_invoice_pdf(),
        earlier_outcome_unknown=True,
    )
    assert again.flow_id == first.flow_id
    assert _deposits(pa) == sent  # nothing sent


def test_a_server_error_on_a_deposit_is_unknown_and_resent_only_after_a_search(
    pa: PaSandboxServer, client: ApprovedPlatformClient
) -> None:
    admin(pa, "POST", "faults", {"error_rate": {FLOWS_PATH: 1.0}, "error_status": 503})
    with pytest.raises(ServerError) as failed:
        deposit_once(
            client, "s-1", name="f.pdf", syntax="Factur-X", profile=None, file_bytes=b2b_invoice_pdf()
        )
    assert failed.value.outcome_unknown and failed.value.retryable and not failed.value.fatal
    assert (failed.value.http_status, failed.value.error_code) == (503, "INTERNAL_ERROR")
    statuses = admin(pa, "GET", "stats")["statuses"]
    assert statuses[FLOWS_PATH] == {"503": 2}  # sent, searched, sent once more
    assert statuses[f"{FLOWS_PATH}/search"] == {"200": 1}


def test_a_server_error_on_a_read_is_resent_and_known(
    pa: PaSandboxServer, client: ApprovedPlatformClient
) -> None:
    admin(pa, "POST", "faults", {"error_rate": {f"{FLOWS_PATH}/search": 1.0}, "error_status": 500})
    with pytest.raises(ServerError) as failed:
        client.search_flows(tracking_id="x")
    assert failed.value.retryable and not failed.value.outcome_unknown
    assert admin(pa, "GET", "stats")["statuses"][f"{FLOWS_PATH}/search"] == {"500": 3}


def test_429_waits_for_retry_after_then_succeeds(pa: PaSandboxServer, config: ApprovedPlatformConfig) -> None:
    pauses: list[float] = []
    client = ApprovedPlatformClient(config, sleep=pauses.append)
    admin(pa, "POST", "faults", {"quota_per_second": 1, "retry_after_seconds": 2})
    with pytest.raises(RateLimitedError) as limited:
        for _ in range(10):
            client.search_flows(tracking_id="x")
    assert limited.value.retry_after == 2.0 and limited.value.retryable and not limited.value.outcome_unknown
    assert limited.value.error_code == "TOO_MANY_REQUESTS"
    assert pauses and set(pauses) == {2.0}  # resent after Retry-After (no real pause here)


def test_429_on_a_deposit_is_resent_it_was_not_processed(
    pa: PaSandboxServer, client: ApprovedPlatformClient
) -> None:
    client.search_flows(tracking_id="warm-up")  # the token, outside the quota below
    admin(pa, "POST", "faults", {"quota_per_second": 1, "retry_after_seconds": 1})
    flows = [_deposit(client, f"F2026-30{n}", f"q-{n}") for n in range(3)]
    assert len({f.flow_id for f in flows}) == 3
    assert admin(pa, "GET", "stats")["rate_limited"] >= 1


def test_the_token_is_cached_and_a_wrong_secret_is_fatal(
    pa: PaSandboxServer, config: ApprovedPlatformConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = ApprovedPlatformClient(config)
    for _ in range(3):
        client.search_flows(tracking_id="x")
    assert len(admin(pa, "GET", "tokens")["tokens"]) == 1
    wrong = config.model_copy(update={"client_secret": SecretStr("not-the-secret")})
    with pytest.raises(AuthenticationError) as refused:
        ApprovedPlatformClient(wrong).search_flows(tracking_id="x")
    assert refused.value.fatal
    secret = config.client_secret.get_secret_value()
    assert secret not in caplog.text and secret not in repr(client) and secret not in str(refused.value)


def test_an_expired_token_is_replaced_once(pa: PaSandboxServer, client: ApprovedPlatformClient) -> None:
    client.search_flows(tracking_id="x")
    admin(pa, "POST", "reset")  # forgets every token, like a revoked one
    client.search_flows(tracking_id="x")
    assert len(admin(pa, "GET", "tokens")["tokens"]) == 1


def test_unknown_flow_and_bad_request(client: ApprovedPlatformClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.get_flow("no-such-flow")
    assert (missing.value.error_code, missing.value.retryable) == ("MISSING_RESOURCE", False)
    with pytest.raises(BadRequestError) as bad:
        client.search_flows(tracking_id="x", limit=0)
    assert not bad.value.retryable and not bad.value.outcome_unknown


def test_directory_lookups(client: ApprovedPlatformClient) -> None:
    unit = client.legal_unit("732829320")
    assert (unit.business_name, unit.administrative_status) == ("Boulangerie Martin SAS", "A")
    assert client.facility(COMPANY_SIRET).siren == "732829320"
    line = client.electronic_address("732829320", COMPANY_SIRET)
    assert line.siren == "732829320" and line.addressing_identifier
    lines = client.directory_lines("383474814")
    assert len(lines) == 2 and any(li.routing_code for li in lines)


@pytest.mark.parametrize("siren", ["552100554", "490210125"])  # absent; closed without lines
def test_a_buyer_absent_from_the_directory_is_a_coded_error(
    client: ApprovedPlatformClient, siren: str
) -> None:
    with pytest.raises(NotInDirectoryError) as absent:
        client.electronic_address(siren)
    assert absent.value.rule_code == "PA-DIRECTORY-ABSENT" and not absent.value.retryable


def test_an_absent_siren_lookup_is_a_coded_error(client: ApprovedPlatformClient) -> None:
    with pytest.raises(NotInDirectoryError) as absent:
        client.legal_unit("552100554")
    assert absent.value.http_status == 404 and absent.value.rule_code == "PA-DIRECTORY-ABSENT"


def test_a_timeout_after_the_commit_is_unknown_and_the_search_adopts_the_flow(
    pa: PaSandboxServer, config: ApprovedPlatformConfig
) -> None:
    client = ApprovedPlatformClient(config.model_copy(update={"timeout": 0.5}))
    client.search_flows(tracking_id="warm-up")  # the token, before the delay below
    # Acknowledgements (the invoice checks) 10 min away: only the answer delay counts against 0.5 s.
    admin(pa, "POST", "faults", {"answer_delay_ms": {FLOWS_PATH: 1500}, "ack_delay_seconds": [600, 600]})
    with pytest.raises(PlatformTimeoutError) as late:
        _deposit(client, tracking_id="late-0")
    assert late.value.outcome_unknown and late.value.retryable
    flow = deposit_once(
        client,
        "late-1",
        name="f.pdf",
        syntax="Factur-X",
        profile=None,
        file_bytes=b2b_invoice_pdf("F2026-0903"),
    )
    assert flow.tracking_id == "late-1"
    admin(pa, "POST", "faults", {"answer_delay_ms": {}})
    assert len(client.search_flows(tracking_id="late-1")) == 1
    held = [f["trackingId"] for f in admin(pa, "GET", "flows")["flows"] if f["flowDirection"] == "Out"]
    assert sorted(held) == ["late-0", "late-1"]  # each sent once


def test_a_refused_connection_never_sent_the_deposit(
    pa: PaSandboxServer, config: ApprovedPlatformConfig
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = ApprovedPlatformClient(config.model_copy(update={"flow_url": f"http://127.0.0.1:{closed_port}"}))
    with pytest.raises(ConnectionLostError) as refused:
        _deposit(client)
    assert refused.value.retryable and not refused.value.outcome_unknown  # safe to send again


known_codes = st.sampled_from(sorted(REASON_CLASSES))
any_codes = st.one_of(known_codes, st.text(st.characters(categories=("L", "N")), min_size=1, max_size=30))


@given(codes=st.lists(any_codes, min_size=1, max_size=5))
def test_an_error_acknowledgement_is_adopted_exactly_when_a_code_says_already_existing(
    codes: list[str],
) -> None:
    details = [
        {"level": "Error", "item": "file", "reasonCode": c, "reasonMessage": "texte libre"} for c in codes
    ]
    flow = Flow.model_validate({"flowId": "f-1", "acknowledgement": {"status": "Error", "details": details}})
    outcome = acknowledgement_outcome(flow)
    assert (outcome.kind is AckKind.ADOPTED) == ("AlreadyExistingFlow" in codes)
    assert outcome.kind in (AckKind.ADOPTED, AckKind.REFUSED)
    assert [r.code for r in outcome.reasons] == codes
    for reason in outcome.reasons:
        assert reason.reason_class is REASON_CLASSES.get(reason.code, ReasonClass.OTHER)
