"""Deposits, acknowledgements with the annex's reason codes, search and download."""

from __future__ import annotations

import hashlib
import re

import pytest
import requests

from chorusflow.platforms.approved_platform.cdar import read_cdar, schematron_failures, xsd_errors
from chorusflow_dev.pa_sandbox import PaSandboxServer
from tests.pa_sandbox.conftest import (
    ABSENT_SIRET,
    OTHER_SUPPLIER,
    PaApi,
    b2b_invoice_cii,
    b2b_invoice_pdf,
)


def _reason(metadata: dict[str, object]) -> str:
    details = metadata["acknowledgement"]["details"]  # type: ignore[index]
    return str(details[0]["reasonCode"])  # type: ignore[index]


def test_a_factur_x_is_accepted_pending_then_ok(api: PaApi) -> None:
    pdf = b2b_invoice_pdf()
    answer = api.post_flow(pdf, {"trackingId": "inv-1", "flowSyntax": "Factur-X", "name": "F2026-0901.pdf"})
    assert answer.status_code == 202
    body = answer.json()
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()  # computed when not given (FlowInfo)
    first = api.flow(body["flowId"]).json()
    assert first["acknowledgement"] == {"status": "Pending"}
    assert (first["flowType"], first["flowDirection"], first["trackingId"]) == (
        "CustomerInvoice",
        "Out",
        "inv-1",
    )
    done = api.acknowledged(body["flowId"])
    assert done["acknowledgement"] == {"status": "Ok"}
    assert done["updatedAt"] > done["submittedAt"]
    original = api.flow(body["flowId"], "Original")
    assert original.content == pdf
    assert original.headers["Content-Type"] == "application/octet-stream"
    assert original.headers["Content-Disposition"].startswith("attachment;filename=")


def test_an_accepted_invoice_gets_a_deposee_lifecycle_flow(api: PaApi) -> None:
    flow_id = api.deposit(b2b_invoice_pdf(), "inv-1")
    api.acknowledged(flow_id)
    found = api.search({"flowType": ["CustomerInvoiceLC"], "flowDirection": ["In"]}).json()["results"]
    assert len(found) == 1
    cdar = api.flow(found[0]["flowId"], "Original").content
    assert xsd_errors(cdar) == [] and schematron_failures(cdar) == []
    lifecycle = read_cdar(cdar)
    assert (lifecycle.status, lifecycle.invoice_number, lifecycle.issuer.role) == (200, "F2026-0901", "WK")


def test_a_buyer_absent_from_the_directory_gets_rejetee_dest_inc(api: PaApi) -> None:
    flow_id = api.deposit(b2b_invoice_pdf(buyer_siret=ABSENT_SIRET), "inv-absent")
    assert api.acknowledged(flow_id)["acknowledgement"]["status"] == "Ok"
    statuses = [
        read_cdar(api.flow(f["flowId"], "Original").content)
        for f in api.search({"flowType": ["CustomerInvoiceLC"]}).json()["results"]
    ]
    assert [(s.status, s.reason_code) for s in statuses] == [(213, "DEST_INC")]


def test_an_invoice_breaking_the_french_rules_is_rejetee_rej_seman(api: PaApi) -> None:
    cii = b2b_invoice_cii()
    # BT-112 one euro too high: the XSD still passes, EN 16931 BR-CO-15 (BT-112 = BT-109 + BT-110) does not.
    broken = re.sub(
        rb"<ram:GrandTotalAmount>([0-9.]+)</ram:GrandTotalAmount>",
        lambda m: b"<ram:GrandTotalAmount>%.2f</ram:GrandTotalAmount>" % (float(m.group(1)) + 1),
        cii,
        count=1,
    )
    assert broken != cii
    assert api.acknowledged(api.deposit(broken, "inv-semantic", "CII"))["acknowledgement"]["status"] == "Ok"
    (found,) = api.search({"flowType": ["CustomerInvoiceLC"]}).json()["results"]
    lifecycle = read_cdar(api.flow(found["flowId"], "Original").content)
    assert (lifecycle.status, lifecycle.reason_code) == (213, "REJ_SEMAN")
    assert "BR-CO-15" in (lifecycle.reason or "")


def test_a_rejected_invoice_may_be_deposited_again_corrected(api: PaApi) -> None:
    api.acknowledged(api.deposit(b2b_invoice_pdf(buyer_siret=ABSENT_SIRET), "inv-1"))
    again = api.acknowledged(api.deposit(b2b_invoice_pdf(), "inv-1-corrected"))
    assert again["acknowledgement"]["status"] == "Ok"
    invoices = api.admin("GET", "invoices").json()["invoices"]
    assert [(i["number"], i["status"]) for i in invoices] == [("F2026-0901", 200)]


