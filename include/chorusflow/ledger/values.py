"""Values every ledger module writes the same way: the current time and error text fit to store."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from chorusflow.ledger.models import MAX_ERROR_LENGTH

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s'\",;]+"),
    re.compile(r"(?i)(cpro-account['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}]+"),
    re.compile(r"(?i)((?:client_secret|password|access_token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",;&}]+"),
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
