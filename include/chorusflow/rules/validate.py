"""``validate_export``: read an export, apply every rule and return a ``ValidationReport``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chorusflow.config import SupplierIdentity, load_supplier
from chorusflow.exports.columns import MappingError
from chorusflow.exports.reader import ExportReadError, read_export
from chorusflow.rules.codes import Finding, finding, resolve_language
from chorusflow.rules.directory import BuyerDirectory
from chorusflow.rules.engine import InvoiceVerdict, TableValidator, gc_paused
from chorusflow.rules.profiles import BuyerProfile, ProfileError, load_profiles


class ValidationSummary(BaseModel):
    """Counts of one validation run."""

    model_config = ConfigDict(frozen=True)

    file: str
    invoices: int = 0
    valid: int = 0
    invalid: int = 0
    lines: int = 0
    warnings: int = 0
    offline: bool
    language: str


class ValidationReport(BaseModel):
    """Everything ``validate_export`` found: file-level errors and one verdict per invoice."""

    model_config = ConfigDict(frozen=True)

    file_errors: list[Finding]
    invoices: list[InvoiceVerdict]
    summary: ValidationSummary

    @property
    def readable(self) -> bool:
        """Whether the file could be read as invoices at all."""
        return not self.file_errors


def validate_export(
    path: Path,
    *,
    mapping: Path | None = None,
    directory: BuyerDirectory | None = None,
    lang: str | None = None,
    supplier: SupplierIdentity | None = None,
    profiles: dict[str, BuyerProfile] | None = None,
    today: date | None = None,
) -> ValidationReport:
    """Validate the export at ``path``; without ``directory`` the directory rules are skipped (offline).

    ``supplier`` and ``profiles`` default to the configuration (``load_supplier()``, ``<config>/buyers``).
    ``today`` (default: today in Europe/Paris) decides ``INVOICE_DATE_FUTURE`` and whether the 2026
    reform's mentions are errors yet (from the supplier's ``reform_mentions_from``) or warnings.
    """
    language = resolve_language(lang)
    summary = {"file": str(path), "offline": directory is None, "language": language}

    def failed(error: Finding) -> ValidationReport:
        return ValidationReport(file_errors=[error], invoices=[], summary=ValidationSummary(**summary))

    try:
        with gc_paused():
            table = read_export(Path(path), mapping=mapping)
    except ExportReadError as error:
        return failed(finding(error.code, language, None, **error.params))
    except MappingError as error:
        return failed(finding("MAPPING_INVALID", language, None, file=error.file.name, detail=error.detail))
    try:
        buyer_profiles = load_profiles() if profiles is None else profiles
    except ProfileError as error:
        return failed(
            finding("BUYER_PROFILE_INVALID", language, None, file=error.file.name, detail=error.detail)
        )
    validator = TableValidator(
        table,
        supplier=supplier or load_supplier(),
        lang=language,
        profiles=buyer_profiles,
        directory=directory,
        today=today,
    )
    verdicts = validator.run()
    valid = sum(1 for verdict in verdicts if verdict.valid)
    return ValidationReport(
        file_errors=[],
        invoices=verdicts,
        summary=ValidationSummary(
            **summary,
            invoices=len(verdicts),
            valid=valid,
            invalid=len(verdicts) - valid,
            lines=len(table),
            warnings=sum(len(verdict.warnings) for verdict in verdicts),
        ),
    )
