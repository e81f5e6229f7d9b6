"""Every request checked against an OpenAPI 3.0.3 annex, with the harsher reading where it is loose.

The annex's schemas are turned into draft-4 JSON Schema (OpenAPI 3.0's ``nullable`` becomes a
``null`` type; ``exclusiveMaximum`` is already draft-4) and validated with ``jsonschema``, the
library the Chorus Pro sandbox uses. Harsher than the annex, as docs/pa-sandbox.md says: every
object is closed (an unknown key is an error), unknown query parameters are errors, a multipart
part must carry the content type the annex's ``encoding`` names, and ``date-time`` means RFC 3339
with its offset.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from chorusflow_dev.serving.json_schema import errors_in_order, json_path, unknown_keys

FORMAT_CHECKER = FormatChecker(formats=())
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError("not an RFC 3339 date-time with its offset")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


class RequestRefused(Exception):
    """The request does not conform: ``status`` (400, 404, 405, 415) and readable ``errors``."""

    def __init__(self, status: int, errors: list[str], missing_field: bool = False) -> None:
        super().__init__("; ".join(errors))
        self.status = status
        self.errors = errors
        self.missing_field = missing_field


@dataclass
class CheckedRequest:
    """A conforming request: which annex operation it is and its parsed parts."""

    template: str
    method: str
    path_params: dict[str, str]
    query: dict[str, Any]
    body: Any = None
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)


def _to_json_schema(node: Any, close: bool = True, close_nested: bool = True) -> Any:
    """Draft-4 JSON Schema of an OpenAPI 3.0 schema fragment; objects closed (``allOf`` members aside)
    when ``close``, and their nested objects when ``close_nested``."""
    if isinstance(node, list):
        return [_to_json_schema(item, close, close_nested) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("example", "examples", "xml", "externalDocs", "discriminator"):
            continue
        if key == "allOf":
            result[key] = [_to_json_schema(item, False, close_nested) for item in value]
        elif key in ("properties", "patternProperties") and isinstance(value, dict):
            result[key] = {
                name: _to_json_schema(sub, close_nested, close_nested) for name, sub in value.items()
            }
        else:
            result[key] = _to_json_schema(value, close_nested, close_nested)
    if any(isinstance(branch, dict) and set(branch) == {"type"} for branch in result.get("oneOf", [])):
        # Annex A ReasonCode: oneOf [ReasonCodeEnum, string], "predefined values + ability to extend":
        # as oneOf no predefined value could pass (it matches both), so it is read as anyOf.
        result["anyOf"] = result.pop("oneOf")
    if result.pop("nullable", False) and "type" in result:
        result["type"] = [result["type"], "null"]
    if close and "properties" in result and "additionalProperties" not in result and "allOf" not in result:
        result["additionalProperties"] = False
    return result


def _describe(error: ValidationError) -> str:
    path = json_path(error)
    unknown = unknown_keys(error)
    if unknown is not None:
        return "; ".join(f"{path}.{key}: unknown property" for key in unknown)
    return f"{path}: {error.message}"


class OpenApi:
    """One annex: finds the operation of a request and checks every part of it."""

    def __init__(self, document: dict[str, Any], mount: str) -> None:
        self.document = document
        self.mount = mount.rstrip("/")
        schemas = document.get("components", {}).get("schemas", {})
        self.components = _to_json_schema(schemas)
        # Answers are checked with the annex's own (open) objects: its allOf compositions need them.
        self.open_components = _to_json_schema(schemas, close=False, close_nested=False)
        self._routes: list[tuple[re.Pattern[str], str, list[str]]] = []
        for template in document["paths"]:
            names = re.findall(r"\{([^}]+)\}", template)
            pattern = re.escape(template)
            for name in names:
                pattern = pattern.replace(re.escape("{" + name + "}"), "([^/]+)")
            self._routes.append((re.compile(f"^{pattern}$"), template, names))

    def owns(self, path: str) -> bool:
        """Whether ``path`` is under this annex's mount point."""
        return path == self.mount or path.startswith(self.mount + "/")

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _schema(self, fragment: dict[str, Any]) -> dict[str, Any]:
        schema = _to_json_schema(copy.deepcopy(fragment))
        if "$ref" in schema:
            schema = {"allOf": [schema]}
        return {"components": {"schemas": self.components}, **schema}

    def response_errors(
        self, method: str, template: str, status: int, content_type: str, body: Any
    ) -> list[str]:
        """How an answer departs from the annex: an undeclared status or media type, or a body its
        schema refuses (objects as open as the annex writes them)."""
        responses = self.document["paths"][template][method.lower()]["responses"]
        declared = responses[str(status)] if str(status) in responses else responses.get("default")
        if declared is None:
            return [f"status {status} is not declared for {method} {template}"]
        content = self._resolve(declared).get("content")
        if not content:
            return [] if body in (None, b"") else [f"status {status} declares no body"]
        media = content_type.split(";")[0].strip().lower()
        if media not in content:
            return [f"media type {media} is not declared for {status} ({', '.join(content)})"]
        schema = content[media].get("schema")
        if schema is None:
            return []
        fragment = _to_json_schema(copy.deepcopy(schema), close=False, close_nested=False)
        root = {
            "components": {"schemas": self.open_components},
            **({"allOf": [fragment]} if "$ref" in fragment else fragment),
        }
        validator = Draft4Validator(root, format_checker=FORMAT_CHECKER)
        return [_describe(error) for error in validator.iter_errors(body)]

    def _errors(self, fragment: dict[str, Any], value: Any, where: str) -> list[str]:
        found = errors_in_order(self._schema(fragment), value, FORMAT_CHECKER)
        return [f"{where} {_describe(error)}" for error in found]

    def match(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]]:
        """(template, operation, path parameters) of a request, or ``RequestRefused`` 404/405."""
        local = path[len(self.mount) :] or "/"
        for pattern, template, names in self._routes:
            found = pattern.match(local)
            if found is None:
                continue
            operation = self.document["paths"][template].get(method.lower())
            if operation is None:
                raise RequestRefused(405, [f"{method} is not an operation of {template}"])
            return template, operation, dict(zip(names, found.groups(), strict=True))
        raise RequestRefused(404, [f"no operation of the annex at {local}"])

    def check(
        self, method: str, path: str, query_string: str, headers: Any, content_type: str, body: bytes
    ) -> CheckedRequest:
        """The checked request, or ``RequestRefused`` naming every non-conformity found."""
        template, operation, path_params = self.match(method, path)
        parameters = [self._resolve(p) for p in operation.get("parameters", [])]
        errors: list[str] = []
        query = self._check_parameters(parameters, path_params, query_string, headers, errors)
        checked = CheckedRequest(template, method, path_params, query)
        missing = False
        request_body = operation.get("requestBody")
        if request_body is not None:
            missing = self._check_body(self._resolve(request_body), content_type, body, checked, errors)
        elif body:
            errors.append("this operation takes no request body")
        if errors:
            raise RequestRefused(400, errors, missing_field=missing)
        return checked

    def _check_parameters(
        self,
        parameters: list[dict[str, Any]],
        path_params: dict[str, str],
        query_string: str,
        headers: Any,
        errors: list[str],
    ) -> dict[str, Any]:
        raw_query = parse_qs(query_string, keep_blank_values=True)
        known_query = {p["name"] for p in parameters if p["in"] == "query"}
        errors.extend(f"unknown query parameter {name!r}" for name in sorted(set(raw_query) - known_query))
        query: dict[str, Any] = {}
        for parameter in parameters:
            name, location, schema = parameter["name"], parameter["in"], parameter.get("schema", {})
            resolved = self._resolve(schema) if "$ref" in schema else schema
            if location == "path":
                errors.extend(self._errors(schema, path_params.get(name, ""), f"path parameter {name}"))
                continue
            if location not in ("query", "header"):
                continue
            where = f"query parameter {name}" if location == "query" else f"header {name}"
            given = raw_query.get(name) if location == "query" else headers.get(name)
            if given is None:
                if parameter.get("required"):
                    errors.append(f"{where} is required")
                continue
            if location == "header":
                errors.extend(self._errors(schema, given, where))
                continue
            if len(given) > 1 and resolved.get("type") != "array":
                errors.append(f"{where} given {len(given)} times")
            value: Any = given[0]
            if resolved.get("type") == "array":
                value = [item for v in given for item in v.split(",")]
            elif resolved.get("type") == "integer" and re.fullmatch(r"-?\d+", value):
                value = int(value)
            errors.extend(self._errors(schema, value, where))
            query[name] = value
        return query

    def _check_body(
        self,
        request_body: dict[str, Any],
        content_type: str,
        body: bytes,
        checked: CheckedRequest,
        errors: list[str],
    ) -> bool:
        """Check the body against its media type's schema; True when a required field is missing."""
        media = content_type.split(";")[0].strip().lower()
        content = request_body.get("content", {})
        if not body and not request_body.get("required"):
            if media:
                errors.append("a Content-Type without a body")
            return False
        if media not in content:
            raise RequestRefused(415, [f"Content-Type {media or '(none)'}: expected {', '.join(content)}"])
        schema = content[media].get("schema", {})
        if media == "application/json":
            try:
                checked.body = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                errors.append("the body is not JSON")
                return False
            found = list(self._iter(schema, checked.body))
            errors.extend(f"body {_describe(e)}" for e in found)
            return any(e.validator == "required" for e in found)
        return self._check_multipart(content[media], content_type, body, checked, errors)

    def _iter(self, fragment: dict[str, Any], value: Any) -> list[ValidationError]:
        return errors_in_order(self._schema(fragment), value, FORMAT_CHECKER)

    def _check_multipart(
        self,
        media: dict[str, Any],
        content_type: str,
        body: bytes,
        checked: CheckedRequest,
        errors: list[str],
    ) -> bool:
        schema = self._resolve(media.get("schema", {}))
        encoding = media.get("encoding", {})
        properties = schema.get("properties", {})
        header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        if not message.is_multipart() or not message.get_boundary():
            errors.append("the multipart body cannot be read (boundary missing or wrong)")
            return False
        form: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                errors.append("a multipart part without a name")
                continue
            if name in form:
                errors.append(f"part {name} given twice")
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            part_type = (part.get("Content-Type") or "").split(";")[0].strip().lower()
            allowed = [t.strip() for t in str(encoding.get(name, {}).get("contentType", "")).split(",") if t]
            if name in properties and allowed and part_type not in allowed:
                errors.append(
                    f"part {name}: Content-Type {part_type or '(none)'}, expected {', '.join(allowed)}"
                )
            target = self._resolve(properties.get(name, {}))
            if target.get("format") == "binary":
                filename = part.get_filename()
                checked.files[name] = (filename if isinstance(filename, str) else None, data)
                form[name] = ""
            elif part_type == "application/json" or target.get("type") == "object":
                try:
                    form[name] = json.loads(data.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    errors.append(f"part {name} is not JSON")
                    form[name] = {}
            else:
                form[name] = data.decode("utf-8", errors="replace")
        found = self._iter(media.get("schema", {}), form)
        errors.extend(f"body {_describe(e)}" for e in found)
        checked.body = {k: v for k, v in form.items() if k not in checked.files}
        return any(e.validator == "required" for e in found)
