"""Readers for accounting exports (CSV) and their YAML column mappings."""

from chorusflow.exports.columns import (
    CANONICAL_COLUMNS,
    HEADER_COLUMNS,
    LINE_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    MappingError,
    load_mapping,
)
from chorusflow.exports.reader import ExportReadError, ExportTable, read_export

__all__ = [
    "CANONICAL_COLUMNS",
    "HEADER_COLUMNS",
    "LINE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ExportReadError",
    "ExportTable",
    "MappingError",
    "load_mapping",
    "read_export",
]
