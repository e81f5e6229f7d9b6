"""Our digest of the interface facts of AFNOR XP Z12-013 annexes A and B, used when they are absent.

``flow_service.yaml`` and ``directory_service.yaml`` hold, in our own layout, only the interface
facts the sandbox serves and checks (docs/pa-sandbox.md, "The annexes"). ``load_digest`` turns one
into the OpenAPI 3.0 document that ``chorusflow_dev.pa_sandbox.openapi.OpenApi`` checks requests
against, so the annexes and the digest go through the same validator.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).parent
FILES = {"flow": "flow_service.yaml", "directory": "directory_service.yaml"}
_SCHEMAS = "#/components/schemas/"


def _schema(node: Any) -> Any:
    """OpenAPI schema of a digest type: a bare name is a reference to another type."""
    if node is None:
        return {}
    if isinstance(node, str):
        return {"$ref": _SCHEMAS + node}
    result = dict(node)
    if "properties" in result:
        result["properties"] = {name: _schema(sub) for name, sub in result["properties"].items()}
    if "items" in result:
        result["items"] = _schema(result["items"])
    if isinstance(result.get("additionalProperties"), (dict, str)):
        result["additionalProperties"] = _schema(result["additionalProperties"])
    for key in ("allOf", "oneOf", "anyOf"):
        if key in result:
            result[key] = [_schema(sub) for sub in result[key]]
    return result


def _operation(entry: dict[str, Any]) -> dict[str, Any]:
    required = set(entry.get("required", []))
    parameters = [
        {
            "name": name,
            "in": location,
            "required": location == "path" or name in required,
            "schema": _schema(s),
        }
        for location in ("path", "query", "header")
        for name, s in entry.get(location, {}).items()
    ]
    operation: dict[str, Any] = {"parameters": parameters, "responses": {}}
    if "body" in entry:
        content: dict[str, Any] = {media: {"schema": _schema(s)} for media, s in entry["body"].items()}
        for media in content:
            if media.startswith("multipart/") and "part types" in entry:
                content[media]["encoding"] = {
                    part: {"contentType": types} for part, types in entry["part types"].items()
                }
        operation["requestBody"] = {"required": bool(entry.get("body required")), "content": content}
    for status, answer in entry["answers"].items():
        operation["responses"][str(status)] = (
            {}
            if answer is None
            else {
                "content": {
                    media: ({} if s is None else {"schema": _schema(s)}) for media, s in answer.items()
                }
            }
        )
    return operation


def _not_served(method: str, template: str) -> dict[str, Any]:
    """An operation the sandbox answers 501: its path parameters are strings, any JSON body."""
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([^}]+)\}", template)
    ]
    operation: dict[str, Any] = {"parameters": parameters, "responses": {"501": {}}}
    if method in ("post", "put", "patch"):
        operation["requestBody"] = {"content": {"application/json": {"schema": {}}}}
    return operation


def load_digest(key: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of our ``flow`` or ``directory`` digest."""
    digest = yaml.safe_load((FOLDER / FILES[key]).read_text(encoding="utf-8"))
    paths: dict[str, dict[str, Any]] = {}
    for name, entry in digest["operations"].items():
        method, template = name.split(" ", 1)
        paths.setdefault(template, {})[method.lower()] = _operation(entry)
    for name in digest.get("not served", []):
        method, template = name.split(" ", 1)
        paths.setdefault(template, {})[method.lower()] = _not_served(method.lower(), template)
    schemas = {name: _schema(node) for name, node in digest["types"].items()}
    return {"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}}
