"""Buyers' legal forms as Chorus Pro's directory gave them (``buyer_directory``).

Validation reads each buyer in the directory; what it learns of the buyer's legal form is kept here
so the payment clock (the desk, the overdue alerts, the digest) can give a buyer without a profile
its category's period (chorusflow.rules.categories). One row per buyer SIRET, the latest answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from chorusflow.ledger.database import LedgerDatabase
from chorusflow.ledger.tables import buyer_directory
from chorusflow.ledger.values import utc_now


def record_legal_forms(db: LedgerDatabase, legal_forms: Mapping[str, str]) -> None:
    """Keep each buyer SIRET's legal-form code (the latest answer replaces an older one)."""
    if not legal_forms:
        return
    now = utc_now()
    rows = [
        {"buyer_siret": siret, "legal_form": form, "checked_at": now} for siret, form in legal_forms.items()
    ]
    statement = db.insert(buyer_directory)  # the ledger's own dialect, for ON CONFLICT
    statement = statement.on_conflict_do_update(
        index_elements=["buyer_siret"],
        set_={"legal_form": statement.excluded.legal_form, "checked_at": statement.excluded.checked_at},
    )
    with db.write() as connection:
        connection.execute(statement, rows)


def legal_forms(db: LedgerDatabase) -> dict[str, str]:
    """Every buyer SIRET's legal-form code the directory gave."""
    statement = select(buyer_directory.c.buyer_siret, buyer_directory.c.legal_form)
    with db.reading() as connection:
        return {siret: form for siret, form in connection.execute(statement)}
