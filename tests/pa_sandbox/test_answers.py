"""The sandbox's answers conform to the annexes too (status declared, media type, body schema), and to
the digest."""

from __future__ import annotations

import pytest
import requests

from chorusflow_dev.pa_sandbox import PaSandboxServer
from chorusflow_dev.pa_sandbox.annexes import load_interface
from chorusflow_dev.pa_sandbox.openapi import OpenApi
from tests.pa_sandbox.conftest import PaApi, b2b_invoice_pdf


@pytest.fixture
def pa(checked_pa: PaSandboxServer) -> PaSandboxServer:
    """Every test of this module runs against the official annexes (when installed) and the digest."""
    return checked_pa


def _check(annex: str, method: str, template: str, answer: requests.Response) -> None:
    api = OpenApi(load_interface(annex).document, "")
    content_type = answer.headers.get("Content-Type", "")
    is_json = "json" in content_type
    body = answer.json() if is_json and answer.content else answer.content
    errors = api.response_errors(
        method, template, answer.status_code, content_type if answer.content else "", body
    )
    assert errors == [], (template, answer.status_code, errors)


def test_flow_service_answers_conform(api: PaApi) -> None:
    pdf = b2b_invoice_pdf()
    posted = api.post_flow(pdf, {"trackingId": "inv-1", "flowSyntax": "Factur-X", "processingRule": "B2B"})
    _check("flow", "POST", "/v1/flows", posted)
    flow_id = posted.json()["flowId"]
    for _ in range(3):
        _check("flow", "GET", "/v1/flows/{flowId}", api.flow(flow_id))
    _check("flow", "GET", "/v1/flows/{flowId}", api.flow(flow_id, "Original"))
    _check("flow", "GET", "/v1/flows/{flowId}", api.flow("unknown-id"))
    _check(
        "flow", "POST", "/v1/flows/search", api.search({"flowType": ["CustomerInvoice", "CustomerInvoiceLC"]})
    )
    _check("flow", "POST", "/v1/flows/search", api.search({}))
    _check("flow", "POST", "/v1/flows/search", api.search({"flowType": ["Nope"]}))
    bad = api.acknowledged(api.deposit(pdf, "inv-1"))
    assert bad["acknowledgement"]["status"] == "Error"
    _check("flow", "POST", "/v1/flows/search", api.search({"ackStatus": "Error"}))
    api.admin("POST", "faults", {"quota_per_second": 1})
    limited = [api.search({"ackStatus": "Ok"}) for _ in range(3)]
    _check("flow", "POST", "/v1/flows/search", next(a for a in limited if a.status_code == 429))


@pytest.mark.parametrize(
    ("path", "template", "body"),
    [
        ("siren/code-insee:732829320", "/v1/siren/code-insee:{siren}", None),
        ("siren/code-insee:552100554", "/v1/siren/code-insee:{siren}", None),
        ("siret/code-insee:21750001600019?include=siren", "/v1/siret/code-insee:{siret}", None),
        ("directory-line/code:383474814_FACTURES", "/v1/directory-line/code:{addressing-identifier}", None),
        (
            "directory-line/search",
            "/v1/directory-line/search",
            {"filters": {"siren": {"op": "contains", "value": "3"}}},
        ),
        (
            "routing-code/search",
            "/v1/routing-code/search",
            {"filters": {"siret": {"op": "contains", "value": "2"}}},
        ),
    ],
)
def test_directory_answers_conform(
    api: PaApi, path: str, template: str, body: dict[str, object] | None
) -> None:
    answer = api.directory(path, json=body) if body is not None else api.directory(path)
    _check("directory", "POST" if body is not None else "GET", template, answer)
