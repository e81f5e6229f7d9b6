"""Chorus Pro connection settings, read from the Airflow connection ``chorus_pro``.

The same settings come in three shapes: the Airflow connection JSON (``from_connection``), the
Airflow URI (``from_uri``) and the environment variable ``AIRFLOW_CONN_CHORUS_PRO`` holding either
(``from_env``). Errors name the missing or malformed field, never its value.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from chorusflow.platforms.chorus_pro.errors import ConfigurationError

DEFAULT_ENV_VARIABLE = "AIRFLOW_CONN_CHORUS_PRO"
# PISTE token URLs of the two public environments, used when the connection gives none.
KNOWN_TOKEN_URLS = {
    "api.piste.gouv.fr": "https://oauth.piste.gouv.fr/api/oauth/token",
    "sandbox-api.piste.gouv.fr": "https://sandbox-oauth.piste.gouv.fr/api/oauth/token",
}
_OWN_EXTRA_KEYS = ("token_url", "client_id", "client_secret", "timeout", "rate_limit_per_second")


def connection_variable(connection_id: str) -> str:
    """The environment variable Airflow reads the connection ``connection_id`` from: the command line
    finds each supplier's technical account there (``AIRFLOW_CONN_CHORUS_PRO__RHEINWERK`` …)."""
    return f"AIRFLOW_CONN_{connection_id.upper()}"


class ChorusProConfig(BaseModel):
    """Everything needed to call Chorus Pro: API base URL, PISTE OAuth client and technical account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(description="API base URL, e.g. https://api.piste.gouv.fr (operations under /cpro)")
    token_url: str = Field(description="PISTE OAuth2 token endpoint")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    login: str = Field(min_length=1, description="technical account login")
    password: SecretStr = Field(description="technical account password")
    timeout: float = Field(default=30.0, gt=0)
    rate_limit_per_second: float | None = Field(default=None, gt=0)
    token_refresh_margin_seconds: float = Field(default=60, ge=0)

    @field_validator("base_url", "token_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        return absolute_http_url(value)

    def cpro_account_header(self) -> str:
        """Value of the ``cpro-account`` header: base64 of ``login:password`` in UTF-8."""
        raw = f"{self.login}:{self.password.get_secret_value()}".encode()
        return base64.b64encode(raw).decode("ascii")

    def secret_values(self) -> list[str]:
        """Values to mask in logs: client secret, technical password and the ``cpro-account`` value."""
        values = [self.client_secret.get_secret_value(), self.password.get_secret_value()]
        values.append(self.cpro_account_header())
        return [value for value in values if value]

    @classmethod
    def from_connection(cls, conn: Mapping[str, Any], *, source: str = "connection") -> ChorusProConfig:
        """Build from the Airflow connection JSON form (``host``, ``login``, ``password``, ``extra``).

        ``host`` is the API base URL; without a scheme, ``schema`` (or ``https``) and ``port`` complete
        it. ``extra`` (a dict or a JSON string) holds ``token_url``, ``client_id``, ``client_secret``
        and optionally ``timeout`` and ``rate_limit_per_second``.
        """
        extra = extra_dict(conn.get("extra"), source)
        host = str(conn.get("host") or "").strip()
        if not host:
            raise ConfigurationError(f"{source}: the 'host' field (Chorus Pro API base URL) is missing")
        base_url = base_url_of(host, conn.get("schema"), conn.get("port"), source)
        token_url = extra.get("token_url") or KNOWN_TOKEN_URLS.get(urlsplit(base_url).hostname or "")
        values: dict[str, Any] = {
            "base_url": base_url,
            "token_url": token_url,
            "client_id": extra.get("client_id"),
            "client_secret": extra.get("client_secret"),
            "login": conn.get("login"),
            "password": conn.get("password"),
        }
        for optional in ("timeout", "rate_limit_per_second", "token_refresh_margin_seconds"):
            if extra.get(optional) not in (None, ""):
                values[optional] = extra[optional]
        return cls._validated(values, source)

    @classmethod
    def from_uri(cls, uri: str, *, source: str = "connection URI") -> ChorusProConfig:
        """Build from the Airflow URI form, e.g. ``http://LOGIN:PWD@host:443/https?token_url=...``.

        As in Airflow, the path is the ``schema`` and query parameters are the extras (strings);
        ``__extra__`` may carry the extras as one JSON object.
        """
        return cls.from_connection(connection_from_uri(uri, source), source=source)

    @classmethod
    def from_env(cls, variable: str = DEFAULT_ENV_VARIABLE) -> ChorusProConfig:
        """Build from an environment variable holding the connection as JSON or as a URI."""
        raw = os.environ.get(variable, "").strip()
        if not raw:
            raise ConfigurationError(f"{variable} is not set: define the Chorus Pro connection (JSON or URI)")
        if raw.startswith("{"):
            try:
                conn = json.loads(raw)
            except json.JSONDecodeError as error:
                raise ConfigurationError(
                    f"{variable}: invalid JSON (line {error.lineno}, column {error.colno})"
                ) from None
            if not isinstance(conn, dict):
                raise ConfigurationError(f"{variable}: the JSON must be an object")
            return cls.from_connection(conn, source=variable)
        return cls.from_uri(raw, source=variable)

    @classmethod
    def _validated(cls, values: dict[str, Any], source: str) -> ChorusProConfig:
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise ConfigurationError(f"{source}: {validation_problems(error, _field_location)}") from None


def validation_problems(error: ValidationError, location: Callable[[str], str]) -> str:
    """A connection's invalid settings, each named where it lives in the connection; never a value."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "connection"
        reason = "missing" if item["type"] in ("missing", "string_type") else item["msg"]
        problems.append(f"{location(field)}: {reason}")
    return "; ".join(problems)