@pytest.mark.parametrize(
    ("content", "syntax", "sha", "reason"),
    [
        (b"", "Factur-X", None, "EmptyFlow"),
        (b"%PDF-1.7 not an invoice", "Factur-X", "0" * 64, "ChecksumMismatch"),
        (b"%PDF-1.7 not an invoice", "Factur-X", None, "InvalidSchema"),
        (b"<Invoice><unclosed></Invoice>", "CII", None, "InvalidSchema"),
        (b"%PDF-1.7", "CII", None, "FlowTypeError"),
        (b"<root/>", "UBL", None, "FlowTypeError"),
        (b"<root/>", "FRR", None, "FlowTypeError"),
    ],
)
def test_invalid_files_get_an_error_acknowledgement_with_the_annex_reason(
    api: PaApi, content: bytes, syntax: str, sha: str | None, reason: str
) -> None:
    info = {"trackingId": f"bad-{reason}", "flowSyntax": syntax, **({"sha256": sha} if sha else {})}
    file_type = "application/pdf" if content.startswith(b"%PDF") or not content else "application/xml"
    answer = api.post_flow(content, info, file_type)
    assert answer.status_code == 202, answer.text
    metadata = api.acknowledged(answer.json()["flowId"])
    assert metadata["acknowledgement"]["status"] == "Error"
    assert _reason(metadata) == reason


def test_a_cii_that_fails_its_xsd_is_invalid_schema(api: PaApi) -> None:
    cii = b2b_invoice_cii().replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Unknown>380</ram:Unknown>", 1)
    metadata = api.acknowledged(api.deposit(cii, "inv-xsd", "CII"))
    assert _reason(metadata) == "InvalidSchema"


def test_duplicates_are_already_existing_flow(api: PaApi) -> None:
    first = api.deposit(b2b_invoice_pdf(), "inv-1")
    assert api.acknowledged(first)["acknowledgement"]["status"] == "Ok"
    same_tracking = api.deposit(b2b_invoice_pdf("F2026-0999"), "inv-1")
    same_number = api.deposit(b2b_invoice_pdf(), "inv-1-again")
    assert _reason(api.acknowledged(same_tracking)) == "AlreadyExistingFlow"
    assert _reason(api.acknowledged(same_number)) == "AlreadyExistingFlow"
    by_tracking = api.search({"trackingId": "inv-1"}).json()["results"]
    assert [f["acknowledgement"]["status"] for f in by_tracking] == ["Ok", "Error"]
    invoices = api.admin("GET", "invoices").json()["invoices"]
    assert [i["number"] for i in invoices] == ["F2026-0901"]


def test_an_invoice_of_another_seller_is_refused(pa: PaSandboxServer) -> None:
    other = PaApi(pa, OTHER_SUPPLIER)
    metadata = other.acknowledged(other.deposit(b2b_invoice_pdf(), "inv-1"))
    assert _reason(metadata) == "OtherTechnicalError"


def test_search_filters_pages_by_updated_after_and_limits(api: PaApi) -> None:
    for n in range(4):
        api.acknowledged(api.deposit(b2b_invoice_pdf(f"F2026-10{n}"), f"inv-{n}"))
    everything = api.search({"flowType": ["CustomerInvoice"]}).json()
    assert everything["limit"] == 25 and len(everything["results"]) == 4
    pages, after = [], "2000-01-01T00:00:00Z"
    while True:
        page = api.search({"flowType": ["CustomerInvoice"], "updatedAfter": after}, limit=3).json()["results"]
        if not page:
            break
        pages.append(page)
        after = page[-1]["updatedAt"]
    assert [len(p) for p in pages] == [3, 1]
    assert len({f["flowId"] for p in pages for f in p}) == 4
    assert api.search({"ackStatus": "Error"}).json()["results"] == []
    assert len(api.search({"trackingId": "inv-2"}).json()["results"]) == 1
    assert api.search({"processingRule": ["B2BInt"]}).json()["results"] == []


def test_search_refuses_no_filter_and_a_limit_over_100(api: PaApi) -> None:
    empty = api.search({})
    assert (empty.status_code, empty.json()["errorCode"]) == (400, "MISSING_REQUIRED_FIELD")
    assert api.search({"ackStatus": "Ok"}, limit=101).status_code == 400


def test_a_supplier_sees_only_its_own_flows(pa: PaSandboxServer, api: PaApi) -> None:
    flow_id = api.deposit(b2b_invoice_pdf(), "inv-1")
    other = PaApi(pa, OTHER_SUPPLIER)
    answer = other.flow(flow_id)
    assert (answer.status_code, answer.json()["errorCode"]) == (404, "MISSING_RESOURCE")
    assert other.search({"trackingId": "inv-1"}).json()["results"] == []
    assert api.flow(flow_id, "Converted").status_code == 404


