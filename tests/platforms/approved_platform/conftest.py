"""The approved-platform client against the local PA sandbox, over real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chorusflow.platforms.approved_platform.client import ApprovedPlatformClient
from chorusflow.platforms.approved_platform.config import ApprovedPlatformConfig
from chorusflow.platforms.approved_platform.deposit import AckKind, AckOutcome, acknowledgement_outcome
from chorusflow_dev.pa_sandbox import PaSandboxServer


@pytest.fixture
def pa() -> Iterator[PaSandboxServer]:
    """A PA sandbox on the fast profile (a flow is Pending for one read), on a free port."""
    with PaSandboxServer(profile="fast") as server:
        yield server


@pytest.fixture
def config(pa: PaSandboxServer) -> ApprovedPlatformConfig:
    """The default supplier's settings, from the sandbox's Airflow connection (JSON form)."""
    return ApprovedPlatformConfig.from_connection(pa.connection())


@pytest.fixture
def client(config: ApprovedPlatformConfig) -> Iterator[ApprovedPlatformClient]:
    """The client, pausing for real (Retry-After of the sandbox is 1 s by default)."""
    with ApprovedPlatformClient(config) as opened:
        yield opened


def admin(pa: PaSandboxServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call a sandbox admin endpoint; its JSON answer."""
    answer = requests.request(method, f"{pa.url}/sandbox/{path}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def acknowledged(client: ApprovedPlatformClient, flow_id: str) -> AckOutcome:
    """The flow's acknowledgement once it is no longer Pending (fast profile: the second read)."""
    for _ in range(5):
        outcome = acknowledgement_outcome(client.get_flow(flow_id))
        if outcome.kind is not AckKind.PENDING:
            return outcome
    raise AssertionError(f"flow {flow_id} still Pending")
