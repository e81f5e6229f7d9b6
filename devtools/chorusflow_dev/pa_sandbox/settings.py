"""Faults and timing profiles of the PA sandbox (mirrors ``chorusflow_dev.sandbox.settings``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chorusflow_dev.serving.faults import check_min_max, rate_for, settings_of_profile

__all__ = ["PROFILES", "PaFaults", "profile_faults", "rate_for"]


class PaFaults(BaseModel):
    """Fault injection (``POST /sandbox/faults``); the defaults are a healthy platform."""

    model_config = ConfigDict(extra="forbid")

    error_rate: dict[str, float] = Field(default_factory=dict, description="path or '*' -> probability")
    error_status: int = Field(500, ge=400, le=599)
    latency_ms: dict[str, float] = Field(default_factory=dict)
    answer_delay_ms: dict[str, float] = Field(
        default_factory=dict, description="delay after the operation ran (committed), before the answer"
    )
    commit_then_drop_rate: dict[str, float] = Field(
        default_factory=dict,
        description="path or '*' -> probability to run the operation, then close the socket",
    )
    quota_per_second: float | None = Field(None, gt=0, description="requests per second before HTTP 429")
    retry_after_seconds: int = Field(1, ge=1)
    token_lifetime_seconds: int = Field(3600, ge=1)
    seed: int | None = None
    ack_delay_seconds: list[float] | None = Field(
        default_factory=lambda: [20.0, 600.0],
        description="[min, max] simulated seconds from a deposit to its acknowledgement; null: counted "
        "in reads instead (ack_reads_pending)",
    )
    ack_reads_pending: int = Field(1, ge=0, description="with ack_delay_seconds null: reads still Pending")
    clock_speed: float = Field(1.0, gt=0, description="simulated seconds per real second")
    forced_reasons: dict[str, str] = Field(
        default_factory=dict,
        description="trackingId -> reason code: the acknowledgement of that flow is Error with this reason",
    )

    @field_validator("ack_delay_seconds")
    @classmethod
    def _ordered(cls, value: list[float] | None) -> list[float] | None:
        return check_min_max(value, "ack_delay_seconds")


#: ``realistic`` acknowledges a flow 20 s to 10 min after its deposit (platform time); ``fast``
#: leaves it Pending for one read, then acknowledges it, for tests about something else.
PROFILES: dict[str, dict[str, Any]] = {
    "realistic": {},
    "fast": {"ack_delay_seconds": None, "ack_reads_pending": 1},
}


def profile_faults(profile: str, **overrides: Any) -> PaFaults:
    """The fault settings of a timing profile with ``overrides``."""
    return settings_of_profile(PaFaults, PROFILES, profile, "PA sandbox", **overrides)