def connection_from_uri(uri: str, source: str) -> dict[str, Any]:
    """The Airflow connection JSON form of a connection URI (also read by other platforms' settings)."""
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError as error:
        raise ConfigurationError(f"{source}: not a valid connection URI ({type(error).__name__})") from None
    if not parts.scheme or not parts.hostname:
        raise ConfigurationError(f"{source}: not a valid connection URI (scheme and host are required)")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra: dict[str, Any] = query
    if "__extra__" in query:
        extra = extra_dict(query["__extra__"], source)
    conn = {
        "conn_type": parts.scheme.replace("-", "_"),
        "host": unquote(parts.hostname),
        "port": port,
        "schema": unquote(parts.path.lstrip("/")),
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "extra": extra,
    }
    return conn


def _field_location(field: str) -> str:
    """Where a config field lives in the Airflow connection, for error messages."""
    if field in ("token_url", "client_id", "client_secret", "timeout", "rate_limit_per_second"):
        return f"extra.{field}"
    return {"base_url": "host"}.get(field, field)


def absolute_http_url(value: str) -> str:
    """``value`` without its trailing slash; ValueError unless it is an absolute http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value.rstrip("/")


def extra_dict(extra: object, source: str) -> dict[str, Any]:
    """The connection extras as a dict, whether given as a dict, a JSON string or nothing."""
    if extra in (None, ""):
        return {}
    if isinstance(extra, Mapping):
        return dict(extra)
    if isinstance(extra, str):
        try:
            parsed = json.loads(extra)
        except json.JSONDecodeError:
            raise ConfigurationError(f"{source}: 'extra' is not valid JSON") from None
        if isinstance(parsed, dict):
            return parsed
    raise ConfigurationError(f"{source}: 'extra' must be a JSON object")


def base_url_of(host: str, schema: object, port: object, source: str) -> str:
    """Join host, schema and port the way Airflow's HttpHook does, defaulting to https."""
    if "://" not in host:
        scheme = str(schema).strip().lower() if schema else ""
        host = f"{scheme if scheme in ('http', 'https') else 'https'}://{host}"
    parts = urlsplit(host)
    try:
        has_port = parts.port is not None
    except ValueError:
        raise ConfigurationError(f"{source}: 'host' has an invalid port") from None
    if port not in (None, "") and not has_port:
        try:
            port_number = int(str(port))
        except ValueError:
            raise ConfigurationError(f"{source}: 'port' must be a number") from None
        host = parts._replace(netloc=f"{parts.netloc}:{port_number}").geturl()
    return host.rstrip("/")


def own_extra_keys() -> tuple[str, ...]:
    """Extra keys consumed by this configuration (the Airflow hook keeps them out of HTTP headers)."""
    return _OWN_EXTRA_KEYS + ("token_refresh_margin_seconds",)
