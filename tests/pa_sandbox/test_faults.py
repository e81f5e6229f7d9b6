"""Injected faults: 429 with Retry-After, server errors, answers lost after the commit."""

from __future__ import annotations

import pytest
import requests

from chorusflow_dev.pa_sandbox import PaSandboxServer
from tests.pa_sandbox.conftest import PaApi, b2b_invoice_pdf


def test_over_quota_is_429_with_retry_after(api: PaApi) -> None:
    api.admin("POST", "faults", {"quota_per_second": 2, "retry_after_seconds": 3})
    answers = [api.search({"ackStatus": "Ok"}) for _ in range(6)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert limited[0].headers["Retry-After"] == "3"
    assert limited[0].json()["errorCode"] == "TOO_MANY_REQUESTS"
    assert api.admin("GET", "stats").json()["rate_limited"] == len(limited)


def test_directory_429_is_problem_json(api: PaApi) -> None:
    api.admin("POST", "faults", {"quota_per_second": 1})
    answers = [api.directory("siren/code-insee:732829320") for _ in range(4)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and limited[0].content == b""  # Annex B declares its 429 without a body
    assert "Retry-After" in limited[0].headers


@pytest.mark.parametrize("status", [500, 503])
def test_injected_server_errors(api: PaApi, status: int) -> None:
    api.admin("POST", "faults", {"error_rate": {"/flow-service/v1/flows": 1.0}, "error_status": status})
    answer = api.post_flow(b2b_invoice_pdf(), {"trackingId": "t-1", "flowSyntax": "Factur-X"})
    assert answer.status_code == status
    assert "errorCode" in answer.json()
    assert api.admin("GET", "flows").json()["flows"] == []  # refused before the deposit


def test_a_lost_answer_after_commit_leaves_the_flow_findable(api: PaApi) -> None:
    api.admin("POST", "faults", {"commit_then_drop_rate": {"/flow-service/v1/flows": 1.0}})
    with pytest.raises(requests.ConnectionError):
        api.post_flow(b2b_invoice_pdf(), {"trackingId": "lost-1", "flowSyntax": "Factur-X"})
    api.admin("POST", "faults", {"commit_then_drop_rate": {}})
    found = api.search({"trackingId": "lost-1"}).json()["results"]
    assert len(found) == 1  # deposited once: the client must search before depositing again
    assert api.admin("GET", "stats").json()["dropped"] == 1


def test_faults_are_validated_and_reset(pa: PaSandboxServer, api: PaApi) -> None:
    assert api.admin("POST", "faults", {"ack_delay_seconds": [5, 1]}).status_code == 400
    assert api.admin("POST", "faults", {"unknown": 1}).status_code == 400
    api.admin("POST", "faults", {"quota_per_second": 1})
    assert api.admin("POST", "reset").status_code == 200
    assert api.admin("GET", "faults").json()["quota_per_second"] is None
    assert api.admin("GET", "nothing").status_code == 404


def test_a_forced_reason_applies_to_one_tracking_id(api: PaApi) -> None:
    api.admin("POST", "faults", {"forced_reasons": {"virus-1": "VirusFound"}})
    hit = api.acknowledged(api.deposit(b2b_invoice_pdf(), "virus-1"))
    clean = api.acknowledged(api.deposit(b2b_invoice_pdf("F2026-0902"), "clean-1"))
    assert hit["acknowledgement"]["details"][0]["reasonCode"] == "VirusFound"
    assert clean["acknowledgement"]["status"] == "Ok"
