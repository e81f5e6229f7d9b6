"""The canonical export columns and the YAML column mappings that rename an ERP's headers to them."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from chorusflow.suppliers import config_dir

REQUIRED_COLUMNS: tuple[str, ...] = (
    "invoice_number",
    "issue_date",
    "due_date",
    "buyer_siret",
    "line_description",
    "quantity",
    "unit_price",
    "vat_rate",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "invoice_type",
    "delivery_date",
    "currency",
    "buyer_name",
    "buyer_address",
    "delivery_address",
    "operation_nature",
    "service_code",
    "engagement_number",
    "market_number",
    "billing_framework",
    "validator_siret",
    "payment_means",
    "supplier_iban",
    "original_invoice_number",
    "vat_exemption_reason",
    "line_unit",
    "line_discount",
    "line_net_amount",
    "total_ht",
    "total_vat",
    "total_ttc",
    "attachment",
    "comment",
    "supplier",
    "vat_treatment",
    "buyer_vat_number",
    "total_vat_eur",
)
#: Headers every export may use for a canonical column without a mapping file.
BUILTIN_ALIASES: dict[str, tuple[str, ...]] = {
    # The supplier an invoice is issued by, when a deployment has several (docs/suppliers.md):
    # its id in the configuration, or its identifier (SIRET, EU VAT number …).
    "supplier": ("supplier_id", "supplier_siret", "supplier_identifier"),
}
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Values that belong to one line; every other column is an invoice header repeated on each line.
LINE_COLUMNS: frozenset[str] = frozenset(
    {
        "line_description",
        "quantity",
        "unit_price",
        "vat_rate",
        "line_unit",
        "line_discount",
        "line_net_amount",
    }
)
HEADER_COLUMNS: tuple[str, ...] = tuple(name for name in CANONICAL_COLUMNS if name not in LINE_COLUMNS)

ColumnMapping = dict[str, list[str]]


class MappingError(ValueError):
    """A column mapping file that cannot be used; ``str()`` explains why."""

    def __init__(self, file: Path, detail: str) -> None:
        super().__init__(detail)
        self.file = file
        self.detail = detail


def normalize_header(header: str) -> str:
    """Header key used for matching: trimmed, lower case, without accents, ``_`` as space."""
    text = unicodedata.normalize("NFKD", header.replace("\ufeff", ""))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


def load_mapping(path: Path) -> ColumnMapping:
    """Read a mapping file (``columns: {canonical: header or [headers]}``) and check it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise MappingError(path, f"{type(error).__name__}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise MappingError(path, "a 'columns:' section mapping canonical names to headers is expected")
    mapping: ColumnMapping = {}
    for canonical, headers in data["columns"].items():
        if canonical not in CANONICAL_COLUMNS:
            raise MappingError(path, f"'{canonical}' is not a canonical column")
        values = [headers] if isinstance(headers, str) else headers
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise MappingError(path, f"'{canonical}' must map to a header or a list of headers")
        mapping[canonical] = values
    return mapping


def shipped_mappings() -> list[Path]:
    """Mapping files of ``<config>/mappings/``, tried in order when the export's headers are not canonical."""
    folder = config_dir() / "mappings"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


class ColumnMatch:
    """How the headers of one export match the canonical columns."""

    def __init__(self, headers: list[str], mapping: ColumnMapping | None) -> None:
        keys = [normalize_header(header) for header in headers]
        self.positions: dict[str, int] = {}
        self.duplicates: list[str] = []
        for canonical in CANONICAL_COLUMNS:
            wanted = {normalize_header(canonical)}
            wanted.update(normalize_header(alias) for alias in BUILTIN_ALIASES.get(canonical, ()))
            wanted.update(normalize_header(header) for header in (mapping or {}).get(canonical, []))
            found = [index for index, key in enumerate(keys) if key in wanted]
            if len(found) > 1:
                self.duplicates.append(canonical)
            elif found:
                self.positions[canonical] = found[0]
        self.missing = [name for name in REQUIRED_COLUMNS if name not in self.positions]

    @property
    def usable(self) -> bool:
        """Whether every required column was found exactly once."""
        return not self.missing and not self.duplicates