def test_realistic_profile_acknowledges_on_platform_time() -> None:
    with PaSandboxServer(profile="realistic") as server:
        api = PaApi(server)
        flow_id = api.deposit(b2b_invoice_pdf(), "inv-1")
        for _ in range(3):
            assert api.flow(flow_id).json()["acknowledgement"]["status"] == "Pending"
        api.admin("POST", "faults", {"clock_speed": 1_000_000})
        assert api.flow(flow_id).json()["acknowledgement"]["status"] == "Ok"


def test_a_too_large_file_is_413(api: PaApi) -> None:
    answer = api.post_flow(b"%PDF" + b"0" * (10 * 1024 * 1024), {"flowSyntax": "Factur-X"})
    assert (answer.status_code, answer.json()["errorCode"]) == (413, "FILE_SIZE_EXCEEDED")


def test_healthcheck(pa: PaSandboxServer, api: PaApi) -> None:
    answer = requests.get(f"{pa.url}/flow-service/v1/healthcheck", headers=api.headers, timeout=10)
    assert answer.status_code == 200


def test_concurrent_deposits_of_one_invoice_leave_exactly_one_ok(pa: PaSandboxServer, api: PaApi) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pdf = b2b_invoice_pdf()
    with ThreadPoolExecutor(max_workers=5) as pool:
        flow_ids = list(pool.map(lambda n: PaApi(pa).deposit(pdf, "inv-race"), range(5)))
    statuses = sorted(api.acknowledged(flow_id)["acknowledgement"]["status"] for flow_id in flow_ids)
    assert statuses == ["Error", "Error", "Error", "Error", "Ok"]
    assert len(api.admin("GET", "invoices").json()["invoices"]) == 1


EXTENDED_CTC_FR_GUIDELINE = b"urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr"


@pytest.mark.parametrize(
    ("extended", "profile", "reason"),
    [
        (False, "Extended-CTC-FR", "FlowTypeError"),  # an EN 16931 file declared Extended-CTC-FR
        (True, "CIUS", "FlowTypeError"),  # an Extended-CTC-FR file declared otherwise
        (True, "Basic", "FlowTypeError"),
        (True, "Extended-CTC-FR", None),
        (False, "CIUS", None),
    ],
)
def test_the_declared_flow_profile_must_be_the_files(
    api: PaApi, extended: bool, profile: str, reason: str | None
) -> None:
    cii = b2b_invoice_cii()
    if extended:
        cii = cii.replace(
            b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
            b"<ram:ID>" + EXTENDED_CTC_FR_GUIDELINE + b"</ram:ID>",
        )
        assert EXTENDED_CTC_FR_GUIDELINE in cii
    metadata = api.acknowledged(api.deposit(cii, f"inv-{profile}", "CII", flowProfile=profile))
    if reason is None:
        assert metadata["acknowledgement"]["status"] == "Ok", metadata
    else:
        assert _reason(metadata) == reason


def _ubl_invoice(number: str, extra: str = "") -> bytes:
    """A small UBL 2.1 invoice of the default supplier to Boulangerie Martin (elements in XSD order)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:IssueDate>2026-12-01</cbc:IssueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>{extra}
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>
  <cbc:RegistrationName>ACME Energie SAS</cbc:RegistrationName><cbc:CompanyID>452188014</cbc:CompanyID>
 </cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity>
  <cbc:RegistrationName>Boulangerie Martin SAS</cbc:RegistrationName><cbc:CompanyID>732829320</cbc:CompanyID>
 </cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>
 <cac:LegalMonetaryTotal>
  <cbc:TaxInclusiveAmount currencyID="EUR">120.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">120.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine>
  <cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Service</cbc:Name></cac:Item>
 </cac:InvoiceLine>
</Invoice>""".encode()


def test_a_ubl_invoice_is_checked_against_the_ubl_xsd(api: PaApi) -> None:
    valid = api.acknowledged(api.deposit(_ubl_invoice("F2026-UBL1"), "inv-ubl-1", "UBL"))
    assert valid["acknowledgement"]["status"] == "Ok", valid
    unknown = _ubl_invoice("F2026-UBL2", "\n <cbc:Nope>1</cbc:Nope>")
    assert _reason(api.acknowledged(api.deposit(unknown, "inv-ubl-2", "UBL"))) == "InvalidSchema"
    out_of_order = _ubl_invoice("F2026-UBL3").replace(
        b"<cbc:ID>F2026-UBL3</cbc:ID>\n <cbc:IssueDate>2026-12-01</cbc:IssueDate>",
        b"<cbc:IssueDate>2026-12-01</cbc:IssueDate>\n <cbc:ID>F2026-UBL3</cbc:ID>",
    )
    assert out_of_order != _ubl_invoice("F2026-UBL3")
    assert _reason(api.acknowledged(api.deposit(out_of_order, "inv-ubl-3", "UBL"))) == "InvalidSchema"
