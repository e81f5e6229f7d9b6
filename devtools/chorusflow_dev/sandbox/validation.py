"""Request body validation against the official Chorus Pro Swagger files.

Swagger 2.0 definitions are turned into a draft-4 JSON Schema once, with two deliberate changes:
every object is closed (``additionalProperties: false``, so an unknown key is an error, as the
strictest reading of the Swagger) and ``pieceJointePrincipale`` is accepted as an object or as an
array of one object. ``date-time`` strings also accept ``YYYY-MM-DD`` and ``YYYY-MM-DD HH:MM``
because real clients send plain dates. ``numeroFactureSaisi`` and ``dateFacture`` may be ``null``:
the AIFE "Submit invoice" example for ``SAISIE_API`` sends ``"numeroFactureSaisi": null``. Sources:
docs/sources.md#request-shapes-the-swagger-gets-wrong.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError

from chorusflow_dev.serving.json_schema import errors_in_order, json_path, unknown_keys

SWAGGER_FILES = {
    "/cpro/factures": "chorus-pro-factures.swagger.json",
    "/cpro/structures": "chorus-pro-structures.swagger.json",
}
# Objects whose Swagger type is an object but that clients send as a one-element array.
OBJECT_OR_SINGLETON_ARRAY = {("SoumettreFactureParam", "pieceJointePrincipale")}
# Properties that may also be null: SAISIE_API ignores them (AIFE "Submit invoice" example sends null).
NULLABLE = {("SoumettreFactureParam", "numeroFactureSaisi"), ("SoumettreFactureParam", "dateFacture")}
# Extra keys accepted beyond the Swagger, per operation
# (docs/sources.md#request-shapes-the-swagger-gets-wrong).
EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    "/cpro/structures/v1/consulter": {"idStructure": {"type": "integer", "format": "int64"}},
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_MINUTE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_lenient_datetime(value: object) -> bool:
    """Accept the date and datetime shapes seen in real Chorus Pro traffic."""
    if not isinstance(value, str):
        return True
    if _DATE_RE.match(value) or _DATE_MINUTE_RE.match(value):
        datetime.strptime(value[:10], "%Y-%m-%d")
        return True
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _close_objects(node: Any) -> Any:
    """Return a copy of a schema fragment where every object refuses unknown keys."""
    if isinstance(node, list):
        return [_close_objects(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _close_objects(value) for key, value in node.items()}
    if (result.get("type") == "object" or "properties" in result) and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


def _load_swagger(file_name: str) -> dict[str, Any]:
    swagger = resources.files("chorusflow_dev.sandbox").joinpath("swagger", file_name)
    text = swagger.read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _singleton_array_schema(definitions: dict[str, Any], ref: str) -> dict[str, Any]:
    """Schema accepting the referenced object, or an array holding exactly one of it."""
    target = definitions[ref.split("/")[-1]]
    return {
        "type": ["object", "array"],
        "properties": target.get("properties", {}),
        "additionalProperties": False,
        "items": {"$ref": ref},
        "minItems": 1,
        "maxItems": 1,
    }


@lru_cache(maxsize=1)
def operation_schemas() -> dict[str, dict[str, Any]]:
    """Map every served Factures/Structures/Transverses path to its closed JSON Schema."""
    schemas: dict[str, dict[str, Any]] = {}
    for base_path, file_name in SWAGGER_FILES.items():
        swagger = _load_swagger(file_name)
        definitions = _close_objects(swagger.get("definitions", {}))
        for def_name, prop in OBJECT_OR_SINGLETON_ARRAY:
            if def_name in definitions:
                ref = definitions[def_name]["properties"][prop]["$ref"]
                definitions[def_name]["properties"][prop] = _singleton_array_schema(definitions, ref)
        for def_name, prop in NULLABLE:
            if def_name in definitions:
                target = definitions[def_name]["properties"][prop]
                target["type"] = [target["type"], "null"]
        for path, methods in swagger.get("paths", {}).items():
            for operation in methods.values():
                bodies = [p for p in operation.get("parameters", []) if p.get("in") == "body"]
                if not bodies:
                    continue
                full_path = f"{base_path}{path}"
                body_schema = copy.deepcopy(bodies[0]["schema"])
                schema: dict[str, Any] = {"definitions": definitions, **body_schema}
                extra = EXTRA_PROPERTIES.get(full_path)
                if extra and "$ref" in body_schema:
                    target = copy.deepcopy(definitions[body_schema["$ref"].split("/")[-1]])
                    target["properties"] = {**target.get("properties", {}), **extra}
                    schema = {"definitions": definitions, **target}
                schemas[full_path] = schema
    transverses = json.loads(
        resources.files("chorusflow_dev.sandbox")
        .joinpath("schemas", "transverses.json")
        .read_text(encoding="utf-8")
    )
    schemas.update(transverses["operations"])
    return schemas


def _describe(error: ValidationError) -> str:
    """One readable line naming the offending JSON path."""
    path = json_path(error)
    unknown = unknown_keys(error)
    if unknown is not None:
        return "; ".join(f"{path}.{key}: clé inconnue (unknown key)" for key in unknown)
    if error.validator == "type":
        return f"{path}: type invalide, attendu {error.validator_value} (wrong type: {error.instance!r})"
    if error.validator == "enum":
        choices = ", ".join(map(str, error.validator_value))
        return f"{path}: valeur non autorisée {error.instance!r} (allowed: {choices})"
    if error.validator == "format":
        return f"{path}: format de date invalide {error.instance!r}"
    return f"{path}: {error.message}"


def validate_request_body(path: str, body: object) -> list[str]:
    """Validate one request body for the operation at ``path``; return readable errors (empty if valid).

    ``path`` is the full request path, e.g. ``/cpro/factures/v1/soumettre``. Unknown paths raise
    ``KeyError``: the caller decides whether an operation has a schema.
    """
    return [_describe(error) for error in errors_in_order(operation_schemas()[path], body, FORMAT_CHECKER)]


def has_schema(path: str) -> bool:
    """Whether the sandbox knows a request schema for ``path``."""
    return path in operation_schemas()
