"""The AFNOR Flow and Directory services' objects the client reads and sends (Annex A and B 1.1.0).

Answers are read leniently (unknown keys ignored: a PA may add fields); what we send is exactly
the annex's names. Field names follow the annexes (camelCase aliases).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class FlowSyntax(StrEnum):
    """Annex A ``FlowSyntax``."""

    CII = "CII"
    UBL = "UBL"
    FACTUR_X = "Factur-X"
    CDAR = "CDAR"
    FRR = "FRR"


class FlowProfile(StrEnum):
    """Annex A ``FlowProfile``."""

    BASIC = "Basic"
    CIUS = "CIUS"
    EXTENDED_CTC_FR = "Extended-CTC-FR"


class AckStatus(StrEnum):
    """Annex A ``FlowAckStatus``."""

    PENDING = "Pending"
    OK = "Ok"
    ERROR = "Error"


class FlowType(StrEnum):
    """The Annex A ``FlowType`` values the supplier's side uses."""

    CUSTOMER_INVOICE = "CustomerInvoice"
    CUSTOMER_INVOICE_LC = "CustomerInvoiceLC"


class _AnswerModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class AcknowledgementDetail(_AnswerModel):
    """Annex A ``AcknowledgementDetail``: one reason of an acknowledgement."""

    level: str
    item: str = ""
    reason_code: str = Field(alias="reasonCode")
    reason_message: str = Field("", alias="reasonMessage")  # shown to people, never read to decide


class Acknowledgement(_AnswerModel):
    """Annex A ``Acknowledgement``."""

    status: AckStatus
    details: tuple[AcknowledgementDetail, ...] = ()

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(detail.reason_code for detail in self.details)


class Flow(_AnswerModel):
    """Annex A ``Flow`` (metadata) or ``FullFlowInfo`` (the 202 of a deposit)."""

    flow_id: str = Field(alias="flowId")
    tracking_id: str | None = Field(None, alias="trackingId")
    name: str | None = None
    flow_syntax: str | None = Field(None, alias="flowSyntax")
    flow_profile: str | None = Field(None, alias="flowProfile")
    flow_type: str | None = Field(None, alias="flowType")
    flow_direction: str | None = Field(None, alias="flowDirection")
    processing_rule: str | None = Field(None, alias="processingRule")
    sha256: str | None = None
    submitted_at: datetime | None = Field(None, alias="submittedAt")
    updated_at: datetime | None = Field(None, alias="updatedAt")
    acknowledgement: Acknowledgement | None = None


class SearchPage(_AnswerModel):
    """Annex A ``SearchFlowContent``."""

    limit: int | None = None
    results: tuple[Flow, ...] = ()


class LegalUnit(_AnswerModel):
    """Annex B legal unit (SIREN)."""

    siren: str
    business_name: str | None = Field(None, alias="businessName")
    entity_type: str | None = Field(None, alias="entityType")
    administrative_status: str | None = Field(None, alias="administrativeStatus")  # A active, C closed


class Facility(_AnswerModel):
    """Annex B facility (SIRET)."""

    siret: str
    siren: str | None = None
    facility_type: str | None = Field(None, alias="facilityType")
    administrative_status: str | None = Field(None, alias="administrativeStatus")


class RoutingCode(_AnswerModel):
    """Annex B routing code of a directory line."""

    routing_identifier: str = Field(alias="routingIdentifier")
    routing_code_name: str | None = Field(None, alias="routingCodeName")


class DirectoryLine(_AnswerModel):
    """Annex B directory line: where invoices to a SIREN (SIRET, routing code) are received."""

    addressing_identifier: str = Field(alias="addressingIdentifier")  # the electronic address (BT-49)
    siren: str
    siret: str | None = None
    routing_code: RoutingCode | None = Field(None, alias="routingCode")
