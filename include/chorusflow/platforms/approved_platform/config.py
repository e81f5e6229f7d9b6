"""Approved-platform connection settings, read from the Airflow connection ``pa_<supplier id>``.

The connection's fields (the shape the PA sandbox's ``connection()`` gives):

- ``host``: the Flow Service base URL, the annex's server URL ending in ``/flow-service``
  (without a scheme, ``schema`` or ``https`` and ``port`` complete it, as for Chorus Pro);
- ``login`` and ``password``: the OAuth2 client id and client secret the PA issued to the supplier;
- ``extra``: ``token_url`` (required: the annexes name no token URL), ``directory_url`` (the
  Directory Service base URL, ending in ``/directory-service``; default: the Flow URL's sibling)
  and optionally ``timeout`` and ``token_refresh_margin_seconds``.

The JSON form, the URI form and an ``AIRFLOW_CONN_PA_<ID>`` variable holding either are read by the
same parsers as the Chorus Pro connection (``chorus_pro.config``). Errors name the field, never its
value; the secret is a ``SecretStr`` (masked in ``repr`` and logs).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from chorusflow.platforms.approved_platform.errors import ConfigurationError
from chorusflow.platforms.chorus_pro import config as chorus_config
from chorusflow.platforms.chorus_pro.errors import ConfigurationError as ChorusConfigurationError

FLOW_MOUNT = "/flow-service"
DIRECTORY_MOUNT = "/directory-service"


def connection_id(supplier_id: str) -> str:
    """The Airflow connection id of a supplier's PA: ``pa_<supplier id>``."""
    return f"pa_{supplier_id}"


class ApprovedPlatformConfig(BaseModel):
    """Everything needed to call a PA: Flow and Directory base URLs, token URL and OAuth2 client."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flow_url: str = Field(description="Flow Service base URL (operations under /v1)")
    directory_url: str = Field(description="Directory Service base URL (operations under /v1)")
    token_url: str = Field(description="OAuth2 token endpoint (client-credentials grant)")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    timeout: float = Field(default=30.0, gt=0)
    token_refresh_margin_seconds: float = Field(default=60, ge=0)

    @field_validator("flow_url", "directory_url", "token_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        return chorus_config.absolute_http_url(value)

    def secret_values(self) -> list[str]:
        """Values to mask in logs: the client secret."""
        secret = self.client_secret.get_secret_value()
        return [secret] if secret else []

    @classmethod
    def from_connection(
        cls, conn: Mapping[str, Any], *, source: str = "connection"
    ) -> ApprovedPlatformConfig:
        """Build from the Airflow connection JSON form (``host``, ``login``, ``password``, ``extra``)."""
        try:
            extra = chorus_config.extra_dict(conn.get("extra"), source)
            host = str(conn.get("host") or "").strip()
            if not host:
                raise ConfigurationError(f"{source}: the 'host' field (Flow Service base URL) is missing")
            flow_url = chorus_config.base_url_of(host, conn.get("schema"), conn.get("port"), source)
        except ChorusConfigurationError as error:
            raise ConfigurationError(str(error)) from None
        values: dict[str, Any] = {
            "flow_url": flow_url,
            "directory_url": extra.get("directory_url") or _sibling_directory_url(flow_url),
            "token_url": extra.get("token_url"),
            "client_id": conn.get("login"),
            "client_secret": conn.get("password"),
        }
        for optional in ("timeout", "token_refresh_margin_seconds"):
            if extra.get(optional) not in (None, ""):
                values[optional] = extra[optional]
        return cls._validated(values, source)

    @classmethod
    def from_uri(cls, uri: str, *, source: str = "connection URI") -> ApprovedPlatformConfig:
        """Build from the Airflow URI form, e.g. ``https://CLIENT:SECRET@pa.example/https?token_url=...``."""
        try:
            conn = chorus_config.connection_from_uri(uri, source)
        except ChorusConfigurationError as error:
            raise ConfigurationError(str(error)) from None
        return cls.from_connection(conn, source=source)

    @classmethod
    def from_env(cls, variable: str) -> ApprovedPlatformConfig:
        """Build from an environment variable (``AIRFLOW_CONN_PA_<ID>``) holding JSON or a URI."""
        raw = os.environ.get(variable, "").strip()
        if not raw:
            raise ConfigurationError(f"{variable} is not set: define the PA connection (JSON or URI)")
        if not raw.startswith("{"):
            return cls.from_uri(raw, source=variable)
        try:
            conn = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigurationError(f"{variable}: invalid JSON (line {error.lineno})") from None
        if not isinstance(conn, dict):
            raise ConfigurationError(f"{variable}: the JSON must be an object")
        return cls.from_connection(conn, source=variable)

    @classmethod
    def _validated(cls, values: dict[str, Any], source: str) -> ApprovedPlatformConfig:
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = chorus_config.validation_problems(error, _field_location)
            raise ConfigurationError(f"{source}: {problems}") from None


# Where each setting lives in the Airflow connection, for error messages.
_FIELD_LOCATIONS = {"flow_url": "host", "client_id": "login", "client_secret": "password"}


def _field_location(field: str) -> str:
    """Where ``field`` lives in the pa_<id> connection."""
    return _FIELD_LOCATIONS.get(field, f"extra.{field}")


def _sibling_directory_url(flow_url: str) -> str:
    """The Directory Service next to the Flow Service (``.../flow-service`` → ``.../directory-service``)."""
    if flow_url.endswith(FLOW_MOUNT):
        return flow_url[: -len(FLOW_MOUNT)] + DIRECTORY_MOUNT
    return flow_url
