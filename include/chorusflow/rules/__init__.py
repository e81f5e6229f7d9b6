"""Validation of accounting exports: rule codes, FR/EN messages, buyer profiles and directory rules.

``validate_export`` is the entry point the CLI and the DAG call.
"""

from __future__ import annotations

from chorusflow.rules.codes import SEVERITIES, Finding, finding
from chorusflow.rules.directory import (
    BuyerDirectory,
    BuyerRecord,
    ChorusDirectory,
    DirectoryUnavailableError,
    ServiceRecord,
    StaticDirectory,
)
from chorusflow.rules.engine import InvoiceVerdict
from chorusflow.rules.validate import ValidationReport, ValidationSummary, validate_export

__all__ = [
    "SEVERITIES",
    "BuyerDirectory",
    "BuyerRecord",
    "ChorusDirectory",
    "DirectoryUnavailableError",
    "Finding",
    "InvoiceVerdict",
    "ServiceRecord",
    "StaticDirectory",
    "ValidationReport",
    "ValidationSummary",
    "finding",
    "validate_export",
]
