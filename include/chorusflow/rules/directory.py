"""What a public buyer's Chorus Pro structure requires, and the rules that check invoices against it.

``BuyerDirectory.lookup(siret)`` gives a ``BuyerRecord`` (or ``None`` for an unknown SIRET).
``StaticDirectory`` holds records in memory (tests, offline use); ``ChorusDirectory`` reads them
through the Chorus Pro client and caches them with an expiry, so validating thousands of invoices for
one buyer costs a handful of calls. Service details (whether a service requires an engagement) are
fetched only for the services invoices actually use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from chorusflow.messages import text
from chorusflow.rules.codes import Finding, finding

RESERVED_SERVICE_CODE = "FACTURES_PUBLIQUES"
logger = logging.getLogger(__name__)


class DirectoryUnavailableError(Exception):
    """The directory could not answer (network, authentication, server error)."""


class ServiceRecord(BaseModel):
    """One service of a buyer's structure."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str = ""
    active: bool = True
    engagement_required: bool = False


class BuyerRecord(BaseModel):
    """A public buyer's structure and what it requires on invoices."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    siret: str
    name: str
    id_structure_cpp: int | None = None
    active: bool = True
    service_code_required: bool = False
    engagement_required: bool = False
    service_or_engagement_required: bool = False
    payment_status_not_reported: bool = False
    services: Mapping[str, ServiceRecord] = Field(default_factory=dict)
    address: str | None = None  # printed on the invoice PDF when the export gives none
    #: INSEE's legal-form code (``categorieJuridique``), when Chorus Pro could give it.
    legal_form: str | None = None


class BuyerDirectory(Protocol):
    """Anything that can tell what a buyer's structure requires."""

    def lookup(self, siret: str) -> BuyerRecord | None:
        """The buyer with this SIRET, ``None`` when unknown; raises ``DirectoryUnavailableError``."""
        ...


class StaticDirectory:
    """An in-memory directory."""

    def __init__(self, records: list[BuyerRecord] | None = None) -> None:
        self.records = {record.siret: record for record in records or []}
        self.lookups = 0

    def lookup(self, siret: str) -> BuyerRecord | None:
        """The record with this SIRET, if any."""
        self.lookups += 1
        return self.records.get(siret)


class _LazyServices(Mapping[str, ServiceRecord]):
    """Services of a structure; a service's details are fetched the first time it is read."""

    def __init__(self, summaries: dict[str, Any], fetch: Callable[[Any], bool]) -> None:
        self._summaries = summaries
        self._fetch = fetch
        self._records: dict[str, ServiceRecord] = {}
        self._lock = threading.Lock()

    def __getitem__(self, code: str) -> ServiceRecord:
        with self._lock:
            record = self._records.get(code)
            if record is None:
                summary = self._summaries[code]
                try:
                    required = self._fetch(summary) if summary.est_actif else False
                except Exception as error:  # reported by the rules as DIRECTORY_UNAVAILABLE
                    raise DirectoryUnavailableError(_describe(error)) from None
                record = ServiceRecord(
                    code=code,
                    name=summary.libelle_service or "",
                    active=bool(summary.est_actif),
                    engagement_required=required,
                )
                self._records[code] = record
            return record

    def __iter__(self) -> Iterator[str]:
        return iter(self._summaries)

    def __len__(self) -> int:
        return len(self._summaries)


def _describe(error: Exception) -> str:
    return type(error).__name__ + (f": {error}" if str(error) else "")


