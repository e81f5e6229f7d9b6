"""Read an accounting export (CSV) into a table of canonical, still unparsed, string columns.

Everything is read as text (``dtype=str``) so nothing is silently coerced; the rules parse values
themselves. Separator and encoding are detected; problems that make the whole file unusable raise
``ExportReadError`` with a stable code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chorusflow.exports.columns import (
    CANONICAL_COLUMNS,
    ColumnMapping,
    ColumnMatch,
    load_mapping,
    shipped_mappings,
)

SEPARATORS = (";", ",", "\t")
MAX_FIELD_CHARS = 1_000_000  # far above any real field; stops a runaway unterminated quote


class ExportReadError(Exception):
    """The export cannot be read as invoices at all; ``code`` is a stable rule code.

    For ``EXPORT_UNREADABLE`` the ``detail`` parameter is a key (``missing``, ``binary``, ``encoding``,
    ``structure``) or an OS error text; ``technical`` may add the parser's own words.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, Any] = params  # message parameters only (``finding`` takes them as is)


@dataclass
class ExportTable:
    """An export's rows as canonical string columns (absent optional columns are empty strings)."""

    columns: dict[str, list[str]]
    row_numbers: list[int]
    folder: Path
    separator: str
    encoding: str
    mapping_file: Path | None = None
    # Invoice numbers of rows that had more fields than the header (the extra fields were dropped).
    malformed: list[tuple[str, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (``row_number`` then the canonical columns), for inspection."""
        return pd.DataFrame({"row_number": self.row_numbers, **self.columns}, dtype=object)


def decode(raw: bytes) -> tuple[str, str]:
    """Decode the file: UTF-8 (with or without BOM) when valid, else cp1252, else latin-1.

    A UTF-16 file with its BOM (Excel's "Unicode text") is read too; a PDF is refused as binary.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ExportReadError("EXPORT_UNREADABLE", detail="encoding") from None
    if b"\x00" in raw[:65536] or raw.startswith(b"%PDF-"):
        raise ExportReadError("EXPORT_UNREADABLE", detail="binary")
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole: decode line by line, because an ERP that appends to a file can mix
    # UTF-8 lines with cp1252 ones, and decoding all of it as cp1252 would garble the UTF-8 lines.
    lines: list[str] = []
    encodings: set[str] = set()
    for line in raw.split(b"\n"):
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                lines.append(line.decode(encoding))
            except UnicodeDecodeError:
                continue
            if encoding != "utf-8" or not line.isascii():
                encodings.add(encoding)
            break
    return "\n".join(lines), "+".join(sorted(encodings, reverse=True)) or "cp1252"


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # below 32, except tab, CR and LF


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = len(_CONTROL_CHARACTERS.findall(sample))
    return bool(sample) and controls > max(8, len(sample) // 100)


def _holds_whitespace(text: str) -> bool:
    """Whether ``text`` holds any character that ``str.strip`` removes (one pass at C speed)."""
    words = text.split(None, 1)
    return (words[0] if words else "") != text


def detect_separator(text: str) -> str:
    """The separator of the header line: the most frequent of ``;``, ``,`` and tab outside quotes."""
    header = ""
    for line in text[:MAX_FIELD_CHARS].splitlines():
        if line.strip():
            header = line
            break
    unquoted = header.split('"')[::2]
    counts = {sep: sum(part.count(sep) for part in unquoted) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _header_fields(text: str, separator: str) -> list[str]:
    for row in csv.reader(io.StringIO(text[:MAX_FIELD_CHARS]), delimiter=separator):
        if any(cell.strip() for cell in row):
            return row
    return []


def _choose_mapping(headers: list[str], mapping: Path | None) -> tuple[ColumnMatch, Path | None]:
    if mapping is not None:
        return ColumnMatch(headers, load_mapping(mapping)), mapping
    match = ColumnMatch(headers, None)
    if match.usable:
        return match, None
    for candidate in shipped_mappings():
        try:
            columns: ColumnMapping = load_mapping(candidate)
        except ValueError:
            continue  # a broken shipped mapping must not hide the export's own problem
        candidate_match = ColumnMatch(headers, columns)
        if candidate_match.usable:
            return candidate_match, candidate
    return match, None


def _parse(text: str, separator: str, width: int, invoice_position: int | None) -> tuple[pd.DataFrame, list]:
    options: dict = {
        "sep": separator,
        "dtype": object,  # plain Python strings: the same texts as ``str``, without building a string array
        "keep_default_na": False,
        "na_filter": False,
        "skip_blank_lines": True,
        "header": 0,
        "quotechar": '"',
    }
    try:
        # UTF-8 bytes are the C parser's native input; a StringIO would first copy the text as UCS-4.
        return pd.read_csv(io.BytesIO(text.encode("utf-8")), encoding="utf-8", **options), []
    except pd.errors.ParserError as error:
        if "Expected" not in str(error):
            raise  # e.g. a quote never closed: rows would be lost, so the file is refused
    malformed: list[tuple[str, int]] = []

    def keep_known_fields(fields: list[str]) -> list[str]:
        number = fields[invoice_position].strip() if invoice_position is not None else ""
        malformed.append((number, len(fields)))
        return fields[:width]

    frame = pd.read_csv(
        io.StringIO(text), engine="python", on_bad_lines=keep_known_fields, **{**options, "na_filter": True}
    )
    return frame.fillna(""), malformed


def read_export(path: Path, *, mapping: Path | None = None) -> ExportTable:
    """Read ``path`` into canonical columns; raise ``ExportReadError`` when it holds no usable table."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        detail = "missing" if isinstance(error, FileNotFoundError) else error.strerror or type(error).__name__
        raise ExportReadError("EXPORT_UNREADABLE", detail=detail) from None
    text, encoding = decode(raw)
    if _looks_binary(text):
        raise ExportReadError("EXPORT_UNREADABLE", detail="binary")
    if not text or text.isspace():  # not text.strip(): that would copy the whole file
        raise ExportReadError("EXPORT_EMPTY")
    separator = detect_separator(text)
    try:
        headers = _header_fields(text, separator)
    except csv.Error as error:
        raise ExportReadError("EXPORT_UNREADABLE", detail="structure", technical=str(error)[:200]) from None
    match, mapping_used = _choose_mapping(headers, mapping)
    if match.duplicates:
        raise ExportReadError("EXPORT_DUPLICATE_COLUMN", column=", ".join(match.duplicates))
    if match.missing:
        raise ExportReadError("EXPORT_MISSING_COLUMN", column=", ".join(match.missing))
    try:
        frame, malformed = _parse(text, separator, len(headers), match.positions.get("invoice_number"))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as error:
        technical = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise ExportReadError("EXPORT_UNREADABLE", detail="structure", technical=technical) from None
    width = frame.shape[1]
    empty: list[str] = [""] * len(frame)
    columns: dict[str, list[str]] = {}
    for canonical in CANONICAL_COLUMNS:
        position = match.positions.get(canonical)
        if position is None or position >= width:
            columns[canonical] = empty
        else:
            texts = frame.iloc[:, position].tolist()
            # Most columns (dates, amounts, identifiers) hold no whitespace at all: nothing to strip.
            columns[canonical] = list(map(str.strip, texts)) if _holds_whitespace("".join(texts)) else texts
    # Blank lines and the header repeated inside the file (concatenated exports) are not invoice lines.
    header_number = headers[match.positions["invoice_number"]].strip()
    numbers = columns["invoice_number"]
    if "" not in numbers and header_number not in numbers:
        keep: Sequence[int] = range(len(numbers))  # the usual case, decided at C speed
    else:
        keep = [
            index
            for index, number in enumerate(numbers)
            if number != header_number and (number or any(columns[name][index] for name in CANONICAL_COLUMNS))
        ]
    if len(keep) < len(numbers):
        columns = {name: [values[index] for index in keep] for name, values in columns.items()}
    # Data record N sits after the header: number it N + 2, as a spreadsheet shows it.
    row_numbers = [index + 2 for index in keep] if isinstance(keep, list) else list(range(2, len(keep) + 2))
    if not row_numbers:
        raise ExportReadError("EXPORT_EMPTY")
    return ExportTable(
        columns=columns,
        row_numbers=row_numbers,
        folder=path.resolve().parent,
        separator=separator,
        encoding=encoding,
        mapping_file=mapping_used,
        malformed=malformed,
    )
