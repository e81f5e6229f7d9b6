"""The status sync against the sandbox over real sockets, on SQLite and PostgreSQL ledgers."""

from __future__ import annotations

import pytest

from chorusflow.ledger import InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.statuses import WATERMARK_NAME, StatusSync
from chorusflow_dev.sandbox import SandboxServer
from tests.fixtures.sandbox import SUPPLIER_SIRET, UNIVERSITY, SandboxAdmin, sandbox_client
from tests.platforms.chorus_pro.statuses.helpers import HISTORY_PATH, SEARCH_PATH, deposit, history

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def admin(sandbox: SandboxServer) -> SandboxAdmin:
    return SandboxAdmin(sandbox)


def make_sync(ledger: Ledger, client: ChorusProClient, **options: object) -> StatusSync:
    return StatusSync(ledger, client, SUPPLIER_SIRET, retry_delay_seconds=0.0, **options)  # type: ignore[arg-type]


def state(ledger: Ledger, number: str) -> tuple[InvoiceState, str | None, str | None]:
    detail = ledger.get_invoice(number, SUPPLIER_SIRET)
    assert detail is not None
    return detail.state, detail.chorus_status, detail.chorus_status_comment


def test_lifecycle_through_recipient_actions(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin
) -> None:
    ids = deposit(ledger, client, ["SY-REJ", "SY-SUS", "SY-PAY", "SY-WAIT"])
    first = make_sync(ledger, client).run()
    assert first.complete and first.watermark_moved and first.changed == {}
    assert ledger.get_watermark(WATERMARK_NAME) is not None

    admin.set_status(ids["SY-REJ"], "REJETEE", "Numéro d'engagement inconnu")
    admin.set_status(ids["SY-SUS"], "MISE_A_DISPOSITION")
    admin.set_status(ids["SY-SUS"], "SUSPENDUE", "Bon de livraison manquant")
    for status in ("MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"):
        admin.set_status(ids["SY-PAY"], status)
    admin.set_status(ids["SY-WAIT"], "MISE_A_DISPOSITION")
    calls_before = admin.stats()["calls"].get(HISTORY_PATH, 0)

    second = make_sync(ledger, client).run()

    assert second.complete and second.watermark_moved
    assert second.changed == {
        "SY-REJ": "REJETEE",
        "SY-SUS": "SUSPENDUE",
        "SY-PAY": "MISE_EN_PAIEMENT",
        "SY-WAIT": "MISE_A_DISPOSITION",
    }
    assert state(ledger, "SY-REJ") == (InvoiceState.BLOCKED, "REJETEE", "Numéro d'engagement inconnu")
    assert state(ledger, "SY-SUS") == (InvoiceState.BLOCKED, "SUSPENDUE", "Bon de livraison manquant")
    assert state(ledger, "SY-PAY")[:2] == (InvoiceState.PAID, "MISE_EN_PAIEMENT")
    assert state(ledger, "SY-WAIT")[:2] == (InvoiceState.SUBMITTED, "MISE_A_DISPOSITION")
    # History only for the two invoices that became blocked; it also gave the intermediate status.
    assert admin.stats()["calls"][HISTORY_PATH] - calls_before == 2
    assert second.api_calls["consulter/historique"] == 2
    assert history(ledger, "SY-SUS") == [
        ("DEPOSEE", None),
        ("MISE_A_DISPOSITION", None),
        ("SUSPENDUE", "Bon de livraison manquant"),
    ]
    assert history(ledger, "SY-PAY")[-1] == ("MISE_EN_PAIEMENT", None)

    third = make_sync(ledger, client).run()
    assert third.changed == {} and third.statuses_recorded == 0
    assert third.api_calls == {"rechercher/fournisseur": 1}
    # Final invoices are no longer followed.
    followed = {row.invoice_number for row in ledger.invoices_to_poll(SUPPLIER_SIRET)}
    assert followed == {"SY-REJ", "SY-SUS", "SY-WAIT"}
    assert third.tracked == 2  # REJETEE is blocked but final: a new invoice is needed

    client.complete_invoice(ids["SY-SUS"], "Bon de livraison joint")
    fourth = make_sync(ledger, client).run()
    assert fourth.changed == {"SY-SUS": "COMPLETEE"}
    assert state(ledger, "SY-SUS")[:2] == (InvoiceState.SUBMITTED, "COMPLETEE")
    assert [status for status, _ in history(ledger, "SY-SUS")][-1] == "COMPLETEE"


