"""The PA sandbox's directory: suppliers (its OAuth2 clients) and the Directory Service's lines.

Answers take the shapes of the AFNOR Directory Service annex (XP Z12-013 Annex B):
``legalUnitPayloadHistory``, ``facilityPayloadHistory``, ``routingCodePayloadHistoryLegalUnitFacility``
and ``directoryLinePayloadHistoryLegalUnitFacilityRoutingCode``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Supplier(_Model):
    """A supplier using the PA: one OAuth2 client of the Flow Service."""

    siren: str = Field(pattern=r"^\d{9}$")
    siret: str = Field(pattern=r"^\d{14}$")
    name: str
    client_id: str
    client_secret: str = Field(min_length=12)


class Facility(_Model):
    """An establishment (SIRET) of an entity."""

    siret: str = Field(pattern=r"^\d{14}$")
    name: str
    postal_code: str = ""
    locality: str = ""
    administrative_status: Literal["A", "C"] = "A"
    manages_legal_commitment: bool = False


class RoutingCode(_Model):
    """A routing code (service) of a facility."""

    siret: str
    routing_identifier: str
    name: str
    administrative_status: Literal["A", "C"] = "A"


class Line(_Model):
    """A directory line: the electronic address where the entity (or one facility/service) receives."""

    addressing_identifier: str
    siret: str | None = None
    routing_code: str | None = None


class Entity(_Model):
    """A legal unit (SIREN) present in the directory."""

    siren: str = Field(pattern=r"^\d{9}$")
    name: str
    entity_type: Literal["Public", "PrivateVatRegistered"]
    administrative_status: Literal["A", "C"] = "A"
    facilities: list[Facility] = Field(default_factory=list)
    routing_codes: list[RoutingCode] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)


class Platform(_Model):
    """The sandbox platform itself (issuer of the platform's own lifecycle statuses)."""

    siren: str = Field(pattern=r"^\d{9}$")
    name: str


class PaDirectory(_Model):
    """Everything the YAML file holds."""

    platform: Platform
    suppliers: list[Supplier] = Field(min_length=1)
    entities: list[Entity] = Field(default_factory=list)

    def supplier_of_client(self, client_id: str) -> Supplier | None:
        """The supplier whose OAuth2 client this is."""
        return next((s for s in self.suppliers if s.client_id == client_id), None)

    def entity(self, siren: str) -> Entity | None:
        """The legal unit with this SIREN."""
        return next((e for e in self.entities if e.siren == siren), None)

    def facility(self, siret: str) -> tuple[Entity, Facility] | None:
        """The establishment with this SIRET, and its legal unit."""
        for entity in self.entities:
            for facility in entity.facilities:
                if facility.siret == siret:
                    return entity, facility
        return None

    def lines(self) -> list[tuple[Entity, Line]]:
        """Every directory line, with its legal unit."""
        return [(entity, line) for entity in self.entities for line in entity.lines]

    def receives(self, siren: str) -> bool:
        """Whether an active entity with this SIREN has a directory line (can receive e-invoices)."""
        entity = self.entity(siren)
        return entity is not None and entity.administrative_status == "A" and bool(entity.lines)

    def name_of(self, siren: str) -> str:
        """The business name of a SIREN (supplier or entity), or the SIREN itself."""
        entity = self.entity(siren)
        if entity is not None:
            return entity.name
        supplier = next((s for s in self.suppliers if s.siren == siren), None)
        return supplier.name if supplier else siren


def load_pa_directory(path: Path | None = None) -> PaDirectory:
    """The directory in ``path``, or the packaged ``default_directory.yaml``."""
    if path is None:
        text = (
            resources.files("chorusflow_dev.pa_sandbox").joinpath("default_directory.yaml").read_text("utf-8")
        )
    else:
        text = path.read_text(encoding="utf-8")
    return PaDirectory.model_validate(yaml.safe_load(text))


def legal_unit(entity: Entity, with_siren: bool = True) -> dict[str, Any]:
    """``legalUnitPayloadHistory`` (or ``legalUnitPayloadIncludedNoSiren``)."""
    answer: dict[str, Any] = {"siren": entity.siren} if with_siren else {}
    answer.update(
        businessName=entity.name,
        entityType=entity.entity_type,
        administrativeStatus=entity.administrative_status,
    )
    return answer


def facility_payload(entity: Entity, facility: Facility, include_legal_unit: bool = False) -> dict[str, Any]:
    """``facilityPayloadHistory``."""
    answer: dict[str, Any] = {
        "siret": facility.siret,
        "siren": entity.siren,
        "name": facility.name,
        "facilityType": "P" if facility is entity.facilities[0] else "S",
        "diffusible": "O",
        "administrativeStatus": facility.administrative_status,
        "address": {"postalCode": facility.postal_code, "locality": facility.locality, "countryCode": "FR"},
    }
    if entity.entity_type == "Public":
        answer["b2gAdditionalData"] = {
            "managesLegalCommitmentCode": facility.manages_legal_commitment,
            "serviceCodeStatus": bool(entity.routing_codes),
        }
    if include_legal_unit:
        answer["legalUnit"] = legal_unit(entity, with_siren=False)
    return answer


def routing_code_payload(entity: Entity, code: RoutingCode) -> dict[str, Any]:
    """``routingCodePayloadHistoryLegalUnitFacility``."""
    return {
        "routingIdentifier": code.routing_identifier,
        "siret": code.siret,
        "routingIdentifierType": "0224",
        "routingCodeName": code.name,
        "administrativeStatus": code.administrative_status,
        "legalUnit": legal_unit(entity),
    }


def line_payload(entity: Entity, line: Line) -> dict[str, Any]:
    """``directoryLinePayloadHistoryLegalUnitFacilityRoutingCode``: the line, its platform, its units."""
    answer: dict[str, Any] = {"addressingIdentifier": line.addressing_identifier, "siren": entity.siren}
    if line.siret is not None:
        answer["siret"] = line.siret
    if line.routing_code is not None:
        code = next((c for c in entity.routing_codes if c.routing_identifier == line.routing_code), None)
        answer["routingCode"] = {"routingIdentifier": line.routing_code, "routingIdentifierType": "0224"}
        if code is not None:
            answer["routingCode"]["routingCodeName"] = code.name
    answer["platform"] = {"platformType": "WK", "platformStatus": "Enabled"}
    answer["legalUnit"] = legal_unit(entity, with_siren=False)
    return answer
