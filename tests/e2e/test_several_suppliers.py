"""One deployment, three suppliers (French default, EU, non-EU), each with its own technical account.

The acceptance of issue 17: exports of all three go through ONE `chorus_submit_invoices` run
(`dag.test()`); every valid invoice is deposited exactly once under its supplier's technical account;
the ledger and the sandbox agree supplier by supplier; foreign invoices get the cross-border verdicts;
an unknown supplier is refused and nothing of it is recorded; the sync and the alerts reach each
supplier's recipients only (a real SMTP server on loopback), even when one supplier's account fails;
a decision about a blocked invoice is sent with its supplier's account.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chorusflow.airflow.tasks.resolve import DecisionNotApplied, apply_form
from chorusflow.ledger import InvoiceState
from chorusflow.storage import read_invoice_pdf
from chorusflow_dev.testing.exports import write_export
from tests.alerts.servers import Mailbox, smtp_server
from tests.fixtures.airflow import PipelineEnv, load_dag
from tests.fixtures.sandbox import SUPPLIER_SIRET
from tests.rules.builders import COMMUNE, UNKNOWN_VALID_SIRET, row
from tests.suppliers.builders import (
    COMMUNE_VAT,
    EU_ID,
    EU_IDENTIFIER,
    FRENCH_ID,
    NON_EU_ID,
    NON_EU_IDENTIFIER,
    three_suppliers,
)

pytestmark = pytest.mark.timeout(300)

RECIPIENTS = {
    FRENCH_ID: "compta@acme.example",
    EU_ID: "ap@rheinwerk.example",
    NON_EU_ID: "ar@alpenlicht.example",
}
KEYS = {FRENCH_ID: SUPPLIER_SIRET, EU_ID: EU_IDENTIFIER, NON_EU_ID: NON_EU_IDENTIFIER}
REVERSE = {
    "vat_rate": "0",
    "vat_treatment": "reverse_charge",
    "buyer_vat_number": COMMUNE_VAT,
    "buyer_siret": COMMUNE,
}
GOODS = {
    "operation_nature": "goods",
    "vat_rate": "0",
    "buyer_vat_number": COMMUNE_VAT,
    "buyer_siret": COMMUNE,
}
# What each supplier's exports hold: valid numbers, and invalid ones with their code.
VALID = {
    FRENCH_ID: {"F2026-0001", "F2026-0002"},
    EU_ID: {"INV-0001", "INV-0002", "INV-0003"},
    NON_EU_ID: {"INV-0001", "INV-0004"},  # INV-0001 again: numbers are unique per supplier only
}
INVALID = {
    FRENCH_ID: {"F2026-0003": "BUYER_UNKNOWN"},
    EU_ID: {"INV-0009": "VAT_NUMBER_MISSING"},
    NON_EU_ID: {"INV-0008": "VAT_TREATMENT_NOT_APPLICABLE"},
}


@pytest.fixture
def several(pipeline_env: PipelineEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """Three suppliers, their connections to the sandbox, their recipients, and a loopback SMTP server."""
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")
    monkeypatch.setenv("CHORUSFLOW_SYNC_PAGE_RETRY_DELAY", "0")
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(three_suppliers(tmp_path / "config")))
    sandbox = pipeline_env.sandbox
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO__RHEINWERK", sandbox.connection_json(EU_IDENTIFIER))
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO__ALPENLICHT", sandbox.connection_json(NON_EU_IDENTIFIER))
    with smtp_server() as box:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", box.uri())
        for supplier_id, address in RECIPIENTS.items():
            monkeypatch.setenv(f"AIRFLOW_VAR_CHORUSFLOW_ALERT_RECIPIENTS__{supplier_id.upper()}", address)
        yield box


def drop_exports(env: PipelineEnv) -> None:
    """A mixed export at the inbox's root (supplier column), one in the non-EU supplier's folder, and
    one naming a supplier nobody configured."""
    write_export(
        env.inbox / "mixed.csv",
        [
            row(invoice_number="F2026-0001"),
            row(invoice_number="F2026-0002", supplier_id=FRENCH_ID),
            row(invoice_number="F2026-0003", buyer_siret=UNKNOWN_VALID_SIRET),
            row(invoice_number="INV-0001", supplier_id=EU_ID, **REVERSE),
            row(invoice_number="INV-0002", supplier_id=EU_IDENTIFIER, **REVERSE),
            row(invoice_number="INV-0003", supplier_id=EU_ID, vat_treatment="intra_eu_goods", **GOODS),
            row(invoice_number="INV-0009", supplier_id=EU_ID, **{**REVERSE, "buyer_vat_number": ""}),
        ],
    )
    write_export(
        env.inbox / NON_EU_ID / "alpenlicht.csv",
        [
            row(invoice_number="INV-0001", currency="CHF", **REVERSE),
            row(invoice_number="INV-0004", currency="CHF", vat_treatment="import", **GOODS),
            row(invoice_number="INV-0008", vat_treatment="intra_eu_goods", **GOODS),
        ],
    )
    write_export(env.inbox / "unknown.csv", [row(invoice_number="X-0001", supplier_id="acme_paris")])


def deposited(env: PipelineEnv) -> dict[str, Counter[str]]:
    """Invoice numbers the sandbox holds, per supplier identifier."""
    found: dict[str, Counter[str]] = {}
    for invoice in env.admin.invoices():
        found.setdefault(invoice["supplier_identifier"], Counter())[invoice["number"]] += 1
    return found


def sent_to(box: Mailbox) -> list[tuple[str, str]]:
    """(envelope recipient, text) of every message received."""
    return [
        (str(message["X-Envelope-To"]), text) for message, text in zip(box.messages, box.texts(), strict=True)
    ]


def test_three_suppliers_go_through_one_run_each_with_its_account(
    several: Mailbox, pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = pipeline_env
    drop_exports(env)

    run = load_dag("chorus_submit_invoices").test()

    assert run.state == "success"
    held = deposited(env)
    for supplier_id, numbers in VALID.items():
        assert held[KEYS[supplier_id]] == Counter(dict.fromkeys(numbers, 1)), supplier_id
    by_id = {(invoice["supplier_identifier"], invoice["number"]): invoice for invoice in env.admin.invoices()}
    for supplier_id, key in KEYS.items():
        rows = {r.invoice_number: r for r in env.ledger.list_invoices(supplier_siret=key)}
        assert set(rows) == VALID[supplier_id] | set(INVALID[supplier_id]), supplier_id
        for number in VALID[supplier_id]:
            assert rows[number].state is InvoiceState.SUBMITTED
            assert rows[number].identifiant_facture_cpp == by_id[(key, number)]["id"]
        for number, code in INVALID[supplier_id].items():
            assert rows[number].state is InvoiceState.INVALID
            assert code in {finding["code"] for finding in rows[number].findings}
    assert all(row.invoice_number != "X-0001" for row in env.ledger.list_invoices())
    assert (env.inbox / "unknown.csv").exists(), "an export naming an unknown supplier stays in the inbox"
    assert not (env.inbox / "mixed.csv").exists() and not (env.inbox / NON_EU_ID / "alpenlicht.csv").exists()
    reverse = by_id[(EU_IDENTIFIER, "INV-0001")]
    assert reverse["mode"] == "DEPOT_PDF_API" and reverse["amounts"]["tva"] == 0
    # Each deposited PDF is kept under its supplier's ledger key: the VAT number of the one without SIRET.
    for key in (SUPPLIER_SIRET, EU_IDENTIFIER, NON_EU_IDENTIFIER):
        number = "F2026-0001" if key == SUPPLIER_SIRET else "INV-0001"
        assert read_invoice_pdf(env.home / "reports", key, number).startswith(b"%PDF"), key
    reports = env.home / "reports" / "chorus_submit_invoices"
    english = next(reports.rglob(f"{EU_ID}/report.html")).read_text(encoding="utf-8")
    assert "INV-0009" in english and "F2026-0003" not in english

    # Each refusal reached its own supplier's recipients only, in the supplier's language.
    messages = sent_to(several)
    for supplier_id, invalid in INVALID.items():
        for number in invalid:
            recipients = {to for to, text in messages if number in text}
            assert recipients == {RECIPIENTS[supplier_id]}, (number, recipients)
    eu_text = next(text for to, text in messages if "INV-0009" in text)
    assert "VAT" in eu_text and "Le champ" not in eu_text

    # The sync: each supplier's search with its own account; one account failing stops no other.
    ids = {key: invoice["id"] for key, invoice in by_id.items()}
    env.admin.set_status(ids[(EU_IDENTIFIER, "INV-0001")], "REJETEE", "Reverse charge: VAT number unknown")
    env.admin.set_status(
        ids[(SUPPLIER_SIRET, "F2026-0001")], "SUSPENDUE", "Merci de joindre le bon de livraison"
    )
    env.admin.set_status(ids[(NON_EU_IDENTIFIER, "INV-0001")], "REJETEE", "Engagement inconnu")
    broken = json.loads(env.sandbox.connection_json(NON_EU_IDENTIFIER))
    broken["password"] = "not-the-password-of-alpenlicht"
    monkeypatch.setenv("AIRFLOW_CONN_CHORUS_PRO__ALPENLICHT", json.dumps(broken))
    before = len(several.messages)

    sync = load_dag("chorus_sync_statuses").test()

    assert sync.state == "failed"  # the report names the supplier whose sync failed
    eu_row = env.ledger.get_invoice("INV-0001", EU_IDENTIFIER)
    assert eu_row is not None and (eu_row.state, eu_row.chorus_status) == (InvoiceState.BLOCKED, "REJETEE")
    fr_row = env.ledger.get_invoice("F2026-0001", SUPPLIER_SIRET)
    assert fr_row is not None and fr_row.chorus_status == "SUSPENDUE"
    swiss_row = env.ledger.get_invoice("INV-0001", NON_EU_IDENTIFIER)
    assert swiss_row is not None and swiss_row.chorus_status != "REJETEE"  # its account was refused
    new = sent_to(several)[before:]
    assert {to for to, text in new if "Reverse charge: VAT number unknown" in text} == {RECIPIENTS[EU_ID]}
    assert {to for to, text in new if "bon de livraison" in text} == {RECIPIENTS[FRENCH_ID]}
    assert not any("Engagement inconnu" in text for _, text in new)

    # A decision goes out with its invoice's supplier's account (the sandbox lets an account act on
    # its own structure's invoices only); a number two suppliers have needs the supplier named.
    resolve = load_dag("chorus_resolve_invoices")
    acknowledge = {"invoice_number": "INV-0001", "action": "acknowledge"}
    assert resolve.test(run_conf=acknowledge).state == "failed"
    with pytest.raises(DecisionNotApplied, match="RESOLUTION_SUPPLIER_AMBIGUOUS"):
        apply_form(acknowledge, {})  # what the run's from_form task met, before any call
    assert env.admin.calls("/cpro/factures/v1/traiterRejet") == 0
    assert resolve.test(run_conf={**acknowledge, "supplier": EU_ID}).state == "success"
    held_by = {(i["supplier_identifier"], i["number"]): i for i in env.admin.invoices()}
    assert held_by[(EU_IDENTIFIER, "INV-0001")]["rejet_traite"] is True
    assert env.admin.calls("/cpro/factures/v1/traiterRejet") == 1
    assert_no_secret_written(env)


def _read_from_another_process(path: Path) -> bytes:
    """A SQLite file's bytes, read by a child process: closing a descriptor of it in this process would
    drop the POSIX locks of Airflow's open connections to it, and a later concurrent writer (the
    concurrent-runs test) would then corrupt the database ("database disk image is malformed")."""
    reader = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read())"
    return subprocess.run([sys.executable, "-c", reader, str(path)], capture_output=True, check=True).stdout


def assert_no_secret_written(env: PipelineEnv) -> None:
    """No password, ``cpro-account`` value nor token of any of the three accounts in the reports, the
    ledger file, Airflow's database (XCom, run notes) or the mails."""
    directory = env.sandbox.sandbox.directory
    accounts = [(env.sandbox.credentials.login, env.sandbox.credentials.password)]
    accounts += [
        (s.technical_account.login, s.technical_account.password)
        for s in directory.suppliers
        if s.technical_account
    ]
    secrets = {env.sandbox.credentials.client_secret}
    for login, password in accounts:
        secrets |= {password, base64.b64encode(f"{login}:{password}".encode()).decode()}
    tokens = requests.get(f"{env.sandbox.url}/sandbox/tokens", timeout=10).json()["tokens"]
    assert len(tokens) >= 3  # one per technical account at least
    secrets |= set(tokens)
    haystacks = {str(path): path.read_bytes() for path in env.home.parent.rglob("*") if path.is_file()}
    haystacks |= {  # ledger file too
        str(path): _read_from_another_process(path)
        for path in Path(os.environ["AIRFLOW_HOME"]).glob("*.db*")
        if path.is_file()
    }
    leaks = [
        (secret[:6], where)
        for where, content in haystacks.items()
        for secret in secrets
        if secret.encode() in content
    ]
    assert any(name.endswith("report.html") for name in haystacks) and not leaks, leaks[:10]