def test_buyer_that_never_reports_payment(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin
) -> None:
    ids = deposit(ledger, client, ["SY-UNI"], buyer_siret=UNIVERSITY, service="UFR_SCIENCES")
    admin.set_status(ids["SY-UNI"], "MANDATEE")

    result = make_sync(ledger, client).run()

    assert state(ledger, "SY-UNI")[:2] == (InvoiceState.PAID, "MANDATEE")
    assert result.api_calls["structures/consulter"] == 1
    assert ledger.invoices_to_poll(SUPPLIER_SIRET) == []


def test_failing_page_is_isolated_and_keeps_the_watermark(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin
) -> None:
    numbers = [f"SY-PG-{n}" for n in range(5)]
    ids = deposit(ledger, client, numbers)
    make_sync(ledger, client).run()
    mark = ledger.get_watermark(WATERMARK_NAME)
    for number in numbers:
        admin.set_status(ids[number], "MISE_A_DISPOSITION")
    admin.set_faults(failing_pages={SEARCH_PATH: [2]})

    broken = make_sync(ledger, client, page_size=2).run()

    assert broken.pages_failed == [2] and broken.pages_read == 2
    assert broken.api_calls["rechercher/fournisseur"] == 2 + 3  # page 2 tried three times
    assert len(broken.changed) == 3  # pages 1 and 3 were synced
    assert not broken.complete and not broken.watermark_moved
    assert ledger.get_watermark(WATERMARK_NAME) == mark
    assert "2" in broken.summary_text("en") and "Watermark kept" in broken.summary_text("en")
    assert "page(s) en échec" in broken.summary_text("fr")

    admin.set_faults(failing_pages={})
    healed = make_sync(ledger, client, page_size=2).run()

    assert healed.complete and healed.watermark_moved
    assert all(state(ledger, n)[1] == "MISE_A_DISPOSITION" for n in numbers)
    assert len(healed.changed) == 2  # only the two missed ones are new


def test_expired_token_mid_sync(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin, sandbox: SandboxServer
) -> None:
    numbers = [f"SY-TK-{n}" for n in range(4)]
    ids = deposit(ledger, client, numbers)
    for number in numbers:
        admin.set_status(ids[number], "SUSPENDUE", f"Pièce manquante {number}")
    admin.set_faults(token_lifetime_seconds=1, latency_ms={SEARCH_PATH: 700, HISTORY_PATH: 300})
    tokens_before = admin.stats()["calls"]["/api/oauth/token"]

    with sandbox_client(sandbox) as fresh:  # its first token lives one second: it expires mid-sync
        result = make_sync(ledger, fresh, page_size=1).run()

    assert result.complete and len(result.changed) == 4
    assert admin.stats()["calls"]["/api/oauth/token"] - tokens_before >= 2
    for number in numbers:
        assert state(ledger, number) == (InvoiceState.BLOCKED, "SUSPENDUE", f"Pièce manquante {number}")


def test_nothing_to_follow_moves_the_watermark_without_calls(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin
) -> None:
    result = make_sync(ledger, client).run()
    assert result.tracked == 0 and result.total_api_calls == 0 and result.watermark_moved


def test_a_search_that_may_be_capped_is_split_without_losing_rows(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin
) -> None:
    numbers = [f"SY-CAP-{n}" for n in range(5)]
    ids = deposit(ledger, client, numbers)
    for number in numbers:
        admin.set_status(ids[number], "MISE_A_DISPOSITION")

    result = make_sync(ledger, client, search_result_cap=3, page_size=2).run()

    assert result.periods_split >= 1 and result.complete
    assert sorted(result.changed) == numbers
    assert all(state(ledger, number)[1] == "MISE_A_DISPOSITION" for number in numbers)


def test_first_run_sees_a_decision_dated_before_the_deposit(
    ledger: Ledger, client: ChorusProClient, admin: SandboxAdmin
) -> None:
    ids = deposit(ledger, client, ["SY-BACK"])
    admin.set_status(ids["SY-BACK"], "REJETEE", "Facture en double", date="2026-01-15T10:00:00+01:00")

    result = make_sync(ledger, client).run()

    assert result.changed == {"SY-BACK": "REJETEE"}
    assert state(ledger, "SY-BACK") == (InvoiceState.BLOCKED, "REJETEE", "Facture en double")
