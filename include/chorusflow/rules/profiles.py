"""Buyer profiles: a public buyer's own invoicing instructions, written once in YAML by the supplier.

One file per buyer in ``<config>/buyers/`` (schema in ``docs/buyer-profiles.md``). A profile can
constrain the engagement number's format and fill in the service code when the export has none.
Profiles apply before the directory rules, so a filled-in service code is then checked too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chorusflow.messages import Message, language, text
from chorusflow.suppliers import ChannelName, config_dir
from chorusflow.sync.payment_clock import CATEGORY_DAYS, BuyerCategory

log = logging.getLogger(__name__)


class ProfileError(ValueError):
    """A buyer profile file that cannot be used; ``detail`` says why in plain words."""

    def __init__(self, file: Path, detail: str) -> None:
        super().__init__(f"{file}: {detail}")
        self.file = file
        self.detail = detail


class LocalizedText(BaseModel):
    """A short text in French and English, written by the supplier in a buyer profile (not ours: the
    catalogue's :class:`~chorusflow.messages.Message` only picks the language)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fr: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``en`` or French)."""
        return Message(fr=self.fr, en=self.en).template(language(lang))


class BuyerIdentity(BaseModel):
    """Which buyer a profile applies to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    siret: str = Field(pattern=r"^\d{14}$")
    name: str


class EngagementRule(BaseModel):
    """Format the buyer imposes on engagement (purchase order) numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    rule: LocalizedText

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return value


class ServiceCodeDefaults(BaseModel):
    """Service code chorusflow fills in when the export gives none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    with_engagement: str | None = None
    without_engagement: str | None = None


class BuyerProfile(BaseModel):
    """A buyer profile file (``schema_version: 1``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    version: str
    buyer: BuyerIdentity
    source: str | None = None
    engagement_number: EngagementRule | None = None
    service_code: ServiceCodeDefaults | None = None
    # How invoices to this buyer are deposited, when not the supplier's channel (docs/deposit-channels.md).
    deposit_channel: ChannelName | None = None
    # The currencies (ISO 4217) this buyer accepts; omitted: any Chorus Pro accepts (CURRENCY_NOT_ACCEPTED).
    currencies: list[str] | None = None
    # The legal payment period (docs/buyer-profiles.md): from the category, or shorter by contract.
    category: BuyerCategory | None = None
    payment_days: int | None = Field(default=None, ge=1, le=max(CATEGORY_DAYS.values()))

    @model_validator(mode="after")
    def _within_the_category(self) -> BuyerProfile:
        # A contract may shorten the regulatory period, never lengthen it (L2192-10).
        if self.category is not None and self.payment_days is not None:
            longest = CATEGORY_DAYS[self.category]
            if self.payment_days > longest:
                raise ValueError(f"payment_days: at most {longest} days for a {self.category.value} buyer")
        return self

    def payment_period(self) -> int | None:
        """Days the buyer has to pay: ``payment_days``, else its category's period, else None."""
        if self.payment_days is not None:
            return self.payment_days
        return None if self.category is None else CATEGORY_DAYS[self.category]

    def engagement_matches(self, engagement: str) -> bool:
        """Whether ``engagement`` follows the buyer's format (always true without a rule)."""
        rule = self.engagement_number
        return rule is None or re.fullmatch(rule.pattern, engagement) is not None

    def default_service_code(self, engagement: str | None) -> str | None:
        """The service code to fill in for an invoice with or without an engagement number."""
        defaults = self.service_code
        if defaults is None:
            return None
        return defaults.with_engagement if engagement else defaults.without_engagement


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(file)"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


def load_profile(path: Path) -> BuyerProfile:
    """Read and check one profile file; raise ``ProfileError`` with a readable reason."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ProfileError(path, f"unreadable YAML ({type(error).__name__}: {error})") from None
    if not isinstance(data, dict):
        raise ProfileError(path, "a YAML mapping is expected")
    try:
        return BuyerProfile.model_validate(data)
    except ValidationError as error:
        raise ProfileError(path, _describe(error)) from None


def buyers_dir() -> Path:
    """The folder of the buyer profiles: ``<config>/buyers`` (CHORUSFLOW_CONFIG_DIR)."""
    return config_dir() / "buyers"


def profile_files(folder: Path) -> list[Path]:
    """The profile files of ``folder`` (``*.yaml``, ``*.yml``), in name order; none without the folder."""
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_profiles(folder: Path | None = None) -> dict[str, BuyerProfile]:
    """Every profile of ``folder`` (default ``<config>/buyers``), keyed by buyer SIRET.

    None at all is allowed, but logged once (:func:`no_profiles_notice`): a configuration folder moved
    elsewhere without its ``buyers/`` would otherwise drop every buyer's own rules in silence.
    """
    folder = folder or buyers_dir()
    profiles: dict[str, BuyerProfile] = {}
    for path in profile_files(folder):
        profile = load_profile(path)
        if profile.buyer.siret in profiles:
            raise ProfileError(path, f"a second profile for SIRET {profile.buyer.siret}")
        profiles[profile.buyer.siret] = profile
    if not profiles and (notice := no_profiles_notice(folder=folder)):
        log.warning(notice)
    return profiles


_noticed: set[Path] = set()  # the folders already reported empty by this process


def no_profiles_notice(lang: str | None = None, folder: Path | None = None) -> str | None:
    """The warning that ``folder`` (default ``<config>/buyers``) holds no buyer profile, the first time
    this process asks about that folder; None when it holds some or was already reported."""
    folder = folder or buyers_dir()
    if folder in _noticed or profile_files(folder):
        return None
    _noticed.add(folder)
    return text("rule.buyer_profiles.none_loaded", lang, folder=folder)


def buyer_channels(profiles: Mapping[str, BuyerProfile]) -> dict[str, ChannelName]:
    """The deposit channels buyer profiles choose, by buyer SIRET."""
    return {siret: profile.deposit_channel for siret, profile in profiles.items() if profile.deposit_channel}
