"""The PA sandbox over real sockets, and a raw AFNOR Flow/Directory client for its tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chorusflow.facturx import build_cii, build_facturx
from chorusflow.invoice import Invoice
from chorusflow_dev.pa_sandbox import PaSandboxServer
from chorusflow_dev.pa_sandbox.annexes import ENVIRONMENT_VARIABLE, FETCH_INSTRUCTION, annexes_installed
from tests.documents.builders import invoice

SUPPLIER = "452188014"
OTHER_SUPPLIER = "318462917"
COMPANY_SIRET = "73282932000074"  # Boulangerie Martin, in the directory
ABSENT_SIRET = "55210055400013"  # no directory line


@pytest.fixture(params=["annex", "digest"])
def checked_against(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> str:
    """What the sandbox checks requests against: the official annexes (skipped when they are not
    installed) or our digest (the annexes hidden behind an empty folder)."""
    source = str(request.param)
    if source == "digest":
        monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path_factory.mktemp("no-annexes")))
    elif not annexes_installed():
        pytest.skip("the AFNOR annexes are not installed: " + FETCH_INSTRUCTION)
    return source


@pytest.fixture
def checked_pa(checked_against: str) -> Iterator[PaSandboxServer]:
    """A fast-profile PA sandbox checking requests against ``checked_against``."""
    with PaSandboxServer(profile="fast") as server:
        assert server.sandbox.interfaces == {"flow": checked_against, "directory": checked_against}
        yield server


class PaApi:
    """Raw calls to one PA sandbox as one supplier."""

    def __init__(self, server: PaSandboxServer, supplier: str = SUPPLIER) -> None:
        self.url = server.url
        self.session = requests.Session()
        self.connection = server.connection(supplier)
        self.token = self.new_token()

    def new_token(self) -> str:
        answer = self.session.post(
            f"{self.url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.connection["login"],
                "client_secret": self.connection["password"],
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post_flow(
        self, content: bytes, info: dict[str, Any], file_type: str = "application/pdf", name: str = "f.pdf"
    ) -> requests.Response:
        files = {
            "flowInfo": (None, json.dumps(info), "application/json"),
            "file": (name, content, file_type),
        }
        return self.session.post(
            f"{self.url}/flow-service/v1/flows", headers=self.headers, files=files, timeout=30
        )

    def deposit(self, content: bytes, tracking_id: str, syntax: str = "Factur-X", **info: Any) -> str:
        """Deposit and return the flow id (202 expected)."""
        file_type = "application/pdf" if content.startswith(b"%PDF") else "application/xml"
        body = {
            "trackingId": tracking_id,
            "flowSyntax": syntax,
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        answer = self.post_flow(
            content, {**body, **info}, file_type, "f.pdf" if syntax == "Factur-X" else "f.xml"
        )
        assert answer.status_code == 202, answer.text
        return str(answer.json()["flowId"])

    def search(self, where: dict[str, Any], limit: int | None = None) -> requests.Response:
        body: dict[str, Any] = {"where": where}
        if limit is not None:
            body["limit"] = limit
        return self.session.post(
            f"{self.url}/flow-service/v1/flows/search", headers=self.headers, json=body, timeout=10
        )

    def flow(self, flow_id: str, doc_type: str | None = None) -> requests.Response:
        params = {"docType": doc_type} if doc_type else None
        return self.session.get(
            f"{self.url}/flow-service/v1/flows/{flow_id}", headers=self.headers, params=params, timeout=10
        )

    def acknowledged(self, flow_id: str) -> dict[str, Any]:
        """Read the flow until its acknowledgement is no longer Pending (fast profile: two reads)."""
        for _ in range(5):
            metadata: dict[str, Any] = self.flow(flow_id).json()
            if metadata["acknowledgement"]["status"] != "Pending":
                return metadata
        raise AssertionError(f"flow {flow_id} still Pending")

    def directory(self, path: str, **kwargs: Any) -> requests.Response:
        method = "POST" if "json" in kwargs else "GET"
        return self.session.request(
            method, f"{self.url}/directory-service/v1/{path}", headers=self.headers, timeout=10, **kwargs
        )

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return self.session.request(method, f"{self.url}/sandbox/{path}", json=body, timeout=10)


@pytest.fixture
def pa() -> Iterator[PaSandboxServer]:
    """A PA sandbox on the fast profile, on a free port."""
    with PaSandboxServer(profile="fast") as server:
        yield server


@pytest.fixture
def api(pa: PaSandboxServer) -> PaApi:
    """The default supplier's raw client."""
    return PaApi(pa)


def _b2b_invoice(number: str, buyer_siret: str, **changes: Any) -> Invoice:
    """An invoice of the default supplier to a company (no service code, no engagement)."""
    return invoice(
        invoice_number=number,
        buyer_siret=buyer_siret,
        buyer_name="Boulangerie Martin SAS",
        service_code=None,
        engagement_number=None,
        **changes,
    )


def b2b_invoice_pdf(number: str = "F2026-0901", buyer_siret: str = COMPANY_SIRET, **changes: Any) -> bytes:
    """A Factur-X invoice of the default supplier to a company."""
    built = _b2b_invoice(number, buyer_siret, **changes)
    return build_facturx(built, built.supplier)


def b2b_invoice_cii(number: str = "F2026-0902", buyer_siret: str = COMPANY_SIRET) -> bytes:
    """The CII of such an invoice."""
    built = _b2b_invoice(number, buyer_siret)
    return build_cii(built, built.supplier)
