"""``validate_export``: read an export, apply every rule and return a ``ValidationReport``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic_core import PydanticSerializationError
from typing_extensions import TypedDict

from chorusflow.config import SupplierIdentity, load_supplier
from chorusflow.exports.columns import MappingError
from chorusflow.exports.reader import ExportReadError, read_export
from chorusflow.messages import language
from chorusflow.model import Invoice
from chorusflow.rules.checks.attachments import AttachmentKeeper
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.directory import BuyerDirectory
from chorusflow.rules.engine import InvoiceVerdict, TableValidator, gc_paused
from chorusflow.rules.profiles import BuyerProfile, ProfileError, load_profiles
from chorusflow.storage import StoredPath


class BytesSink(Protocol):
    """Where :meth:`ValidationReport.write_json` writes: a binary file, ``sys.stdout.buffer``…"""

    def write(self, data: bytes, /) -> object: ...


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

    def write_json(self, out: BytesSink) -> None:
        """Write the report as the JSON document of ``chorusflow validate --json``, invoice by invoice.

        The document is ``{"file_errors", "invoices", "summary"}`` in UTF-8, indented by two spaces,
        each invoice ``{"invoice_number", "rows", "valid", "errors", "warnings", "invoice"}`` with the
        findings' code, field and message and the ``Invoice`` as ``model_dump(mode="json")`` gives
        it: the bytes ``json.dumps(document, ensure_ascii=False, indent=2)`` gave when the command
        built the whole document first (tests compare them). That took seconds and 600 MB more for
        100,000 lines, in the standard encoder (pure Python as soon as it indents); pydantic writes
        one invoice at a time in Rust (docs/performance.md, "CLI").
        """
        file_errors = [{"code": item.code, "message": item.message} for item in self.file_errors]
        out.write(b'{\n  "file_errors": ' + _indented_json(file_errors, 2) + b',\n  "invoices": ')
        _write_verdicts(out, self.invoices)
        summary = self.summary.model_dump(mode="json")
        out.write(b',\n  "summary": ' + _indented_json(summary, 2) + b"\n}")


class _FindingJson(TypedDict):
    code: str
    field: str | None
    message: str


class _VerdictJson(TypedDict):
    """One invoice of ``chorusflow validate --json`` (the keys in the document's order)."""

    invoice_number: str
    rows: list[int]
    valid: bool
    errors: list[_FindingJson]
    warnings: list[_FindingJson]
    invoice: Invoice | None


_VERDICT_INDENT = 4  # a verdict sits in the "invoices" list, itself in the top-level object
_VERDICTS_PER_WRITE = 256  # about a megabyte per write


@cache
def _verdict_adapter() -> TypeAdapter[_VerdictJson]:
    return TypeAdapter(_VerdictJson)


def _write_verdicts(out: BytesSink, verdicts: list[InvoiceVerdict]) -> None:
    if not verdicts:
        out.write(b"[]")
        return
    out.write(b"[\n")
    for index, batch in enumerate(_batches(verdicts, _VERDICTS_PER_WRITE)):
        if index:
            out.write(b",\n")
        out.write(b",\n".join(map(_verdict_json, batch)))
    out.write(b"\n  ]")


def _batches(items: list[InvoiceVerdict], size: int) -> Iterator[list[InvoiceVerdict]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _verdict_json(verdict: InvoiceVerdict) -> bytes:
    """One verdict, indented as in the document, without the newline before it."""
    document: _VerdictJson = {
        "invoice_number": verdict.invoice_number,
        "rows": verdict.rows,
        "valid": verdict.valid,
        "errors": _findings(verdict.errors),
        "warnings": _findings(verdict.warnings),
        "invoice": verdict.invoice,
    }
    try:
        text = _verdict_adapter().dump_json(document, indent=2)
    except PydanticSerializationError:
        # pydantic refuses what the standard library writes (a lone surrogate in a text): the old way
        # decides, and an error stays an error (UTF-8 cannot encode it either).
        invoice = verdict.invoice.model_dump(mode="json") if verdict.invoice is not None else None
        return _indented_json({**document, "invoice": invoice}, _VERDICT_INDENT, first_line=True)
    margin = b" " * _VERDICT_INDENT
    return margin + text.replace(b"\n", b"\n" + margin)  # JSON strings hold no raw newline


def _findings(items: Iterable[Finding]) -> list[_FindingJson]:
    return [{"code": item.code, "field": item.field, "message": item.message} for item in items]


def _indented_json(value: Any, margin: int, *, first_line: bool = False) -> bytes:
    """``value`` as ``json.dumps(indent=2)`` writes it, nested ``margin`` spaces deep."""
    spaces = " " * margin
    text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + spaces)
    return ((spaces if first_line else "") + text).encode("utf-8")


def validate_export(
    path: Path,
    *,
    mapping: Path | None = None,
    directory: BuyerDirectory | None = None,
    lang: str | None = None,
    supplier: SupplierIdentity | None = None,
    profiles: dict[str, BuyerProfile] | None = None,
    today: date | None = None,
    attachments_from: Path | StoredPath | None = None,
    keep_attachment: AttachmentKeeper | None = None,
) -> ValidationReport:
    """Validate the export at ``path``; without ``directory`` the directory rules are skipped (offline).

    Attachments are looked for in ``attachments_from`` (default: the export's folder; the inbox's
    URL when the export was staged from object storage); ``keep_attachment`` keeps each accepted one
    in shared storage (:class:`chorusflow.rules.checks.attachments.AttachmentRules`).

    ``supplier`` and ``profiles`` default to the configuration (``load_supplier()``, ``<config>/buyers``).
    ``today`` (default: today in Europe/Paris) decides ``INVOICE_DATE_FUTURE`` and whether the 2026
    reform's mentions are errors yet (from the supplier's ``reform_mentions_from``) or warnings.
    """
    lang = language(lang)
    summary = {"file": str(path), "offline": directory is None, "language": lang}

    def failed(error: Finding) -> ValidationReport:
        return ValidationReport(file_errors=[error], invoices=[], summary=ValidationSummary(**summary))

    try:
        with gc_paused():
            table = read_export(Path(path), mapping=mapping)
    except ExportReadError as error:
        return failed(finding(error.code, lang, None, **error.params))
    except MappingError as error:
        return failed(finding("MAPPING_INVALID", lang, None, file=error.file.name, detail=error.detail))
    try:
        buyer_profiles = load_profiles() if profiles is None else profiles
    except ProfileError as error:
        return failed(finding("BUYER_PROFILE_INVALID", lang, None, file=error.file.name, detail=error.detail))
    validator = TableValidator(
        table,
        supplier=supplier or load_supplier(),
        lang=lang,
        profiles=buyer_profiles,
        directory=directory,
        today=today,
        attachments_from=attachments_from,
        keep_attachment=keep_attachment,
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
