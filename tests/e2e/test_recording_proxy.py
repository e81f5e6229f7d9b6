"""A recording proxy between the DAGs and the sandbox checks every request against the Swagger.

The proxy is a real HTTP server on loopback: the ``chorus_pro`` connection points at it, it forwards
each request to the sandbox and keeps a copy. Each recorded body is then checked, outside the
sandbox, against the official Swagger (the Factures and Structures files shipped in the package;
the Transverses operations, which have no public Swagger, against the sandbox's schema file), with
every object closed: an unknown key is a violation. A lenient sandbox could not hide a mistake.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from chorusflow_dev.sandbox.validation import has_schema, validate_request_body
from tests.fixtures.airflow import PipelineEnv, load_dag

pytestmark = pytest.mark.slow

SUBMIT = "/cpro/factures/v1/soumettre"
UPLOAD = "/cpro/transverses/v1/ajouter/fichier"
DEPOSIT_FLUX = "/cpro/factures/v1/deposer/flux"
FLUX_REPORT = "/cpro/transverses/v1/consulterCRDetaille"
SEARCH = "/cpro/factures/v1/rechercher/fournisseur"


@dataclass
class Recorded:
    """One request that went through the proxy."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class RecordingProxy:
    """Forwards to ``upstream`` and records every request."""

    upstream: str
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                return

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

            def _forward(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    body: Any = json.loads(raw) if raw and "json" in headers.get("content-type", "") else raw
                except ValueError:
                    body = raw
                with proxy.lock:
                    proxy.requests.append(Recorded(method, self.path.split("?")[0], headers, body))
                forwarded = {
                    key: value
                    for key, value in self.headers.items()
                    if key.lower() not in ("host", "connection")
                }
                answer = requests.request(
                    method, proxy.upstream + self.path, data=raw, headers=forwarded, timeout=60
                )
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                        "content-encoding",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        return Handler


@pytest.fixture
def proxy(pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    """The proxy in front of the pipeline's sandbox, and the connection pointing at it."""
    recorder = RecordingProxy(pipeline_env.sandbox.url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), recorder.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_address[1]}"
    connection = pipeline_env.sandbox.connection()
    connection["host"] = address
    connection["extra"] = {**connection["extra"], "token_url": f"{address}/api/oauth/token"}
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO", json.dumps(connection))
    yield recorder
    server.shutdown()
    server.server_close()


def _violations(recorded: list[Recorded]) -> list[str]:
    found = []
    for request in recorded:
        if not request.path.startswith("/cpro/"):
            continue  # the PISTE token endpoint: a form, not a Chorus Pro operation
        if not has_schema(request.path):
            found.append(f"{request.path}: no Swagger operation")
            continue
        if "cpro-account" not in request.headers or not request.headers.get("authorization", "").startswith(
            "Bearer "
        ):
            found.append(f"{request.path}: missing cpro-account or bearer token")
        found.extend(
            f"{request.path}: {error}" for error in validate_request_body(request.path, request.body)
        )
    return found


def _run(dag_id: str) -> Any:
    return load_dag(dag_id).test(run_conf={})


def test_pdf_channel_requests_conform_to_the_swagger(
    pipeline_env: PipelineEnv, proxy: RecordingProxy
) -> None:
    pipeline_env.drop_export()
    _run("chorus_submit_invoices")
    _run("chorus_sync_statuses")

    paths = [request.path for request in proxy.requests]
    deposits = [request.body for request in proxy.requests if request.path == SUBMIT]
    assert deposits and paths.count(UPLOAD) >= len(deposits)
    assert {body["modeDepot"] for body in deposits} == {"DEPOT_PDF_API"}
    assert all(body["numeroFactureSaisi"] and body["dateFacture"] for body in deposits)
    assert _violations(proxy.requests) == []


def test_saisie_channel_requests_conform_to_the_swagger(
    pipeline_env: PipelineEnv, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "saisie")
    pipeline_env.drop_export()
    _run("chorus_submit_invoices")

    deposits = [request.body for request in proxy.requests if request.path == SUBMIT]
    assert deposits and UPLOAD not in {request.path for request in proxy.requests}
    assert {body["modeDepot"] for body in deposits} == {"SAISIE_API"}
    assert not any("numeroFactureSaisi" in body or "dateFacture" in body for body in deposits)
    assert _violations(proxy.requests) == []


def test_facturx_channel_requests_conform_to_the_swagger(
    pipeline_env: PipelineEnv, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    monkeypatch.setenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", "0")
    pipeline_env.drop_export()
    _run("chorus_submit_invoices")
    _run("chorus_sync_statuses")
    _run("chorus_sync_statuses")

    paths = [request.path for request in proxy.requests]
    deposits = [request.body for request in proxy.requests if request.path == DEPOSIT_FLUX]
    assert len(deposits) == 1 and deposits[0]["syntaxeFlux"] == "IN_DP_E2_CII_FACTURX"
    assert SUBMIT not in paths and UPLOAD not in paths
    assert paths.count(FLUX_REPORT) == 2  # pending, then integrated
    searches = [r.body for r in proxy.requests if r.path == SEARCH and "numeroFluxDepot" in r.body]
    assert searches and all(body["numeroFluxDepot"] for body in searches)
    assert _violations(proxy.requests) == []


def test_the_check_finds_a_violation() -> None:
    """The check itself can fail: an unknown key and a missing header are reported."""
    bad = Recorded(
        "POST", SUBMIT, {"content-type": "application/json"}, {"modeDepot": "SAISIE_API", "oops": 1}
    )
    problems = _violations([bad])
    assert any("cpro-account" in problem for problem in problems)
    assert any("oops" in problem for problem in problems)
