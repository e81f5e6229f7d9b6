"""Processed exports: one row per export content, so the same file is never processed twice."""

from __future__ import annotations

from typing import Any

from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.tables import processed_exports
from chorusflow.ledger.values import utc_now


def export_already_processed(db: LedgerDatabase, content_sha256: str) -> bool:
    """True if an export with exactly this content was processed before."""
    return db.has_row(processed_exports.c.content_sha256, content_sha256)


def record_processed_export(
    db: LedgerDatabase,
    content_sha256: str,
    original_name: str,
    archived_to: str | None,
    run_id: str | None,
    counts: dict[str, Any],
) -> bool:
    """Remember a processed export; False if this content was already recorded."""
    values = {
        "content_sha256": content_sha256,
        "original_name": original_name,
        "archived_to": archived_to,
        "run_id": run_id,
        "processed_at": utc_now(),
        "counts": counts,
    }
    return db.insert_once(processed_exports, "content_sha256", values)
