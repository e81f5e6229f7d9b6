"""The ``facturx`` channel against the sandbox over real sockets: Factur-X files in one flux, the
flux followed to integration, partial and total refusals mapped to each invoice, an unknown outcome
reconciled without a blind second deposit.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chorusflow.alerts import flux_refused_events, render, submission_failed_events
from chorusflow.ledger import InvoiceState, Ledger, utc_now
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.platforms.chorus_pro.flux import FACTURX_SYNTAX
from chorusflow.platforms.chorus_pro.flux_follow import follow_flux, open_flux_states
from chorusflow.platforms.registry import deposit_channels
from chorusflow.rules.profiles import buyer_channels, load_profiles
from chorusflow.submission.submitter import DepositResult, Submitter
from chorusflow.suppliers import load_supplier
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import ISSUE_DATE
from chorusflow_dev.testing.exports import sample_invoice
from tests.fixtures.sandbox import HOSPITAL, SandboxAdmin, sandbox_api
from tests.platforms.chorus_pro.channels.support import OWNER, RETRY_OWNER, record_rows, submit_numbers

DEPOSER_FLUX = "/cpro/factures/v1/deposer/flux"


@pytest.fixture(autouse=True)
def facturx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUSFLOW_SUPPLIER_DEPOSIT_CHANNEL", "facturx")
    monkeypatch.setenv("CHORUSFLOW_FLUX_POLL_BASE_SECONDS", "0")  # every flux is due at once


def _hospital_invoice(number: str) -> dict[str, str]:
    """An invoice to a buyer that requires an engagement number, without one: the flux refuses it."""
    return {**sample_invoice(number), "buyer_siret": HOSPITAL, "buyer_name": "Centre hospitalier"}


def test_one_flux_carries_several_invoices_and_is_followed_to_integration(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice(f"FX-{n}", 10_000 + n) for n in range(1, 4)])

    result = submit_numbers(ledger, client, numbers, OWNER)

    assert result.count(DepositResult.SUBMITTED) == 3 and admin.calls(DEPOSER_FLUX) == 1
    [flux] = admin.flux()
    assert flux["syntax"] == FACTURX_SYNTAX and flux["file_name"].endswith(".tar.gz")
    rows = [ledger.get_invoice(number) for number in numbers]
    assert {row.state for row in rows if row} == {InvoiceState.IN_FLUX}
    assert {row.numero_flux_depot for row in rows if row} == {flux["number"]}
    assert admin.invoices() == []  # nothing integrated before Chorus Pro processed the flux

    first = follow_flux(ledger, client, load_supplier().siret)
    assert first.states == {flux["number"]: "pending"} and first.closed == 0
    second = follow_flux(ledger, client, load_supplier().siret)

    assert sorted(second.integrated) == numbers and second.closed == 1
    received = {invoice["number"]: invoice for invoice in admin.invoices()}
    assert set(received) == set(numbers) and admin.submission_counts() == {n: 1 for n in numbers}
    for number in numbers:
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.SUBMITTED
        assert detail.identifiant_facture_cpp == received[number]["id"]
        assert received[number]["flux_number"] == flux["number"] and detail.deposit_channel == "facturx"
    assert float(received["FX-2"]["amounts"]["ttc"]) == pytest.approx(120.02)
    assert ledger.open_flux(load_supplier().siret) == []
    assert follow_flux(ledger, client, load_supplier().siret).polled == 0  # closed: never polled again


def test_partial_integration_refuses_the_right_invoice_and_alerts_it_once(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    numbers = record_rows(
        ledger, tmp_path, [sample_invoice("FP-1"), _hospital_invoice("FP-2"), sample_invoice("FP-3")]
    )
    submit_numbers(ledger, client, numbers, OWNER)
    follow_flux(ledger, client, load_supplier().siret)

    result = follow_flux(ledger, client, load_supplier().siret)

    assert sorted(result.integrated) == ["FP-1", "FP-3"] and list(result.refused) == ["FP-2"]
    assert "engagement" in result.refused["FP-2"]
    refused = ledger.get_invoice("FP-2")
    assert refused is not None and refused.state is InvoiceState.FAILED
    assert refused.last_error is not None and "Le numéro d'engagement est obligatoire" in refused.last_error
    flux_row = ledger.get_flux(load_supplier().siret, str(refused.numero_flux_depot))
    events = flux_refused_events(ledger, load_supplier().siret)
    assert [event.invoice_number for event in events] == ["FP-2"]
    assert submission_failed_events(ledger, load_supplier().siret) == []  # one alert, not two
    message = render(events[0], "fr")
    assert "FP-2" in message.subject and "engagement" in message.text and "flux" in message.text
    assert "refused invoice" not in message.text and "Chorus Pro refused" in render(events[0], "en").text
    assert flux_row is not None and flux_row.closed_at is not None and flux_row.state == "IN_INTEGRE_PARTIEL"
    assert flux_row.errors is not None and flux_row.errors["listeErreurDP"][0]["numeroDP"] == "FP-2"


def test_a_flux_rejected_as_a_whole_refuses_each_of_its_invoices(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    # A CII that fails the XSD, deposited as the flux of two recorded invoices.
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FR-1"), sample_invoice("FR-2")])
    claims = ledger.claim_for_submission(load_supplier().siret, numbers, OWNER)
    broken = (
        b"<?xml version='1.0'?><rsm:CrossIndustryInvoice "
        b"xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'>"
        b"<rsm:Oops/></rsm:CrossIndustryInvoice>"
    )
    answer = client.deposit_flux("lot.xml", broken, FACTURX_SYNTAX)
    ledger.mark_in_flux(
        load_supplier().siret,
        [claim.invoice_id for claim in claims],
        answer.numero_flux_depot,
        file_name="lot.xml",
        syntaxe_flux=FACTURX_SYNTAX,
        first_poll_at=utc_now(),
        owner=OWNER,
    )
    follow_flux(ledger, client, load_supplier().siret)

    result = follow_flux(ledger, client, load_supplier().siret)

    assert sorted(result.refused) == numbers and result.states[answer.numero_flux_depot] == "rejected"
    for number in numbers:
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.FAILED
        assert (
            detail.last_error is not None
            and "ERR_XSD" in detail.last_error
            and "IN_REJETE" in detail.last_error
        )
    assert SandboxAdmin(sandbox).invoices() == []
    assert len(flux_refused_events(ledger, load_supplier().siret)) == 2


def test_an_unknown_flux_outcome_is_adopted_once_integrated_never_deposited_again(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FU-1"), sample_invoice("FU-2", 20_000)])
    admin.set_faults(commit_then_drop_rate={DEPOSER_FLUX: 1.0})
    assert submit_numbers(ledger, client, numbers, OWNER).count(DepositResult.RETRY) == 2
    admin.set_faults(commit_then_drop_rate={})

    waiting = submit_numbers(ledger, client, numbers, RETRY_OWNER)  # not integrated yet: it waits, no deposit
    assert waiting.count(DepositResult.RETRY) == 2 and admin.calls(DEPOSER_FLUX) == 1
    assert "unknown outcome" in (waiting.outcomes[0].message or "")
    admin.set_faults(flux_seconds_before_integration=0)  # Chorus Pro integrates the lost flux
    adopted = submit_numbers(ledger, client, numbers, RETRY_OWNER)

    assert adopted.count(DepositResult.ADOPTED) == 2 and admin.calls(DEPOSER_FLUX) == 1
    [flux] = admin.flux()
    for number in numbers:
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.SUBMITTED
        assert detail.numero_flux_depot == flux["number"]
    assert admin.submission_counts() == {"FU-1": 1, "FU-2": 1}


def test_after_the_grace_period_a_lost_flux_is_deposited_again_and_the_duplicate_is_adopted(
    sandbox: SandboxServer,
    client: ChorusProClient,
    ledger: Ledger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FG-1")])
    admin.set_faults(commit_then_drop_rate={DEPOSER_FLUX: 1.0})
    submit_numbers(ledger, client, numbers, OWNER)
    admin.set_faults(commit_then_drop_rate={})
    monkeypatch.setenv("CHORUSFLOW_FLUX_UNKNOWN_GRACE_SECONDS", "0")

    again = submit_numbers(
        ledger, client, numbers, RETRY_OWNER
    )  # nothing found after the grace: deposit again
    assert again.count(DepositResult.SUBMITTED) == 1 and admin.calls(DEPOSER_FLUX) == 2
    first, second = admin.flux()
    admin.set_faults(flux_seconds_before_integration=0)  # both flux are processed: the first one wins
    client.find_invoice_by_number("FG-1")  # (a search makes the sandbox integrate them by time)
    result = follow_flux(ledger, client, load_supplier().siret)

    assert result.integrated == ["FG-1"] and not result.refused, (result, admin.flux())
    detail = ledger.get_invoice("FG-1")
    assert detail is not None and detail.state is InvoiceState.SUBMITTED
    assert admin.submission_counts()["FG-1"] == 2  # the second deposit was refused as a duplicate
    assert len(admin.invoices()) == 1 and detail.identifiant_facture_cpp == admin.invoices()[0]["id"]
    assert first["number"] != second["number"]


def test_a_flux_refusal_of_a_number_chorus_pro_holds_for_another_amount_goes_to_a_person(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    """The flux refuses the invoice with a bare key; the search by number finds an invoice of that
    number for another amount: neither adopted nor failed, a person decides."""
    admin = SandboxAdmin(sandbox)
    earlier = sandbox_api(sandbox).deposit_pdf("FZ-1", invoice_date=ISSUE_DATE.isoformat(), ht=150.0)
    assert earlier["codeRetour"] == 0
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FZ-1")])
    assert submit_numbers(ledger, client, numbers, OWNER).count(DepositResult.SUBMITTED) == 1
    admin.set_faults(flux_polls_before_integration=0)

    result = follow_flux(ledger, client, load_supplier().siret)

    assert result.needs_review == ["FZ-1"] and not result.refused and not result.integrated, result
    detail = ledger.get_invoice("FZ-1")
    assert detail is not None and detail.state is InvoiceState.NEEDS_REVIEW
    assert detail.identifiant_facture_cpp is None and "170" in (detail.last_error or "")
    assert len(admin.invoices()) == 1


def _claims_pdfa_but_is_not(path: Path) -> Path:
    """An ERP PDF whose XMP says PDF/A-3 while its font is not embedded: the Factur-X built on it fails."""
    import pikepdf
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setFont("Helvetica", 12)  # one of the standard 14 fonts: reportlab does not embed it
    canvas.drawString(72, 720, "Facture FC-1")
    canvas.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as document:
        with document.open_metadata() as meta:
            meta["pdfaid:part"] = "3"
            meta["pdfaid:conformance"] = "B"
        document.save(path)
    return path


def test_a_factur_x_failing_its_checks_ends_invalid_and_is_never_deposited(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    _claims_pdfa_but_is_not(tmp_path / "FC-1.pdf")
    numbers = record_rows(
        ledger, tmp_path, [{**sample_invoice("FC-1"), "attachment": "FC-1.pdf"}, sample_invoice("FC-2")]
    )

    result = submit_numbers(ledger, client, numbers, OWNER)

    assert result.count(DepositResult.INVALID) == 1 and result.count(DepositResult.SUBMITTED) == 1
    [flux] = SandboxAdmin(sandbox).flux()
    assert flux["numbers"] == ["FC-2"]  # the other invoice went alone
    detail = ledger.get_invoice("FC-1")
    assert detail is not None and detail.state is InvoiceState.INVALID
    codes = {str(item.get("code")) for item in detail.findings}
    assert "FACTURX_PDFA" in codes, detail.findings
    assert detail.numero_flux_depot is None and detail.last_error


def test_each_checked_file_answers_for_its_own_invoice(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    """The files are checked together (a pool of validators): the failing one, in the middle, is the
    one that ends invalid, and its neighbours go."""
    _claims_pdfa_but_is_not(tmp_path / "FM-2.pdf")
    rows = [
        sample_invoice("FM-1"),
        {**sample_invoice("FM-2"), "attachment": "FM-2.pdf"},
        sample_invoice("FM-3"),
    ]
    numbers = record_rows(ledger, tmp_path, rows)

    result = submit_numbers(ledger, client, numbers, OWNER)

    assert result.count(DepositResult.INVALID) == 1 and result.count(DepositResult.SUBMITTED) == 2
    [flux] = SandboxAdmin(sandbox).flux()
    assert flux["numbers"] == ["FM-1", "FM-3"]
    states = {number: detail.state for number in numbers if (detail := ledger.get_invoice(number))}
    assert states == {
        "FM-1": InvoiceState.IN_FLUX,
        "FM-2": InvoiceState.INVALID,
        "FM-3": InvoiceState.IN_FLUX,
    }


def test_the_sandbox_reads_the_factur_x_archive_and_its_cii_fields(
    sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FA-1", 12_345), sample_invoice("FA-2")])
    submit_numbers(ledger, client, numbers, OWNER)
    [flux] = SandboxAdmin(sandbox).flux()
    assert flux["file_name"].endswith(".tar.gz")
    follow_flux(ledger, client, load_supplier().siret)
    follow_flux(ledger, client, load_supplier().siret)
    invoice = SandboxAdmin(sandbox).invoice("FA-1")
    assert invoice is not None
    assert invoice["invoice_date"] == sample_invoice("FA-1")["issue_date"]
    assert invoice["buyer_siret"] == sample_invoice("FA-1")["buyer_siret"]
    assert invoice["amounts"] == {"ht": 123.45, "tva": 24.69, "ttc": 148.14, "a_payer": 148.14}
    assert invoice["mode"] == "EDI" and invoice["invoice_type"] == "FACTURE"


@pytest.mark.parametrize("state", ["IN_INCIDENTE", "IN_A_RELANCER", "IN_ERREUR_INTERNE"])
def test_a_flux_chorus_pro_did_not_process_refuses_its_invoices_which_may_go_again(
    state: str, sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FN-1"), sample_invoice("FN-2")])
    submit_numbers(ledger, client, numbers, OWNER)
    admin.set_faults(flux_forced_state=state)
    follow_flux(ledger, client, load_supplier().siret)

    result = follow_flux(ledger, client, load_supplier().siret)

    assert sorted(result.refused) == numbers and result.states == {admin.flux()[0]["number"]: "not_processed"}
    assert all(state in reason and "deposited again" in reason for reason in result.refused.values())
    admin.set_faults(flux_forced_state=None)
    retried = Submitter(
        ledger,
        deposit_channels(client, load_supplier(), buyer_channels(load_profiles())),
        load_supplier(),
        RETRY_OWNER,
        lease_seconds=0,
    ).submit_batch(numbers, include_failed=True)
    assert retried.count(DepositResult.SUBMITTED) == 2 and len(admin.flux()) == 2
    follow_flux(ledger, client, load_supplier().siret)
    assert sorted(follow_flux(ledger, client, load_supplier().siret).integrated) == numbers
    assert admin.submission_counts() == {"FN-1": 1, "FN-2": 1}


@pytest.mark.parametrize("state", ["IN_EN_ATTENTE_RETRAITEMENT_CPP", "IN_QUELQUE_CHOSE_DE_NOUVEAU"])
def test_a_stuck_or_unknown_flux_state_keeps_the_invoices_waiting_and_an_unknown_one_shows_as_such(
    state: str, sandbox: SandboxServer, client: ChorusProClient, ledger: Ledger, tmp_path: Path
) -> None:
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice("FS-1")])
    submit_numbers(ledger, client, numbers, OWNER)
    admin.set_faults(flux_forced_state=state)
    follow_flux(ledger, client, load_supplier().siret)

    polled_from = utc_now()  # the next poll is reckoned from a moment after this one, however slow
    result = follow_flux(ledger, client, load_supplier().siret)

    [flux] = ledger.open_flux(load_supplier().siret)
    assert flux.state == state and result.closed == 0 and not result.refused
    assert (flux.next_poll_at - polled_from).total_seconds() > 3000  # at most hourly, not every minute
    detail = ledger.get_invoice("FS-1")
    assert detail is not None and detail.state is InvoiceState.IN_FLUX
    if state.startswith("IN_QUELQUE"):
        assert result.unknown_states == {flux.numero_flux_depot: state}
        assert f"unknown state: {flux.numero_flux_depot} {state}" in result.summary()
        assert open_flux_states(ledger, load_supplier().siret) == [
            (flux.numero_flux_depot, f"unknown ({state})")
        ]
    else:
        assert result.states == {flux.numero_flux_depot: "stuck"} and not result.unknown_states
    admin.set_faults(flux_forced_state=None)
    assert follow_flux(ledger, client, load_supplier().siret, now=flux.next_poll_at).integrated == ["FS-1"]


def test_a_fatal_refusal_of_deposer_flux_gives_every_invoice_back_untouched(
    sandbox: SandboxServer,
    client: ChorusProClient,
    ledger: Ledger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chorusflow.platforms.chorus_pro import ForbiddenError

    monkeypatch.setenv("CHORUSFLOW_FLUX_MAX_INVOICES", "1")  # three flux: the first one is refused
    admin = SandboxAdmin(sandbox)
    numbers = record_rows(ledger, tmp_path, [sample_invoice(f"FF-{n}") for n in range(1, 4)])
    admin.set_faults(forbidden_paths=[DEPOSER_FLUX])  # the API is not subscribed: nothing can go

    with pytest.raises(ForbiddenError):
        submit_numbers(ledger, client, numbers, OWNER)

    for number in numbers:
        detail = ledger.get_invoice(number)
        assert detail is not None and detail.state is InvoiceState.PENDING
        assert [attempt.outcome.value for attempt in detail.attempts] in (
            ["failed_permanent"],
            ["failed_retryable"],
        )
    admin.set_faults(forbidden_paths=[])
    assert submit_numbers(ledger, client, numbers, RETRY_OWNER).count(DepositResult.SUBMITTED) == 3
    assert admin.calls(DEPOSER_FLUX) == 4  # the refused call and the three flux
