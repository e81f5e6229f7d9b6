"""Alert settings, read from ``CHORUSFLOW_*`` environment variables (documented in docs/alerts.md)."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field

#: Days an invoice may stay in one in-progress status before a "stale" alert (``DEFAULT`` for the rest).
DEFAULT_STALE_DAYS: dict[str, int] = {
    "DEPOSEE": 2,
    "EN_COURS_ACHEMINEMENT": 2,
    "MISE_A_DISPOSITION": 15,
    "PRISE_EN_COMPTE_DESTINATAIRE": 15,
    "COMPLETEE": 15,
    "SERVICE_FAIT": 20,
    "MANDATEE": 10,
    "MISE_A_DISPOSITION_COMPTABLE": 10,
    "COMPTABILISEE": 10,
    "DEFAULT": 30,
}
#: ECB main refinancing rate (%) used when ``CHORUSFLOW_ECB_RATE`` is not set (rate of 11 June 2025).
DEFAULT_ECB_RATE = Decimal("2.15")


class AlertSettings(BaseModel):
    """What triggers alerts and how late-payment costs are estimated."""

    model_config = ConfigDict(frozen=True)

    stale_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_STALE_DAYS))
    payment_days: int = 30
    ecb_rate: Decimal = DEFAULT_ECB_RATE
    late_points: Decimal = Decimal("8")
    fixed_indemnity: Decimal = Decimal("40")
    password_alert_days: tuple[int, ...] = (30, 7)
    timezone: str = "Europe/Paris"

    def stale_limit(self, status: str) -> int:
        """Days allowed in ``status`` before it is stale."""
        return self.stale_days.get(status, self.stale_days.get("DEFAULT", DEFAULT_STALE_DAYS["DEFAULT"]))

    @classmethod
    def from_env(cls) -> AlertSettings:
        """Settings from the environment; a malformed value raises ``ValueError`` naming the variable."""
        values: dict[str, object] = {}
        stale = os.environ.get("CHORUSFLOW_STALE_DAYS")
        if stale:
            days = dict(DEFAULT_STALE_DAYS)
            for item in filter(None, (part.strip() for part in stale.split(","))):
                status, _, number = item.partition("=")
                if not number.strip().isdigit():
                    raise ValueError(f"CHORUSFLOW_STALE_DAYS: expected STATUS=DAYS, got {item!r}")
                days[status.strip().upper()] = int(number)
            values["stale_days"] = days
        for variable, key in (
            ("CHORUSFLOW_ECB_RATE", "ecb_rate"),
            ("CHORUSFLOW_PAYMENT_DAYS", "payment_days"),
            ("CHORUSFLOW_FIXED_INDEMNITY", "fixed_indemnity"),
        ):
            raw = os.environ.get(variable)
            if raw:
                try:
                    values[key] = Decimal(raw.replace(",", ".").strip())
                except InvalidOperation:
                    raise ValueError(f"{variable}: not a number: {raw!r}") from None
        thresholds = os.environ.get("CHORUSFLOW_PASSWORD_ALERT_DAYS")
        if thresholds:
            try:
                values["password_alert_days"] = tuple(
                    sorted({int(p) for p in thresholds.split(",") if p.strip()})
                )
            except ValueError:
                raise ValueError(
                    f"CHORUSFLOW_PASSWORD_ALERT_DAYS: expected days like 30,7, got {thresholds!r}"
                ) from None
        if os.environ.get("CHORUSFLOW_TIMEZONE"):
            values["timezone"] = os.environ["CHORUSFLOW_TIMEZONE"]
        if "payment_days" in values:
            values["payment_days"] = int(str(values["payment_days"]))
        return cls.model_validate(values)