class ChorusDirectory:
    """Buyer records read through ``chorusflow.platforms.chorus_pro.ChorusProClient``, cached for
    ``ttl_seconds``.

    Uses the client's ``find_structure(siret)``, ``get_structure(id)``, ``list_services(id)`` and
    ``get_service(id, id_service)``; any client error becomes ``DirectoryUnavailableError``.
    """

    def __init__(self, client: Any, ttl_seconds: float = 3600) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[float, BuyerRecord | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, siret: str) -> BuyerRecord | None:
        """The buyer with this SIRET from the cache, or from Chorus Pro when absent or expired."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(siret)
            if cached is not None and now - cached[0] < self.ttl_seconds:
                return cached[1]
        try:
            record = self._fetch(siret)
        except Exception as error:  # any client failure: the rules report it, validation goes on
            raise DirectoryUnavailableError(_describe(error)) from None
        with self._lock:
            self._cache[siret] = (now, record)
        return record

    def legal_forms(self) -> dict[str, str]:
        """The legal form of each buyer read so far that has one (kept by the ledger for its period)."""
        with self._lock:
            cached = [record for _, record in self._cache.values() if record is not None]
        return {record.siret: record.legal_form for record in cached if record.legal_form}

    def _fetch(self, siret: str) -> BuyerRecord | None:
        structure = self.client.find_structure(siret)
        if structure is None:
            return None
        id_structure = int(structure.id_structure_cpp)
        details = self.client.get_structure(id_structure)
        summaries = {service.code_service: service for service in self.client.list_services(id_structure)}

        def engagement_required(summary: Any) -> bool:
            return bool(self.client.get_service(id_structure, summary.id_service).engagement_required)

        return BuyerRecord(
            siret=siret,
            name=structure.designation_structure or siret,
            id_structure_cpp=id_structure,
            active=bool(structure.is_active),
            service_code_required=bool(details.service_code_required),
            engagement_required=bool(details.engagement_required),
            service_or_engagement_required=bool(details.service_or_engagement_required),
            payment_status_not_reported=bool(details.payment_status_not_reported),
            services=_LazyServices(summaries, engagement_required),
            address=details.adresse_postale_du_siege.as_text() if details.adresse_postale_du_siege else None,
            legal_form=self._legal_form(siret, structure.type_identifiant_structure),
        )

    def _legal_form(self, siret: str, identifier_type: str | None) -> str | None:
        # Optional: the qualification platform does not serve INSEE's data; the buyer then keeps
        # the fallback period, and validation goes on.
        if (identifier_type or "SIRET") != "SIRET":
            return None
        try:
            return self.client.siret_information(siret).categorie_juridique or None
        except Exception as error:  # any failure: no category, never a refused invoice
            logger.info("No legal form for buyer %s: %s", siret, _describe(error))
            return None


def directory_findings(
    record: BuyerRecord | None, siret: str, service_code: str | None, engagement: str | None, lang: str
) -> list[Finding]:
    """Check one invoice's service code and engagement number against its buyer's structure."""
    if record is None:
        return [finding("BUYER_UNKNOWN", lang, "buyer_siret", siret=siret)]
    if not record.active:
        return [finding("BUYER_INACTIVE", lang, "buyer_siret", siret=siret, name=record.name)]
    findings: list[Finding] = []
    service: ServiceRecord | None = None
    if service_code:
        service = record.services.get(service_code) if service_code != RESERVED_SERVICE_CODE else None
        if service is None or not service.active:
            findings.append(
                finding("SERVICE_CODE_UNKNOWN", lang, "service_code", value=service_code, name=record.name)
            )
            service = None
    elif record.service_code_required:
        findings.append(finding("SERVICE_CODE_REQUIRED", lang, "service_code", name=record.name))
    if not engagement:
        if record.engagement_required:
            scope = text("rule.scope.all_invoices", lang)
            findings.append(
                finding("ENGAGEMENT_REQUIRED", lang, "engagement_number", name=record.name, scope=scope)
            )
        elif service is not None and service.engagement_required:
            scope = text("rule.scope.service", lang, code=service.code)
            findings.append(
                finding("ENGAGEMENT_REQUIRED", lang, "engagement_number", name=record.name, scope=scope)
            )
        elif record.service_or_engagement_required and not service_code:
            findings.append(
                finding("SERVICE_OR_ENGAGEMENT_REQUIRED", lang, "engagement_number", name=record.name)
            )
    return findings
