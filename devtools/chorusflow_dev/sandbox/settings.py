"""Credentials of the sandbox, the faults it can inject, and its timing profiles."""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chorusflow_dev.serving.faults import check_min_max, rate_for, settings_of_profile

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Faults", "SandboxCredentials", "profile_faults", "rate_for"]

ProfileName = Literal["realistic", "fast"]


class SandboxCredentials(BaseModel):
    """The PISTE client and the Chorus Pro technical account accepted by the sandbox.

    The defaults are fixed and documented (docs/sandbox.md) so a new user can copy them; every
    secret is at least 12 characters so Airflow's secret masker hides it in logs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = "chorusflow-sandbox-client"
    client_secret: str = "sandbox-client-secret-2f8c1e"
    login: str = "TECH_1_45218801400016@cpro.fr"
    password: str = "sandbox-tech-password-7d41b9"

    def cpro_account(self) -> str:
        """The expected ``cpro-account`` header value: base64 of ``login:password``."""
        return base64.b64encode(f"{self.login}:{self.password}".encode()).decode("ascii")


class Faults(BaseModel):
    """Fault injection settings (``POST /sandbox/faults``); the defaults mean a healthy server."""

    model_config = ConfigDict(extra="forbid")

    error_rate: dict[str, float] = Field(default_factory=dict, description="path or '*' -> probability 0..1")
    error_status: int = Field(500, ge=400, le=599)
    latency_ms: dict[str, float] = Field(default_factory=dict, description="path or '*' -> added delay")
    latency_rate: dict[str, float] = Field(
        default_factory=dict,
        description="path or '*' -> probability that latency_ms applies to a call (unset: every call)",
    )
    answer_delay_ms: dict[str, float] = Field(
        default_factory=dict,
        description="path or '*' -> delay after the operation ran (committed), before the answer is sent",
    )
    quota_per_second: float | None = Field(None, gt=0, description="requests per second before HTTP 429")
    token_lifetime_seconds: int = Field(3600, ge=1)
    commit_then_drop_rate: dict[str, float] = Field(default_factory=dict)
    seed: int | None = None
    failing_pages: dict[str, list[int]] = Field(
        default_factory=dict,
        description="path -> page numbers (pageResultatDemandee of any paging object) answered error_status",
    )
    forbidden_paths: list[str] = Field(
        default_factory=list, description="paths answered 403 with an empty body (API not subscribed)"
    )
    flux_delay_seconds: list[float] | None = Field(
        default_factory=lambda: [180.0, 1800.0],
        description="[min, max] simulated seconds from a deposit to the processing of its flux, drawn "
        "per flux (seeded by seed and the flux number); null: processing counted in polls instead",
    )
    clock_speed: float = Field(
        1.0, gt=0, description="simulated seconds per real second, for flux processing delays"
    )
    flux_polls_before_integration: int = Field(
        1, ge=0, description="with flux_delay_seconds null: consulterCRDetaille answers still pending"
    )
    flux_seconds_before_integration: float | None = Field(None, ge=0)
    flux_forced_state: str | None = Field(
        None,
        description="the state a flux takes when processed, instead of the computed one, creating no "
        "invoice (IN_INCIDENTE, IN_A_RELANCER, IN_ERREUR_INTERNE, IN_EN_ATTENTE_RETRAITEMENT_CPP, or "
        "a value no document lists)",
    )
    flux_refusals: dict[str, str] = Field(
        default_factory=dict,
        description="invoice number -> libelleErreurDP: the flux integration refuses that invoice "
        "(a refusal validation could not foresee, e.g. a buyer's directory changed meanwhile)",
    )

    @field_validator("flux_delay_seconds")
    @classmethod
    def _ordered_range(cls, value: list[float] | None) -> list[float] | None:
        return check_min_max(value, "flux_delay_seconds")


#: Timing profiles: the fault settings each one changes from ``Faults()`` (docs/sandbox.md).
#: ``realistic`` (the default) processes a flux 3 to 30 minutes after its deposit, on the platform's
#: own time; ``fast`` processes it at its second ``consulterCRDetaille``, for tests about something else.
PROFILES: dict[str, dict[str, Any]] = {
    "realistic": {},
    "fast": {"flux_delay_seconds": None, "flux_polls_before_integration": 1},
}
DEFAULT_PROFILE: ProfileName = "realistic"


def profile_faults(profile: str, **overrides: Any) -> Faults:
    """The fault settings of a timing profile (``realistic`` or ``fast``), with ``overrides``."""
    return settings_of_profile(Faults, PROFILES, profile, "sandbox", **overrides)
