"""Deposit channels against the sandbox over real sockets: ``pdf`` keeps the supplier's number and
date, ``saisie`` lets Chorus Pro number the invoice, and an unknown outcome is reconciled per channel.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from chorusflow.alerts import needs_review_events
from chorusflow.ledger import ClaimOwner, InvoiceState, Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.registry import deposit_channels
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.submission.submitter import DepositResult, Submitter
from chorusflow.suppliers import load_supplier
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import COMMUNE, COMMUNE_NAME, ISSUE_DATE
from chorusflow_dev.testing.exports import sample_invoice
from tests.conftest import REPO_ROOT
from tests.fixtures.sandbox import SandboxAdmin
from tests.platforms.chorus_pro.channels.support import OWNER, RETRY_OWNER, record_rows, submit_numbers

SUBMIT = "/cpro/factures/v1/soumettre"


def _pdf_text(admin: SandboxAdmin, attachment_id: int) -> str:
    answer = requests.get(f"{admin.url}/sandbox/attachments/{attachment_id}", timeout=10)
    answer.raise_for_status()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def test_pdf_channel_deposits_the_supplier_number_and_date_with_its_pdf(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    numbers = record_rows(
        ledger, tmp_path, [sample_invoice("F2026-0901"), sample_invoice("F2026-0902", 12_345)]
    )

    result = submit_numbers(ledger, client, numbers, OWNER)

    assert result.count(DepositResult.SUBMITTED) == 2
    admin = SandboxAdmin(sandbox)
    received = {invoice["number"]: invoice for invoice in admin.invoices()}
    assert set(received) == {"F2026-0901", "F2026-0902"}
    for invoice in received.values():
        assert invoice["mode"] == "DEPOT_PDF_API"
        assert invoice["invoice_date"] == ISSUE_DATE.isoformat()
        assert invoice["attachment_id"]
    text = _pdf_text(admin, received["F2026-0902"]["attachment_id"])
    assert "F2026-0902" in text and "148,14" in text and "40" in text
    detail = ledger.get_invoice("F2026-0902")
    assert detail is not None and detail.chorus_invoice_number == "F2026-0902"
    assert detail.deposit_channel == "pdf"


def test_pdf_channel_adopts_a_deposit_whose_answer_was_lost(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-0911")])
    admin.set_faults(commit_then_drop_rate={SUBMIT: 1.0})
    first = submit_numbers(ledger, client, numbers, OWNER)
    assert first.count(DepositResult.RETRY) == 1 and len(admin.invoices()) == 1
    admin.set_faults(commit_then_drop_rate={})

    second = submit_numbers(ledger, client, numbers, RETRY_OWNER)

    assert second.count(DepositResult.ADOPTED) == 1
    assert admin.submission_counts()["F2026-0911"] == 1
    detail = ledger.get_invoice("F2026-0911")
    assert detail is not None and detail.state is InvoiceState.SUBMITTED
    assert detail.identifiant_facture_cpp == admin.invoices()[0]["id"]


@pytest.fixture
def saisie(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "saisie")


def test_saisie_channel_keeps_both_numbers(
    saisie: None, sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-0921")])

    assert submit_numbers(ledger, client, numbers, OWNER).count(DepositResult.SUBMITTED) == 1

    [received] = SandboxAdmin(sandbox).invoices()
    assert received["mode"] == "SAISIE_API"
    assert received["number"] != "F2026-0921" and len(received["number"]) == 20
    detail = ledger.get_invoice("F2026-0921")
    assert detail is not None and detail.chorus_invoice_number == received["number"]
    assert detail.deposit_channel == "saisie"


def test_saisie_lost_answer_with_a_unique_match_is_adopted(
    saisie: None, sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(
        ledger, tmp_path, [sample_invoice("F2026-0931", 10_000), sample_invoice("F2026-0932", 20_000)]
    )
    admin.set_faults(commit_then_drop_rate={SUBMIT: 1.0})
    assert submit_numbers(ledger, client, numbers, OWNER).count(DepositResult.RETRY) == 2
    admin.set_faults(commit_then_drop_rate={})

    second = submit_numbers(ledger, client, numbers, RETRY_OWNER)

    assert second.count(DepositResult.ADOPTED) == 2
    assert len(admin.invoices()) == 2  # nothing deposited twice
    by_amount = {invoice["amounts"]["ttc"]: invoice["id"] for invoice in admin.invoices()}
    for number, ttc in (("F2026-0931", 120.0), ("F2026-0932", 240.0)):
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.identifiant_facture_cpp == by_amount[ttc]


def test_saisie_ambiguous_outcome_goes_to_a_person_and_is_never_redeposited(
    saisie: None, sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    # Two invoices Chorus Pro's search cannot tell apart: same buyer, amount and (no) engagement.
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-0941"), sample_invoice("F2026-0942")])
    admin.set_faults(commit_then_drop_rate={SUBMIT: 1.0})
    assert submit_numbers(ledger, client, numbers, OWNER).count(DepositResult.RETRY) == 2
    admin.set_faults(commit_then_drop_rate={})

    second = submit_numbers(ledger, client, numbers, RETRY_OWNER)
    third = submit_numbers(
        ledger, client, numbers, ClaimOwner(dag_id="tests", run_id="run-3", task_id="submit")
    )

    assert second.count(DepositResult.NEEDS_REVIEW) == 2
    assert third.count(DepositResult.SKIPPED) == 2  # never claimed again automatically
    assert len(admin.invoices()) == 2
    for number in numbers:
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.NEEDS_REVIEW
        assert detail.last_error and "2 invoices" in detail.last_error
    events = needs_review_events(ledger, load_supplier().siret)
    assert sorted(event.invoice_number for event in events) == sorted(numbers)
    assert len({event.event_key for event in events}) == 2


def test_an_iban_not_registered_on_chorus_pro_is_refused_before_any_deposit(
    sandbox: SandboxServer,
    client: ChorusProClient,
    ledger: Ledger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_IBAN", "FR1420041010050500013M02606")
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-0951")])

    result = submit_numbers(ledger, client, numbers, OWNER)

    [outcome] = result.outcomes
    assert outcome.result is DepositResult.FAILED and outcome.error_class == "BankAccountUnknown"
    assert "FR1420041010050500013M02606" in (outcome.message or "")
    assert SandboxAdmin(sandbox).invoices() == []


def test_a_buyer_profile_chooses_its_own_channel(
    sandbox: SandboxServer,
    client: ChorusProClient,
    ledger: Ledger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "include" / "config", config)
    (config / "buyers" / "commune.yaml").write_text(
        'schema_version: 1\nversion: "2026-12-01"\n'
        f'buyer: {{siret: "{COMMUNE}", name: "{COMMUNE_NAME}"}}\ndeposit_channel: saisie\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(config))
    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-0961")])

    assert submit_numbers(ledger, client, numbers, OWNER).count(DepositResult.SUBMITTED) == 1

    [received] = SandboxAdmin(sandbox).invoices()
    assert received["mode"] == "SAISIE_API"
    detail = ledger.get_invoice("F2026-0961")
    assert detail is not None and detail.deposit_channel == "saisie"


def test_an_orphaned_task_stops_before_its_next_deposit_and_keeps_the_pdfs_it_sent(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    from chorusflow.storage import read_invoice_pdf
    from chorusflow.submission.errors import NoLongerInCharge

    numbers = record_rows(ledger, tmp_path, [sample_invoice("F2026-0951"), sample_invoice("F2026-0952")])
    answers = iter([True, False])  # the worker dies after the first deposit
    documents = tmp_path / "shared-reports"
    supplier = load_supplier()
    channels = deposit_channels(client, supplier, buyer_channels(load_profiles()), documents=documents)
    submitter = Submitter(ledger, channels, supplier, OWNER, in_charge=lambda: next(answers))
    with pytest.raises(NoLongerInCharge) as stopped:
        submitter.submit_batch(numbers)
    assert stopped.value.retryable
    assert SandboxAdmin(sandbox).submission_counts() == {"F2026-0951": 1}
    second = ledger.get_invoice("F2026-0952")
    assert second is not None and second.state is InvoiceState.SUBMITTING, "left to the next try"
    assert read_invoice_pdf(documents, load_supplier().siret, "F2026-0951").startswith(b"%PDF")
