"""``validate_export``: read an export, apply every rule and return a ``ValidationReport``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic_core import PydanticSerializationError
from typing_extensions import TypedDict

from chorusflow.exports.columns import MappingError
from chorusflow.exports.reader import ExportReadError, ExportTable, read_export
from chorusflow.invoice import Invoice
from chorusflow.messages import language
from chorusflow.rules.checks.attachments import AttachmentKeeper
from chorusflow.rules.codes import Finding, finding
from chorusflow.rules.directory import BuyerDirectory
from chorusflow.rules.engine import InvoiceVerdict, TableValidator, gc_paused
from chorusflow.rules.profiles import BuyerProfile, ProfileError, load_profiles
from chorusflow.rules.routing import Refusal, route_table, sub_table
from chorusflow.storage import StoredPath
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_supplier


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
        _write_verdicts(out, [(None, self.invoices)])
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


class _RoutedVerdictJson(TypedDict):
    """One invoice of an export of several suppliers: the same, with the id of its supplier."""

    invoice_number: str
    supplier: str
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


@cache
def _routed_verdict_adapter() -> TypeAdapter[_RoutedVerdictJson]:
    return TypeAdapter(_RoutedVerdictJson)


def _write_verdicts(out: BytesSink, groups: Iterable[tuple[str | None, list[InvoiceVerdict]]]) -> None:
    """The ``"invoices"`` list: each group's verdicts, named with the group's supplier id unless None."""
    started = False
    for supplier_id, verdicts in groups:
        for batch in _batches(verdicts, _VERDICTS_PER_WRITE):
            out.write(b",\n" if started else b"[\n")
            started = True
            out.write(b",\n".join(_verdict_json(verdict, supplier_id) for verdict in batch))
    out.write(b"\n  ]" if started else b"[]")


def _batches(items: list[InvoiceVerdict], size: int) -> Iterator[list[InvoiceVerdict]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _verdict_json(verdict: InvoiceVerdict, supplier_id: str | None = None) -> bytes:
    """One verdict, indented as in the document, without the newline before it; with ``supplier_id``,
    its ``"supplier"`` follows the invoice number."""
    document: Mapping[str, Any]
    try:
        if supplier_id is None:
            plain: _VerdictJson = {
                "invoice_number": verdict.invoice_number,
                "rows": verdict.rows,
                "valid": verdict.valid,
                "errors": _findings(verdict.errors),
                "warnings": _findings(verdict.warnings),
                "invoice": verdict.invoice,
            }
            document = plain
            text = _verdict_adapter().dump_json(plain, indent=2)
        else:
            routed: _RoutedVerdictJson = {
                "invoice_number": verdict.invoice_number,
                "supplier": supplier_id,
                "rows": verdict.rows,
                "valid": verdict.valid,
                "errors": _findings(verdict.errors),
                "warnings": _findings(verdict.warnings),
                "invoice": verdict.invoice,
            }
            document = routed
            text = _routed_verdict_adapter().dump_json(routed, indent=2)
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
    read = _read(path, mapping, lang, summary, profiles)
    if isinstance(read, ValidationReport):
        return read
    table, buyer_profiles = read
    return _validate_table(
        table,
        summary,
        supplier or load_supplier(),
        lang,
        buyer_profiles,
        directory,
        today,
        attachments_from=attachments_from,
        keep_attachment=keep_attachment,
    )


class SupplierReport(BaseModel):
    """The invoices of one supplier in an export, as :func:`validate_export` judges them."""

    model_config = ConfigDict(frozen=True)

    supplier: SupplierIdentity
    report: ValidationReport


class RoutedSummary(ValidationSummary):
    """The counts of an export of several suppliers: every supplier's invoices and the refused ones,
    which count among the invalid (``refused`` says how many; ``lines`` counts their rows too)."""

    refused: int = 0


class RoutedReport(BaseModel):
    """An export of a deployment with several suppliers: one report per supplier, and the refusals.

    ``file_errors`` are the findings that stopped the whole file (unreadable, no usable column), and
    ``refusals`` the invoices no supplier could be given with certainty (SUPPLIER_UNKNOWN …).
    """

    model_config = ConfigDict(frozen=True)

    file_errors: list[Finding]
    refusals: list[Refusal]
    parts: list[SupplierReport]
    summary: RoutedSummary

    @property
    def refused(self) -> list[Finding]:
        """The refusals' findings."""
        return [refusal.finding for refusal in self.refusals]

    def with_reports(self, change: Callable[[ValidationReport], ValidationReport]) -> RoutedReport:
        """This report with ``change`` applied to each supplier's report (Factur-X checks …), recounted."""
        parts = [SupplierReport(supplier=part.supplier, report=change(part.report)) for part in self.parts]
        base = self.summary.model_dump(include={"file", "offline", "language"})
        return self.model_copy(
            update={"parts": parts, "summary": _routed_summary(base, parts, self.refusals)}
        )

    def write_json(self, out: BytesSink) -> None:
        """Write the report as the JSON document of ``chorusflow validate --json`` with several suppliers.

        The one-supplier document (:meth:`ValidationReport.write_json`) with: ``"supplier"`` (its id)
        after each invoice's number, the invoices grouped by supplier; ``"refused"``, each refusal's
        code, field, message, invoice numbers and rows; ``"suppliers"``, each supplier's id, name and
        summary; and ``"refused"`` in the summary, whose ``invalid`` counts the refused invoices.
        """
        file_errors = [{"code": item.code, "message": item.message} for item in self.file_errors]
        out.write(b'{\n  "file_errors": ' + _indented_json(file_errors, 2) + b',\n  "invoices": ')
        _write_verdicts(out, [(part.supplier.id, part.report.invoices) for part in self.parts])
        refused = [
            {**_findings([refusal.finding])[0], "invoices": refusal.invoices, "rows": refusal.rows}
            for refusal in self.refusals
        ]
        suppliers = [
            {
                "id": part.supplier.id,
                "name": part.supplier.name,
                "summary": part.report.summary.model_dump(mode="json"),
            }
            for part in self.parts
        ]
        summary = self.summary.model_dump(mode="json")
        out.write(b',\n  "refused": ' + _indented_json(refused, 2))
        out.write(b',\n  "suppliers": ' + _indented_json(suppliers, 2))
        out.write(b',\n  "summary": ' + _indented_json(summary, 2) + b"\n}")


