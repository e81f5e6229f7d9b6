"""Values every ledger module handles the same way: the current time, datetimes and error text to store."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chorusflow.ledger.tables import MAX_ERROR_LENGTH

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s'\",;]+"),
    re.compile(r"(?i)(cpro-account['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}]+"),
    re.compile(r"(?i)((?:client_secret|password|access_token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",;&}]+"),
    # a URL's user information (scheme://user:secret@host): the password part
    re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+(?=@)"),
)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the only kind of datetime the ledger stores)."""
    return datetime.now(UTC)


def safe_error_text(message: str | None) -> str | None:
    """Error text fit for the ledger: credentials masked, at most 500 characters."""
    if message is None:
        return None
    for pattern in _SECRET_PATTERNS:
        message = pattern.sub(r"\1***", message)
    message = " ".join(message.split())
    return message if len(message) <= MAX_ERROR_LENGTH else message[: MAX_ERROR_LENGTH - 1] + "…"


def as_utc(moment: Any) -> datetime:
    """An aggregate's datetime (``max``) as aware UTC.

    Aggregates bypass the column type: SQLite hands back text, PostgreSQL an aware datetime.
    """
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
