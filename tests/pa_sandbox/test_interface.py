"""Our interface digest agrees with the official annexes wherever it declares something.

For every operation the digest declares, the annex declares the same path and method, the same
parameters (name, place, required, type), the same request body and answers (status, media type,
shape); for every type the digest declares, the annex's type of that name has the same facts
(types, formats, enums, patterns, lengths, bounds, required fields, properties). A digest that
drifts from the annex fails here. Without the annexes the test skips and says how to get them.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from chorusflow_dev.pa_sandbox.annexes import FETCH_INSTRUCTION, annexes_installed, load_annex
from chorusflow_dev.pa_sandbox.interface import FILES, FOLDER, load_digest

#: The facts of a schema the digest keeps (and the validator reads); everything else is prose.
FACETS = (
    *("type", "format", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum"),
    *("exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems", "default"),
    *("nullable", "required", "properties", "additionalProperties", "items", "allOf", "oneOf", "anyOf"),
)
KEYS = ("flow", "directory")


@pytest.fixture(scope="module", autouse=True)
def _annexes_installed() -> None:
    if not annexes_installed():
        pytest.skip("the AFNOR annexes are not installed: " + FETCH_INSTRUCTION)


def _deref(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _facts(document: dict[str, Any], node: Any) -> Any:
    """A schema's facts; a reference to a named schema stays a name (compared on its own)."""
    if isinstance(node, dict) and "$ref" in node:
        if "/schemas/" in node["$ref"]:
            return node["$ref"].rsplit("/", 1)[1]
        return _facts(document, _deref(document, node))
    facts: dict[str, Any] = {}
    for key in FACETS:
        if key not in node:
            continue
        value = node[key]
        if key == "properties":
            facts[key] = {name: _facts(document, sub) for name, sub in value.items()}
        elif key == "items" or (key == "additionalProperties" and isinstance(value, dict)):
            facts[key] = _facts(document, value)
        elif key in ("allOf", "oneOf", "anyOf"):
            facts[key] = [_facts(document, sub) for sub in value]
        else:
            facts[key] = value
    return facts


def _operation_facts(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    parameters = {}
    for parameter in (_deref(document, p) for p in operation.get("parameters", [])):
        required = bool(parameter.get("required")) or parameter["in"] == "path"
        parameters[(parameter["in"], parameter["name"])] = (required, _facts(document, parameter["schema"]))
    body = None
    if "requestBody" in operation:
        request_body = _deref(document, operation["requestBody"])
        body = (
            bool(request_body.get("required")),
            {
                media: (_facts(document, m.get("schema", {})), m.get("encoding", {}))
                for media, m in request_body["content"].items()
            },
        )
    answers = {}
    for status, answer in operation["responses"].items():
        content = _deref(document, answer).get("content") or {}
        answers[status] = {
            media: _facts(document, m["schema"]) if "schema" in m else None for media, m in content.items()
        }
    return {"parameters": parameters, "body": body, "answers": answers}


@pytest.mark.parametrize("key", KEYS)
def test_every_operation_the_digest_declares_is_the_annex_operation(key: str) -> None:
    annex, digest = load_annex(key), load_digest(key)
    annex_operations = _operations(annex)
    assert set(_operations(digest)) == set(annex_operations), "every annex operation is served or listed"
    written = yaml.safe_load((FOLDER / FILES[key]).read_text(encoding="utf-8"))
    for name in written["operations"]:
        assert _operation_facts(digest, _operations(digest)[name]) == _operation_facts(
            annex, annex_operations[name]
        ), name


@pytest.mark.parametrize("key", KEYS)
def test_every_type_the_digest_declares_is_the_annex_type(key: str) -> None:
    annex, digest = load_annex(key), load_digest(key)
    annex_types = annex["components"]["schemas"]
    for name, schema in digest["components"]["schemas"].items():
        assert name in annex_types, name
        assert _facts(digest, schema) == _facts(annex, annex_types[name]), name


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {template}": operation
        for template, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def test_a_drifting_digest_is_caught() -> None:
    """The comparison is not blind: one changed enum value, required field or type is a difference."""
    annex, digest = load_annex("flow"), load_digest("flow")
    for change in (
        lambda s: s["FlowAckStatus"]["enum"].append("Accepted"),
        lambda s: s["FlowInfo"]["required"].append("trackingId"),
        lambda s: s["NotOnlyUuid"].update(maxLength=40),
    ):
        changed = load_digest("flow")
        change(changed["components"]["schemas"])
        assert any(
            _facts(changed, changed["components"]["schemas"][n])
            != _facts(annex, annex["components"]["schemas"][n])
            for n in digest["components"]["schemas"]
        )
