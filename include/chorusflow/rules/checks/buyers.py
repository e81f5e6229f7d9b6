"""The buyer's rules: its profile (ENGAGEMENT_FORMAT, a default service code) then the Chorus Pro directory.

Directory codes: BUYER_UNKNOWN, BUYER_INACTIVE, SERVICE_CODE_REQUIRED, SERVICE_CODE_UNKNOWN,
ENGAGEMENT_REQUIRED, SERVICE_OR_ENGAGEMENT_REQUIRED (``chorusflow.rules.directory``), and
DIRECTORY_UNAVAILABLE. A profile applies first, so a service code it fills in is checked too. An
invalid SIRET skips these rules (SIRET_INVALID says it all). Without a directory (offline) only the
profiles apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from chorusflow.rules.checks.flags import shown
from chorusflow.rules.checks.identifiers import siret_is_valid
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.directory import (
    BuyerDirectory,
    BuyerRecord,
    DirectoryUnavailableError,
    directory_findings,
)
from chorusflow.rules.profiles import BuyerProfile


@dataclass(frozen=True, slots=True)
class BuyerOutcome:
    """What the buyer's rules decided for one (SIRET, service code, engagement)."""

    service_code: str | None  # given, or filled in by the profile
    engagement: str | None
    filled_in: dict[str, str]  # the values the profile filled in (must not be changed: shared)
    findings: list[Finding]  # (must not be changed: shared)


class BuyerRules:
    """Applies the buyers' rules, once per (SIRET, service code, engagement) and one lookup per SIRET.

    The rules depend on nothing else, and an export repeats a handful of buyers on every invoice.
    """

    def __init__(
        self, profiles: dict[str, BuyerProfile], directory: BuyerDirectory | None, lang: str
    ) -> None:
        self.profiles = profiles
        self.directory = directory
        self.lang = lang
        self._outcomes: dict[tuple[str, str, str], BuyerOutcome] = {}
        self._records: dict[str, BuyerRecord | None | DirectoryUnavailableError] = {}

    def outcome(self, siret: str, service_code: str, engagement: str) -> BuyerOutcome:
        """The outcome of one combination (the SIRET compacted; "" for a value not given)."""
        combination = (siret, service_code, engagement)
        outcome = self._outcomes.get(combination)
        if outcome is None:
            outcome = self._outcomes[combination] = self._apply(
                siret, service_code or None, engagement or None
            )
        return outcome

    def directory_address(self, siret: str) -> str | None:
        """The buyer's address in the Chorus Pro directory, if it was looked up (for the invoice PDF)."""
        if self.directory is None:
            return None
        record = self._records.get(siret)
        return record.address if isinstance(record, BuyerRecord) else None

    def _apply(self, siret: str, service_code: str | None, engagement: str | None) -> BuyerOutcome:
        filled_in: dict[str, str] = {}
        found: list[Finding] = []
        if not siret_is_valid(siret):
            return BuyerOutcome(service_code, engagement, filled_in, found)
        profile = self.profiles.get(siret)
        if profile is not None:
            found += _profile_findings(profile, engagement, self.lang)
            default = None if service_code else profile.default_service_code(engagement)
            if default:
                service_code = filled_in["service_code"] = default
        if self.directory is not None:
            found += self._directory_findings(siret, service_code, engagement)
        return BuyerOutcome(service_code, engagement, filled_in, found)

    def _directory_findings(
        self, siret: str, service_code: str | None, engagement: str | None
    ) -> list[Finding]:
        record = self._record(siret)
        if isinstance(record, DirectoryUnavailableError):
            return [self._unavailable(siret, record)]
        try:
            return directory_findings(record, siret, service_code, engagement, self.lang)
        except DirectoryUnavailableError as error:  # a live directory reads a buyer's services when asked
            return [self._unavailable(siret, error)]

    def _unavailable(self, siret: str, error: DirectoryUnavailableError) -> Finding:
        detail = shown(str(error), 200)
        return finding("DIRECTORY_UNAVAILABLE", self.lang, "buyer_siret", siret=siret, detail=detail)

    def _record(self, siret: str) -> BuyerRecord | None | DirectoryUnavailableError:
        """The buyer's directory record (None: unknown), or the error that made it unavailable."""
        if siret not in self._records:
            assert self.directory is not None
            try:
                self._records[siret] = self.directory.lookup(siret)
            except DirectoryUnavailableError as error:
                self._records[siret] = error
        return self._records[siret]


def _profile_findings(profile: BuyerProfile, engagement: str | None, lang: str) -> list[Finding]:
    """ENGAGEMENT_FORMAT: the engagement number breaks the format the buyer imposes."""
    rule = profile.engagement_number
    if not engagement or rule is None or profile.engagement_matches(engagement):
        return []
    return [
        finding(
            "ENGAGEMENT_FORMAT",
            lang,
            "engagement_number",
            value=shown(engagement),
            buyer=profile.buyer.name,
            rule=rule.rule.get(lang),
        )
    ]