def _routed_summary(
    base: dict[str, Any], parts: list[SupplierReport], refusals: list[Refusal]
) -> RoutedSummary:
    summaries = [part.report.summary for part in parts]
    refused = sum(len(refusal.invoices) for refusal in refusals)
    invoices = sum(summary.invoices for summary in summaries) + refused
    valid = sum(summary.valid for summary in summaries)
    return RoutedSummary(
        **base,
        invoices=invoices,
        valid=valid,
        invalid=invoices - valid,
        refused=refused,
        lines=sum(summary.lines for summary in summaries) + sum(len(refusal.rows) for refusal in refusals),
        warnings=sum(summary.warnings for summary in summaries),
    )


def validate_routed_export(
    path: Path,
    suppliers: Suppliers,
    *,
    folder_supplier: SupplierIdentity | None = None,
    mapping: Path | None = None,
    directories: Callable[[SupplierIdentity], BuyerDirectory | None] | None = None,
    lang: str | None = None,
    profiles: dict[str, BuyerProfile] | None = None,
    today: date | None = None,
    attachments_from: Path | StoredPath | None = None,
    keepers: Callable[[SupplierIdentity], AttachmentKeeper | None] | None = None,
) -> RoutedReport:
    """Validate an export whose invoices may belong to several suppliers (docs/suppliers.md).

    Each supplier's invoices are judged with that supplier's identity and, when ``directories`` gives
    one, with the buyer directory its own technical account reads. Attachments are looked for as
    :func:`validate_export` does, and ``keepers`` gives each supplier's way of keeping them.
    """
    lang = language(lang)
    summary = {"file": str(path), "offline": directories is None, "language": lang}
    read = _read(path, mapping, lang, summary, profiles)
    if isinstance(read, ValidationReport):
        return RoutedReport(
            file_errors=read.file_errors, refusals=[], parts=[], summary=RoutedSummary(**summary)
        )
    table, buyer_profiles = read
    routing = route_table(table, suppliers, folder_supplier, lang)
    parts = []
    for routed in routing.parts:
        directory = directories(routed.supplier) if directories is not None else None
        part_summary = {**summary, "offline": directory is None}
        report = _validate_table(
            sub_table(table, routed.rows),
            part_summary,
            routed.supplier,
            lang,
            buyer_profiles,
            directory,
            today,
            attachments_from=attachments_from,
            keep_attachment=keepers(routed.supplier) if keepers is not None else None,
        )
        parts.append(SupplierReport(supplier=routed.supplier, report=report))
    return RoutedReport(
        file_errors=[],
        refusals=routing.refusals,
        parts=parts,
        summary=_routed_summary(summary, parts, routing.refusals),
    )


def _read(
    path: Path,
    mapping: Path | None,
    lang: str,
    summary: dict[str, Any],
    profiles: dict[str, BuyerProfile] | None,
) -> ValidationReport | tuple[ExportTable, dict[str, BuyerProfile]]:
    """The export's table and the buyer profiles, or the report of a file that cannot be validated."""

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
    return table, buyer_profiles


def _validate_table(
    table: ExportTable,
    summary: dict[str, Any],
    supplier: SupplierIdentity,
    lang: str,
    profiles: dict[str, BuyerProfile],
    directory: BuyerDirectory | None,
    today: date | None,
    *,
    attachments_from: Path | StoredPath | None,
    keep_attachment: AttachmentKeeper | None,
) -> ValidationReport:
    validator = TableValidator(
        table,
        supplier=supplier,
        lang=lang,
        profiles=profiles,
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
