"""The state file: a restarted PA sandbox finds its flows, invoices and Pending flows again."""

from __future__ import annotations

from pathlib import Path

from chorusflow_dev.pa_sandbox import PaSandboxServer
from tests.pa_sandbox.conftest import PaApi, b2b_invoice_pdf


def test_flows_and_lifecycles_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "pa-state.json"
    pdf = b2b_invoice_pdf()
    with PaSandboxServer(profile="fast", state_file=state) as server:
        api = PaApi(server)
        flow_id = api.deposit(pdf, "inv-1")
        api.acknowledged(flow_id)
        api.admin("POST", f"flows/{flow_id}/lifecycle", {"status": 208, "reasonCode": "JUSTIF_ABS"})
        before = api.search({"flowType": ["CustomerInvoice", "CustomerInvoiceLC"]}).json()["results"]
    with PaSandboxServer(profile="fast", state_file=state) as server:
        api = PaApi(server)
        after = api.search({"flowType": ["CustomerInvoice", "CustomerInvoiceLC"]}).json()["results"]
        assert after == before
        assert api.flow(flow_id, "Original").content == pdf
        history = api.admin("GET", "invoices").json()["invoices"][0]["history"]
        assert [h["status"] for h in history] == [200, 208]
        duplicate = api.acknowledged(api.deposit(pdf, "inv-1"))
        assert duplicate["acknowledgement"]["details"][0]["reasonCode"] == "AlreadyExistingFlow"
        newest = api.search({"flowType": ["CustomerInvoice"]}).json()["results"][-1]
        assert newest["updatedAt"] > before[-1]["updatedAt"]


def test_a_pending_flow_stays_due_at_its_platform_time(tmp_path: Path) -> None:
    state = tmp_path / "pa-state.json"
    with PaSandboxServer(profile="realistic", state_file=state) as server:
        api = PaApi(server)
        flow_id = api.deposit(b2b_invoice_pdf(), "inv-1")
        assert api.flow(flow_id).json()["acknowledgement"]["status"] == "Pending"
    with PaSandboxServer(profile="realistic", state_file=state) as server:
        api = PaApi(server)
        assert api.flow(flow_id).json()["acknowledgement"]["status"] == "Pending"
        api.admin("POST", "faults", {"clock_speed": 1_000_000})
        assert api.flow(flow_id).json()["acknowledgement"]["status"] == "Ok"
    assert state.stat().st_size > 0
