"""Alert settings, derived from :func:`chorusflow.settings.settings` (documented in docs/alerts.md)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from chorusflow.ledger.buyers import legal_forms
from chorusflow.rules.categories import category_of_legal_form
from chorusflow.rules.profiles import load_profiles
from chorusflow.settings import settings
from chorusflow.sync.payment_clock import CATEGORY_DAYS, BuyerCategory

if TYPE_CHECKING:
    from chorusflow.ledger import Ledger

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
    #: Payment period of buyers without one in their profile (``CHORUSFLOW_PAYMENT_DAYS``).
    payment_days: int = 30
    #: Buyer SIRET -> payment period, from the buyer profiles' category or ``payment_days``.
    buyer_payment_days: dict[str, int] = Field(default_factory=dict)
    #: Buyer SIRET -> category from Chorus Pro's directory (its legal form), for buyers whose
    #: profile gives neither a category nor days (chorusflow.rules.categories).
    directory_categories: dict[str, BuyerCategory] = Field(default_factory=dict)
    ecb_rate: Decimal = DEFAULT_ECB_RATE
    late_points: Decimal = Decimal("8")
    fixed_indemnity: Decimal = Decimal("40")
    password_alert_days: tuple[int, ...] = (30, 7)
    timezone: str = "Europe/Paris"

    def stale_limit(self, status: str) -> int:
        """Days allowed in ``status`` before it is stale."""
        return self.stale_days.get(status, self.stale_days.get("DEFAULT", DEFAULT_STALE_DAYS["DEFAULT"]))

    def payment_days_for(self, buyer_siret: str | None) -> int:
        """The buyer's payment period: its profile's, else its directory category's, else the fallback."""
        siret = buyer_siret or ""
        if siret in self.buyer_payment_days:
            return self.buyer_payment_days[siret]
        category = self.directory_categories.get(siret)
        return self.payment_days if category is None else CATEGORY_DAYS[category]

    def shortest_payment_days(self) -> int:
        """The shortest period any buyer may have (which invoices may be overdue)."""
        directory = [CATEGORY_DAYS[category] for category in self.directory_categories.values()]
        return min([self.payment_days, *self.buyer_payment_days.values(), *directory])

    def with_legal_forms(self, legal_forms: Mapping[str, str]) -> AlertSettings:
        """These settings with the categories the directory's legal forms give (profiles still win)."""
        categories = {
            siret: category
            for siret, form in legal_forms.items()
            if siret not in self.buyer_payment_days and (category := category_of_legal_form(form)) is not None
        }
        return self.model_copy(update={"directory_categories": categories})

    @classmethod
    def for_ledger(cls, ledger: Ledger) -> AlertSettings:
        """:meth:`from_env`, with the buyers' categories the directory gave (``buyer_directory``)."""

        return cls.from_env().with_legal_forms(legal_forms(ledger))

    @classmethod
    def from_env(cls) -> AlertSettings:
        """From the settings; a malformed value raises ``ValueError`` naming the variable."""
        configured = settings()
        values: dict[str, object] = {"timezone": configured.timezone}
        if configured.stale_days:
            values["stale_days"] = _stale_days(configured.stale_days)
        for variable, key, raw in (
            ("CHORUSFLOW_ECB_RATE", "ecb_rate", configured.ecb_rate),
            ("CHORUSFLOW_PAYMENT_DAYS", "payment_days", configured.payment_days),
            ("CHORUSFLOW_FIXED_INDEMNITY", "fixed_indemnity", configured.fixed_indemnity),
        ):
            if raw:
                values[key] = _number(variable, raw)
        if configured.password_alert_days:
            values["password_alert_days"] = _days(configured.password_alert_days)
        if "payment_days" in values:
            values["payment_days"] = int(str(values["payment_days"]))
        values["buyer_payment_days"] = {
            siret: days
            for siret, profile in load_profiles().items()
            if (days := profile.payment_period()) is not None
        }
        return cls.model_validate(values)


def _stale_days(text: str) -> dict[str, int]:
    days = dict(DEFAULT_STALE_DAYS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        status, _, number = item.partition("=")
        if not number.strip().isdigit():
            raise ValueError(f"CHORUSFLOW_STALE_DAYS: expected STATUS=DAYS, got {item!r}")
        days[status.strip().upper()] = int(number)
    return days


def _number(variable: str, raw: str) -> Decimal:
    try:
        return Decimal(raw.replace(",", ".").strip())
    except InvalidOperation:
        raise ValueError(f"{variable}: not a number: {raw!r}") from None


def _days(text: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ValueError(f"CHORUSFLOW_PASSWORD_ALERT_DAYS: expected days like 30,7, got {text!r}") from None
