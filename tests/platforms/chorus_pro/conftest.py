"""Fixtures of the Chorus Pro client tests, on top of the shared sandbox fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import IFPEN, SandboxAdmin, sandbox_admin

IFPEN_SIRET = IFPEN


@pytest.fixture
def admin(sandbox: SandboxServer) -> SandboxAdmin:
    """Admin access to the (fresh) sandbox of this test."""
    return sandbox_admin(sandbox)


@pytest.fixture
def connection(sandbox: SandboxServer) -> dict[str, Any]:
    """The Airflow connection JSON form reaching the sandbox."""
    return sandbox.connection()


@pytest.fixture
def config(connection: dict[str, Any]) -> ChorusProConfig:
    """Client settings for the sandbox."""
    return ChorusProConfig.from_connection(connection)


@pytest.fixture
def client(config: ChorusProConfig) -> Iterator[ChorusProClient]:
    """A client talking to the sandbox over real sockets."""
    with ChorusProClient(config) as chorus:
        yield chorus
