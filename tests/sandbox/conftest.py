"""Fixtures local to the sandbox tests."""

from __future__ import annotations

import pytest

from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import RawChorusApi, SandboxAdmin, sandbox_admin, sandbox_api


@pytest.fixture
def api(sandbox: SandboxServer) -> RawChorusApi:
    """Raw Chorus Pro calls against the test's sandbox."""
    return sandbox_api(sandbox)


@pytest.fixture
def admin(sandbox: SandboxServer) -> SandboxAdmin:
    """Admin endpoints of the test's sandbox."""
    return sandbox_admin(sandbox)
