"""The buyer's side (admin endpoints) and the supplier's own lifecycle flows, all as CDAR."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chorusflow.platforms.approved_platform.cdar import (
    Lifecycle,
    Party,
    build_cdar,
    read_cdar,
    schematron_failures,
    xsd_errors,
)
from tests.pa_sandbox.conftest import SUPPLIER, PaApi, b2b_invoice_pdf

BUYER = Party("732829320", "Boulangerie Martin SAS", "BY")
SELLER = Party(SUPPLIER, "ACME Energie SAS", "SE")


def _accepted(api: PaApi, number: str = "F2026-0901") -> str:
    flow_id = api.deposit(b2b_invoice_pdf(number), f"track-{number}")
    assert api.acknowledged(flow_id)["acknowledgement"]["status"] == "Ok"
    return flow_id


def _lifecycles(api: PaApi, direction: str = "In") -> list[bytes]:
    found = api.search({"flowType": ["CustomerInvoiceLC"], "flowDirection": [direction]}).json()["results"]
    return [api.flow(f["flowId"], "Original").content for f in found]


def _supplier_cdar(status: int, amount: str | None = None, number: str = "F2026-0901") -> bytes:
    lifecycle = Lifecycle(
        number,
        "20261203",
        "380",
        status,
        SUPPLIER,
        SELLER,
        BUYER,
        paid_amount=Decimal(amount) if amount else None,
        paid_vat_rate=Decimal("20") if amount else None,
    )
    now = datetime.now(UTC)
    return build_cdar(lifecycle, now, now)


@pytest.mark.parametrize(
    ("status", "reason_code"),
    [
        (204, None),
        (205, None),
        (206, "QTE_ERR"),
        (207, "PU_ERR"),
        (208, "JUSTIF_ABS"),
        (210, "TX_TVA_ERR"),
        (211, None),
    ],
)
def test_each_buyer_status_reaches_the_supplier_as_a_valid_cdar(
    api: PaApi, status: int, reason_code: str | None
) -> None:
    flow_id = _accepted(api)
    body = {
        "status": status,
        **({"reasonCode": reason_code, "reason": "motif de test"} if reason_code else {}),
    }
    answer = api.admin("POST", f"flows/{flow_id}/lifecycle", body)
    assert answer.status_code == 200, answer.text
    emitted = answer.json()
    assert (emitted["flowType"], emitted["flowDirection"], emitted["flowSyntax"]) == (
        "CustomerInvoiceLC",
        "In",
        "CDAR",
    )
    cdars = _lifecycles(api)
    assert len(cdars) == 2  # Déposée, then the buyer's status
    for cdar in cdars:
        assert xsd_errors(cdar) == []
        assert schematron_failures(cdar) == []
    last = read_cdar(cdars[-1])
    assert (last.status, last.reason_code, last.issuer.role) == (status, reason_code, "BY")
    assert last.invoice_number == "F2026-0901"


def test_refusal_needs_a_reason_code_of_its_list_and_is_final(api: PaApi) -> None:
    flow_id = _accepted(api)
    path = f"flows/{flow_id}/lifecycle"
    assert api.admin("POST", path, {"status": 210}).status_code == 400
    assert api.admin("POST", path, {"status": 210, "reasonCode": "JUSTIF_ABS"}).status_code == 400
    assert api.admin("POST", path, {"status": 205, "reasonCode": "AUTRE"}).status_code == 400
    assert api.admin("POST", path, {"status": 212}).status_code == 400  # a supplier's status
    assert api.admin("POST", path, {"status": 210, "reasonCode": "DOUBLON"}).status_code == 200
    assert api.admin("POST", path, {"status": 205}).status_code == 409
    assert api.admin("POST", "flows/unknown/lifecycle", {"status": 205}).status_code == 404


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", 205), ("dispute", 207), ("suspend", 208), ("refuse", 210), ("mark_paid", 211)],
)
def test_named_buyer_actions(api: PaApi, action: str, status: int) -> None:
    flow_id = _accepted(api)
    reasons = {207: "PU_ERR", 208: "JUSTIF_ABS", 210: "CONTRAT_TERM"}
    body = {"action": action, **({"reasonCode": reasons[status]} if status in reasons else {})}
    assert api.admin("POST", f"flows/{flow_id}/lifecycle", body).status_code == 200
    assert read_cdar(_lifecycles(api)[-1]).status == status


def test_encaissee_is_accepted_once_the_amount_fits(api: PaApi) -> None:
    _accepted(api)
    total = api.admin("GET", "invoices").json()["invoices"][0]
    cdar = _supplier_cdar(212, "44925.94")
    assert xsd_errors(cdar) == [] and schematron_failures(cdar) == []
    ok = api.acknowledged(api.deposit(cdar, "enc-1", "CDAR"))
    assert (ok["acknowledgement"]["status"], ok["flowType"], ok["flowDirection"]) == (
        "Ok",
        "CustomerInvoiceLC",
        "Out",
    )
    again = api.acknowledged(api.deposit(_supplier_cdar(212, "1.00"), "enc-2", "CDAR"))
    assert again["acknowledgement"]["details"][0]["reasonCode"] == "InvoiceLCAmountError"
    invoice = api.admin("GET", "invoices").json()["invoices"][0]
    assert (invoice["status"], invoice["paid"]) == (212, "44925.94")
    assert total["status"] == 200


def test_the_same_encaissee_tracking_id_is_already_existing(api: PaApi) -> None:
    _accepted(api)
    api.acknowledged(api.deposit(_supplier_cdar(212, "100.00"), "enc-1", "CDAR"))
    again = api.acknowledged(api.deposit(_supplier_cdar(212, "100.00"), "enc-1", "CDAR"))
    assert again["acknowledgement"]["details"][0]["reasonCode"] == "AlreadyExistingFlow"


def test_completee_answers_only_a_suspendue(api: PaApi) -> None:
    flow_id = _accepted(api)
    early = api.acknowledged(api.deposit(_supplier_cdar(209), "cpl-1", "CDAR"))
    assert early["acknowledgement"]["details"][0]["reasonCode"] == "InvoiceLCInvalidStatus"
    api.admin(
        "POST", f"flows/{flow_id}/lifecycle", {"status": 208, "reasonCode": "JUSTIF_ABS", "reason": "BL"}
    )
    answered = api.acknowledged(api.deposit(_supplier_cdar(209), "cpl-2", "CDAR"))
    assert answered["acknowledgement"]["status"] == "Ok"
    history = api.admin("GET", "invoices").json()["invoices"][0]["history"]
    assert [h["status"] for h in history] == [200, 208, 209]


@pytest.mark.parametrize(
    ("cdar", "reason"),
    [
        (b"<not-a-cdar/>", "InvalidSchema"),
        (_supplier_cdar(205), "InvoiceLCStatusError"),
        (_supplier_cdar(212, "10.00", number="F-UNKNOWN"), "InvoiceLCInvalidStatus"),
        (_supplier_cdar(212), "InvoiceLCRuleError"),  # Encaissée without its MEN amount: BR-FR-CDV-14
    ],
)
def test_invalid_supplier_lifecycles_are_refused(api: PaApi, cdar: bytes, reason: str) -> None:
    _accepted(api)
    metadata = api.acknowledged(api.deposit(cdar, "lc-bad", "CDAR"))
    assert metadata["acknowledgement"]["details"][0]["reasonCode"] == reason


def test_every_cdar_the_sandbox_emits_validates(api: PaApi) -> None:
    flows = [_accepted(api, f"F2026-20{n}") for n in range(5)]
    actions = [
        {"status": 204},
        {"status": 205},
        {"status": 207, "reasonCode": "LIVR_INCOMP", "reason": "Livraison incomplète"},
        {"status": 208, "reasonCode": "REF_CT_ABSENT", "reason": "Référence contrat absente"},
        {"status": 210, "reasonCode": "CMD_ERR", "reason": "Commande erronée"},
    ]
    for flow_id, action in zip(flows, actions, strict=True):
        assert api.admin("POST", f"flows/{flow_id}/lifecycle", action).status_code == 200
    api.admin("POST", f"flows/{flows[1]}/lifecycle", {"status": 211})
    cdars = _lifecycles(api)
    assert len(cdars) == 11
    for cdar in cdars:
        assert xsd_errors(cdar) == [], cdar
        assert schematron_failures(cdar) == [], cdar
