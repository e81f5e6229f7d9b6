"""Fixtures for the deployment checks: the compose file, raw and as `docker compose` would see it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deployment.stack_files import interpolate, load_compose, parse_env_file


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml with anchors and merge keys resolved, variables not yet interpolated."""
    return load_compose()


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    """The active values of .env.example."""
    return parse_env_file()


@pytest.fixture(scope="session")
def compose_from_env_example(compose: dict[str, Any], env_example: dict[str, str]) -> dict[str, Any]:
    """The compose file after `cp .env.example .env`: every ${VAR} replaced as Compose would."""
    return interpolate(compose, env_example)
