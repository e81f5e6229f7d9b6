"""Hypothesis profiles of the property tests (docs/testing.md, "Property-based tests").

``CHORUSFLOW_HYPOTHESIS_PROFILE`` picks one: ``ci`` (the default, what ``make test`` runs: a fixed
seed and few examples, every property test within two minutes) or ``reliability`` (``make
reliability``: thousands of examples, a random seed, failures kept in the git-ignored ``.hypothesis``
database). Each test asks :func:`examples` for its count, by how much one example costs.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("CHORUSFLOW_HYPOTHESIS_PROFILE", "ci")
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=_SLOW)
settings.register_profile("reliability", deadline=None, print_blob=True, suppress_health_check=_SLOW)
settings.load_profile(PROFILE)

# Examples per property and profile, by the cost of one example: validation ~10 ms, a PDF ~30 ms, a
# Factur-X build and check ~300 ms, a sandbox deposit ~100 ms per channel.
BUDGETS: dict[str, dict[str, int]] = {
    "ci": {"validation": 150, "valid": 80, "pdf": 30, "facturx": 15, "swagger": 50, "sandbox": 8, "cli": 3},
    # About 15 minutes on a quiet 2-core machine (docs/testing.md).
    "reliability": {
        "validation": 5000,
        "valid": 2000,
        "pdf": 500,
        "facturx": 200,
        "swagger": 2000,
        "sandbox": 50,
        "cli": 20,
    },
}


def examples(kind: str) -> int:
    """How many examples the current profile gives a property of this ``kind``."""
    return BUDGETS.get(PROFILE, BUDGETS["ci"])[kind]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under the reliability profile a property may run far longer than pytest's 600 s timeout."""
    if PROFILE == "reliability":
        for item in items:
            if "tests/properties/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("properties/"):
                item.add_marker(pytest.mark.timeout(3600))


# Examples each property ran in this session (shrinking included), for the reliability summary.
RAN: Counter[str] = Counter()


def ran(kind: str, count: int = 1) -> None:
    """Count ``count`` examples (or invoices) of a property of this ``kind``."""
    RAN[kind] += count


@pytest.fixture(scope="session", autouse=True)
def _examples_summary() -> Iterator[None]:
    yield
    if RAN:
        from tests.reliability.support import summary_line

        summary_line(
            f"property tests (profile {PROFILE})",
            **{f"{kind} examples": n for kind, n in sorted(RAN.items())},
        )
