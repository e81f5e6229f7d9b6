"""Every request is checked against the annexes (or, without them, the digest): non-conforming ones
are refused, never guessed."""

from __future__ import annotations

import json

import pytest
import requests

from chorusflow_dev.pa_sandbox import PaSandboxServer
from chorusflow_dev.pa_sandbox.annexes import load_interface
from chorusflow_dev.pa_sandbox.openapi import OpenApi, RequestRefused
from tests.pa_sandbox.conftest import PaApi, b2b_invoice_pdf


@pytest.fixture
def pa(checked_pa: PaSandboxServer) -> PaSandboxServer:
    """Every test of this module runs against the official annexes (when installed) and the digest."""
    return checked_pa


@pytest.mark.parametrize(
    "where",
    [
        {"flowType": ["Invoice"]},  # not a FlowType
        {"ackStatus": "ok"},  # enum values are case-sensitive
        {"updatedAfter": "2026-12-01"},  # date-time needs a time and an offset
        {"updatedAfter": "2026-12-01T10:00:00"},  # no offset
        {"trackingId": "x" * 37},  # NotOnlyUuid: at most 36 characters
        {"flowId": "abc"},  # removed from the criteria in 1.1.0
    ],
)
def test_search_filters_outside_the_annex_are_400(api: PaApi, where: dict[str, object]) -> None:
    answer = api.search(where)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"errorCode", "errorMessage"}


def test_unknown_body_keys_and_missing_where_are_400(pa: PaSandboxServer, api: PaApi) -> None:
    url = f"{pa.url}/flow-service/v1/flows/search"
    unknown = requests.post(
        url, headers=api.headers, json={"where": {"ackStatus": "Ok"}, "offset": 2}, timeout=10
    )
    assert unknown.status_code == 400 and "offset: unknown property" in unknown.json()["errorMessage"]
    missing = requests.post(url, headers=api.headers, json={"limit": 5}, timeout=10)
    assert (missing.status_code, missing.json()["errorCode"]) == (400, "MISSING_REQUIRED_FIELD")
    text = requests.post(url, headers=api.headers, data="where", timeout=10)
    assert text.status_code == 415


@pytest.mark.parametrize(
    ("info", "flow_info_type", "file_type"),
    [
        ({"trackingId": "t"}, "application/json", "application/pdf"),  # flowSyntax is required
        ({"flowSyntax": "PDF"}, "application/json", "application/pdf"),  # not a FlowSyntax
        ({"flowSyntax": "Factur-X", "sha256": "ABC"}, "application/json", "application/pdf"),  # pattern
        ({"flowSyntax": "Factur-X", "flowProfile": "EN16931"}, "application/json", "application/pdf"),
        ({"flowSyntax": "Factur-X", "extra": 1}, "application/json", "application/pdf"),
        ({"flowSyntax": "Factur-X"}, None, "application/pdf"),  # flowInfo must be sent as JSON
        ({"flowSyntax": "Factur-X"}, "application/json", "application/octet-stream"),  # file: pdf or xml
    ],
)
def test_flow_uploads_outside_the_annex_are_400(
    pa: PaSandboxServer, api: PaApi, info: dict[str, object], flow_info_type: str | None, file_type: str
) -> None:
    files = {
        "flowInfo": (None, json.dumps(info), flow_info_type) if flow_info_type else (None, json.dumps(info)),
        "file": ("f.pdf", b2b_invoice_pdf(), file_type),
    }
    answer = requests.post(f"{pa.url}/flow-service/v1/flows", headers=api.headers, files=files, timeout=30)
    assert answer.status_code == 400, answer.text
    assert api.admin("GET", "flows").json()["flows"] == []


def test_an_upload_without_its_file_or_as_json_is_refused(pa: PaSandboxServer, api: PaApi) -> None:
    url = f"{pa.url}/flow-service/v1/flows"
    no_file = requests.post(
        url,
        headers=api.headers,
        files={"flowInfo": (None, '{"flowSyntax": "CII"}', "application/json")},
        timeout=10,
    )
    assert (no_file.status_code, no_file.json()["errorCode"]) == (400, "MISSING_REQUIRED_FIELD")
    as_json = requests.post(url, headers=api.headers, json={"flowInfo": {"flowSyntax": "CII"}}, timeout=10)
    assert as_json.status_code == 415


def test_paths_methods_and_query_parameters_outside_the_annex(pa: PaSandboxServer, api: PaApi) -> None:
    flow = f"{pa.url}/flow-service/v1/flows"
    assert requests.get(f"{flow}/search", headers=api.headers, timeout=10).status_code == 405
    assert requests.delete(f"{flow}/abc", headers=api.headers, timeout=10).status_code == 405
    assert (
        requests.get(f"{pa.url}/flow-service/v2/flows/abc", headers=api.headers, timeout=10).status_code
        == 404
    )
    bad_doc = requests.get(f"{flow}/abc", headers=api.headers, params={"docType": "Pdf"}, timeout=10)
    assert bad_doc.status_code == 400
    unknown_query = requests.get(f"{flow}/abc", headers=api.headers, params={"format": "json"}, timeout=10)
    assert unknown_query.status_code == 400
    request_id = requests.get(
        f"{flow}/abc", headers={**api.headers, "X-Request-Id": "not-a-uuid"}, timeout=10
    )
    assert request_id.status_code == 400
    long_id = requests.get(f"{flow}/{'a' * 37}", headers=api.headers, timeout=10)
    assert long_id.status_code == 400


def test_directory_requests_are_checked_too(api: PaApi) -> None:
    assert api.directory("siren/code-insee:12345678").status_code == 400
    assert api.directory("siret/code-insee:7328293200007X").status_code == 400
    wrong_op = api.directory(
        "directory-line/search", json={"filters": {"siren": {"op": "equals", "value": "1"}}}
    )
    assert wrong_op.status_code == 400
    assert wrong_op.content == b""  # Annex B declares its 400 without a body
    assert api.directory("siret/code-insee:73282932000074", params={"include": "siret"}).status_code == 400


def test_the_validator_accepts_what_a_conforming_client_sends(checked_against: str) -> None:
    interface = load_interface("flow")
    assert interface.source == checked_against
    flow = OpenApi(interface.document, "/flow-service")
    checked = flow.check(
        "POST",
        "/flow-service/v1/flows/search",
        "",
        {},
        "application/json",
        json.dumps({"limit": 100, "where": {"updatedAfter": "2026-12-01T10:00:00.123+01:00"}}).encode(),
    )
    assert checked.template == "/v1/flows/search"
    with pytest.raises(RequestRefused) as refused:
        flow.check("PUT", "/flow-service/v1/flows", "", {}, "", b"")
    assert refused.value.status == 405
