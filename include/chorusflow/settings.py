"""Every ``CHORUSFLOW_*`` setting in one typed object, read from the environment once.

``settings()`` returns the :class:`Settings` of the current environment. It is built once per
distinct set of ``CHORUSFLOW_*`` variables, so a task reads it once, and a test that changes a
variable gets a fresh object. Nothing else in chorusflow reads a ``CHORUSFLOW_*`` variable, except
the per-field supplier overrides (``CHORUSFLOW_SUPPLIER_<FIELD>``, in :mod:`chorusflow.suppliers`).
Every field is documented in ``docs/configuration.md`` (a test checks it).

Nothing here imports Airflow: DAG files read their schedules from it at parse time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chorusflow.messages.language import Language, normalise

PREFIX = "CHORUSFLOW_"


class Settings(BaseSettings):
    """chorusflow's behaviour; each field ``name`` is read from ``CHORUSFLOW_<NAME>``."""

    # An exported but empty variable (``CHORUSFLOW_INBOX=``) means "use the default".
    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore", env_ignore_empty=True)

    # Where things are.
    home: Path = Field(default_factory=lambda: Path.home() / ".chorusflow")
    config_dir: Path | None = None
    supplier_file: Path | None = None
    suppliers_dir: Path | None = None
    inbox: str | None = None
    inbox_conn_id: str | None = None
    archive: str | None = None
    reports: str | None = None
    mapping: Path | None = None
    lang: Language = "fr"
    # Submission.
    pool_size: int = Field(4, ge=1)
    submit_schedule: str = "0 7-19 * * 1-5"
    submit_retries: int = Field(5, ge=0)
    submit_retry_delay: float = Field(30.0, ge=0)
    claim_lease_seconds: float = Field(900.0, ge=0)
    # The Factur-X flux channel (docs/deposit-channels.md).
    flux_max_invoices: int = Field(100, ge=1)
    flux_max_bytes: int = Field(9_000_000, ge=100_000, le=10_000_000)
    flux_poll_base_seconds: float = Field(120.0, ge=0)
    flux_poll_max_seconds: float = Field(21600.0, ge=0)
    flux_unknown_grace_seconds: float = Field(43200.0, ge=0)
    # Factur-X checks: saxonche processes of a batch (none: one per core; docs/facturx.md).
    facturx_check_processes: int | None = Field(None, ge=1)
    # The Chorus Pro API.
    api_rate_limit: float | None = Field(None, gt=0)
    api_429_retries: int = Field(5, ge=0)
    api_read_retries: int = Field(2, ge=0)
    # Status sync, alerts and digest.
    sync_schedule: str = "*/30 7-19 * * 1-5"
    sync_overlap_minutes: float = Field(5.0, ge=0)
    sync_page_size: int = Field(100, ge=1)
    sync_page_retry_delay: float = Field(2.0, ge=0)
    sync_lookup_limit: int = Field(500, ge=0)  # statuses.DEFAULT_LOOKUP_LIMIT
    digest_schedule: str = "0 8 * * 1-5"
    timezone: str = "Europe/Paris"
    alert_recipients: str = ""
    stale_days: str | None = None
    payment_days: str | None = None
    ecb_rate: str | None = None
    fixed_indemnity: str | None = None
    password_alert_days: str | None = None
    # Decisions about blocked invoices (docs/resolution.md).
    resolution_attachments: Path | None = None
    resolution_timeout_hours: float = Field(24.0, gt=0)
    # Tests only.
    crashpoint: str | None = None

    @field_validator("lang", mode="before")
    @classmethod
    def _language(cls, value: object) -> str:
        return normalise(value)  # the one reading of a language, shared with chorusflow.messages

    @property
    def attachments_folder(self) -> Path:
        """Where the documents sent with ``completer`` are taken from: ``resolution_attachments``, else
        ``attachments/`` in the inbox (a local inbox), else ``$CHORUSFLOW_HOME/inbox/attachments``."""
        if self.resolution_attachments is not None:
            return self.resolution_attachments
        inbox = self.inbox if self.inbox and "://" not in self.inbox else str(self.home / "inbox")
        return Path(inbox) / "attachments"

    @property
    def resolved_config_dir(self) -> Path:
        """``config_dir``, else the ``include/config`` folder beside the package."""
        return self.config_dir or Path(__file__).resolve().parent.parent / "config"


def settings() -> Settings:
    """The settings of the current environment (built once per distinct ``CHORUSFLOW_*`` set)."""
    return _settings_for(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(PREFIX))))


@lru_cache(maxsize=16)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def environment_variable(field: str) -> str:
    """The variable that sets ``field``: ``CHORUSFLOW_<FIELD>``."""
    return PREFIX + field.upper()
