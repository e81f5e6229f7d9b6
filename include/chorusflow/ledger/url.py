"""Where the ledger database is: the ``chorusflow_ledger`` connection, else a local SQLite file.

The Airflow adapter reads the connection through Airflow's hook and passes its URI form
(``Connection.get_uri()``) to :func:`ledger_url_from_uri`; the command line, which does not load
Airflow, calls :func:`resolve_ledger_url`, which reads ``AIRFLOW_CONN_CHORUSFLOW_LEDGER`` (URI or
JSON). Both end in one mapping (:func:`ledger_url_from_connection`) so they cannot disagree.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sqlalchemy.engine import URL, make_url

from chorusflow.ledger.states import LedgerError
from chorusflow.suppliers import chorusflow_home

LEDGER_CONN_ID = "chorusflow_ledger"
LEDGER_CONN_ENV = "AIRFLOW_CONN_CHORUSFLOW_LEDGER"
DEFAULT_SQLITE_NAME = "ledger.sqlite"

# libpq options worth passing through from a connection's extra; Airflow-only keys are ignored.
_POSTGRES_EXTRA_KEYS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "connect_timeout",
        "application_name",
        "options",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
    }
)
_POSTGRES_TYPES = frozenset({"postgres", "postgresql", "postgresql+psycopg2"})
_SQLITE_TYPES = frozenset({"sqlite"})


class LedgerConfigError(LedgerError):
    """The ledger connection cannot be turned into a database URL."""

    retryable = False  # a setting to fix: a retry would fail the same way


def ledger_url_from_connection(
    conn_type: str | None,
    host: str | None,
    schema: str | None,
    login: str | None,
    password: str | None,
    port: int | str | None,
    extra: Mapping[str, Any] | str | None,
) -> str:
    """Map Airflow connection fields (postgres or sqlite) to a SQLAlchemy URL string.

    For sqlite the file path is ``host`` (Airflow UI convention) or ``schema`` (what Airflow parses
    out of ``sqlite:////abs/path.db``).
    """
    kind = (conn_type or "").strip().lower()
    extras = _extra_dict(extra)
    if kind in _SQLITE_TYPES:
        path = host or schema
        if not path:
            raise LedgerConfigError("sqlite ledger connection without a file path")
        return f"sqlite:///{path}"
    if kind in _POSTGRES_TYPES:
        if not host:
            raise LedgerConfigError("postgres ledger connection without a host")
        query = {key: str(value) for key, value in extras.items() if key in _POSTGRES_EXTRA_KEYS}
        url = URL.create(
            "postgresql+psycopg2",
            username=login or None,
            password=password or None,
            host=host,
            port=int(port) if port not in (None, "") else None,
            database=schema or None,
            query=query,
        )
        return url.render_as_string(hide_password=False)
    raise LedgerConfigError(f"unsupported ledger connection type {conn_type!r} (use postgres or sqlite)")


def resolve_ledger_url(env: Mapping[str, str] | None = None) -> str:
    """The ledger URL: ``AIRFLOW_CONN_CHORUSFLOW_LEDGER`` if set, else ``$CHORUSFLOW_HOME/ledger.sqlite``."""
    environ = os.environ if env is None else env
    raw = (environ.get(LEDGER_CONN_ENV) or "").strip()
    if raw:
        return _url_from_json(raw) if raw.startswith(("{", "[")) else ledger_url_from_uri(raw)
    return default_ledger_url(env)


def default_ledger_url(env: Mapping[str, str] | None = None) -> str:
    """The ledger without a connection: ``$CHORUSFLOW_HOME/ledger.sqlite`` (the folder is created)."""
    home = Path(env["CHORUSFLOW_HOME"]) if env is not None and "CHORUSFLOW_HOME" in env else chorusflow_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(home / DEFAULT_SQLITE_NAME).resolve()}"


def display_url(url: str) -> str:
    """The URL with its password masked, safe for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL may hold anything: show none of it
        return "<unparsable URL>"


def _url_from_json(raw: str) -> str:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise LedgerConfigError(f"{LEDGER_CONN_ENV} is not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise LedgerConfigError(f"{LEDGER_CONN_ENV} JSON must be an object")
    return ledger_url_from_connection(
        data.get("conn_type"),
        data.get("host"),
        data.get("schema"),
        data.get("login"),
        data.get("password"),
        data.get("port"),
        data.get("extra"),
    )


def ledger_url_from_uri(raw: str, source: str = LEDGER_CONN_ENV) -> str:
    """Map a connection in Airflow's URI form (``postgres://…``, ``sqlite:////abs/path.db``, extras as
    query or ``__extra__``) to a SQLAlchemy URL string; ``source`` names it in errors."""
    parts = urlsplit(raw)
    scheme = parts.scheme.replace("-", "_").lower()
    if not scheme:
        raise LedgerConfigError(f"{source} is neither a URI nor JSON")
    extra: dict[str, Any] = dict(parse_qsl(parts.query))
    if "__extra__" in extra:
        extra = _extra_dict(extra.pop("__extra__"))
    if scheme in _SQLITE_TYPES:
        # sqlite:////abs/path.db -> path "//abs/path.db"; Airflow drops one slash, so do we. A file
        # path in ``host`` (the UI's form) comes back from get_uri() quoted in the netloc instead.
        path = unquote(parts.netloc) + unquote(parts.path) if parts.netloc else unquote(parts.path)[1:]
        return ledger_url_from_connection("sqlite", None, path, None, None, None, extra)
    try:
        port = parts.port
    except ValueError:
        raise LedgerConfigError(f"{source} has an invalid port") from None
    return ledger_url_from_connection(
        scheme,
        unquote(parts.hostname) if parts.hostname else None,
        unquote(parts.path[1:]) if parts.path else None,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        port,
        extra,
    )


def _extra_dict(extra: Mapping[str, Any] | str | None) -> dict[str, Any]:
    if not extra:
        return {}
    if isinstance(extra, str):
        try:
            loaded = json.loads(extra)
        except json.JSONDecodeError:
            raise LedgerConfigError("ledger connection extra is not valid JSON") from None
        return dict(loaded) if isinstance(loaded, dict) else {}
    return dict(extra)
