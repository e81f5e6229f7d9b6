"""The core both sandboxes validate requests with: draft-4 JSON Schema (``jsonschema``), errors in path
order, each naming the offending JSON path. Each sandbox turns its own API description (Swagger 2.0,
OpenAPI 3.0) into schemas and words its messages."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError


def errors_in_order(
    schema: dict[str, Any], value: Any, format_checker: FormatChecker
) -> list[ValidationError]:
    """Every error of ``value`` against ``schema``, sorted by the path of what is wrong."""
    validator = Draft4Validator(schema, format_checker=format_checker)
    return sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])


def json_path(error: ValidationError) -> str:
    """``$.a.b[0]``: where in the document ``error`` is."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def unknown_keys(error: ValidationError) -> list[str] | None:
    """The keys an ``additionalProperties`` error is about (sorted), or None for any other error."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return None
    allowed = set(error.schema.get("properties", {}))
    return sorted(key for key in error.instance if key not in allowed)
