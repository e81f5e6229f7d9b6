"""The sandbox as strict as the platform by default: a flux processed minutes after its deposit, on
the platform's own (seeded, accelerable) time, and refused after the deposit for its content."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest
from lxml import etree

from chorusflow.facturx import build_cii
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.sandbox.operations import processing_delay
from chorusflow_dev.sandbox.settings import Faults, profile_faults
from tests.documents.builders import invoice as full_invoice
from tests.fixtures.sandbox import RawChorusApi, SandboxAdmin, sandbox_admin, sandbox_api

DEPOSER = "/cpro/factures/v1/deposer/flux"
CR = "/cpro/transverses/v1/consulterCRDetaille"
SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
FACTURX = "IN_DP_E2_CII_FACTURX"
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
BT81_MISSING = (
    "L'element FichierXml.SupplyChainTradeTransaction.ApplicableHeaderTradeSettlement."
    "SpecifiedTradeSettlementPaymentMeans.TypeCode.value est obligatoire."
)  # OCA/l10n-france issues #414 and #612, word for word
WAITING = [
    "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP",
    "IN_EN_ATTENTE_TRAITEMENT_CPP",
    "IN_EN_COURS_TRAITEMENT_CPP",
]


@pytest.fixture
def realistic(realistic_sandbox: SandboxServer) -> Iterator[tuple[RawChorusApi, SandboxAdmin]]:
    yield sandbox_api(realistic_sandbox), sandbox_admin(realistic_sandbox)


def cii(number: str, *, payment_means: bool = True, framework: str | None = "A1") -> bytes:
    """Our builder's CII for a valid invoice, then edited as a test needs."""
    root = etree.fromstring(
        build_cii(
            full_invoice(invoice_number=number, payment_means="VIREMENT", service_code=None),
            full_invoice().supplier,
        )
    )
    if not payment_means:
        for node in root.xpath("//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS):
            node.getparent().remove(node)
    [bt23] = root.xpath("//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", namespaces=NS)
    if framework is None:
        bt23.getparent().getparent().remove(bt23.getparent())
    else:
        bt23.text = framework
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def deposit(api: RawChorusApi, content: bytes, name: str = "facture.xml") -> str:
    answer = api.call(
        DEPOSER,
        {"fichierFlux": base64.b64encode(content).decode(), "nomFichier": name, "syntaxeFlux": FACTURX},
    )
    assert answer["codeRetour"] == 0, answer
    number: str = answer["numeroFluxDepot"]
    return number


def test_the_default_profile_is_realistic() -> None:
    assert Faults() == profile_faults("realistic")
    assert Faults().flux_delay_seconds == [180.0, 1800.0] and Faults().clock_speed == 1.0
    assert profile_faults("fast").flux_delay_seconds is None
    with pytest.raises(ValueError, match="unknown sandbox profile"):
        profile_faults("kind")


def test_a_flux_waits_minutes_through_each_state_then_is_integrated(
    realistic: tuple[RawChorusApi, SandboxAdmin],
) -> None:
    api, admin = realistic
    admin.set_faults(seed=7)
    number = deposit(api, cii("RT-1"))
    [flux] = admin.flux()
    delay = flux["processing_delay"]
    assert 180 <= delay <= 1800

    seen = []
    for _ in range(5):  # polls seconds apart change nothing: the platform has its own pace
        report = api.call(CR, {"numeroFluxDepot": number})
        seen.append(report["etatCourantDepotFlux"])
        assert report["dateHeureEtatCourantFlux"][-6:] in ("+01:00", "+02:00")  # Paris time
    assert set(seen) == {WAITING[0]} and admin.invoices() == []
    admin.advance_clock(delay / 3 + 1)
    assert api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] == WAITING[1]
    admin.advance_clock(delay / 3)
    assert api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] == WAITING[2]
    assert api.call(SEARCH, {"numeroFluxDepot": number})["parametresRetour"]["total"] == 0
    admin.advance_clock(delay / 3)
    report = api.call(CR, {"numeroFluxDepot": number})
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE" and "listeErreurDP" not in report
    assert [inv["number"] for inv in admin.invoices()] == ["RT-1"]

    # The same seed and flux number draw the same delay: runs are reproducible.
    assert processing_delay(Faults(seed=7), number) == delay
    assert processing_delay(Faults(seed=8), number) != delay
    assert processing_delay(profile_faults("fast"), number) is None


def test_a_faster_clock_integrates_within_real_seconds(realistic: tuple[RawChorusApi, SandboxAdmin]) -> None:
    api, admin = realistic
    admin.set_faults(clock_speed=3600)  # an hour of the platform's time per real second
    number = deposit(api, cii("RT-2"))
    assert api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] in WAITING
    deadline = time.monotonic() + 5
    while api.call(CR, {"numeroFluxDepot": number})["etatCourantDepotFlux"] != "IN_INTEGRE":
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (cii("NO-BT81", payment_means=False), BT81_MISSING),
        (cii("BT23-B1", framework="B1"), "BusinessProcessSpecifiedDocumentContextParameter.ID.value (B1)"),
        (cii("BT23-A26", framework="A26"), "(A26) n'est pas un cadre de facturation valide (A1 a A25)"),
        (
            cii("BT23-NONE", framework=None),
            "L'element FichierXml.ExchangedDocumentContext.BusinessProcessSpecifiedDocumentContextParameter"
            ".ID.value est obligatoire.",
        ),
    ],
    ids=["bt81-missing", "bt23-B1", "bt23-A26", "bt23-missing"],
)
def test_content_the_platform_refuses_is_accepted_at_deposit_then_rejected(
    realistic: tuple[RawChorusApi, SandboxAdmin], content: bytes, expected: str
) -> None:
    api, admin = realistic
    number = deposit(api, content)  # deposer/flux answers OK: the content is read later
    admin.advance_clock(1800)
    report = api.call(CR, {"numeroFluxDepot": number})
    assert report["etatCourantDepotFlux"] == "IN_REJETE"
    [error] = report["listeErreurDP"]
    assert expected in error["libelleErreurDP"] and error["numeroDP"]
    assert "listeErreurTechnique" not in report and admin.invoices() == []


def test_a_gross_price_without_its_allowance_is_refused() -> None:
    root = etree.fromstring(cii("GROSS-1"))
    [agreement, *_] = root.xpath("//ram:SpecifiedLineTradeAgreement", namespaces=NS)
    gross = etree.SubElement(agreement, f"{{{NS['ram']}}}GrossPriceProductTradePrice")
    etree.SubElement(gross, f"{{{NS['ram']}}}ChargeAmount").text = "9.35"
    agreement.insert(0, gross)  # the XSD wants it first
    from chorusflow_dev.sandbox.flux_files import content_errors

    assert content_errors(etree.fromstring(cii("GROSS-0"))) == []
    [error] = content_errors(root)
    assert error.startswith("L'element (AppliedTradeAllowanceCharge.ActualAmount.value) est obligatoire")


def test_one_bad_invoice_of_a_flux_leaves_the_others_integrated(
    realistic: tuple[RawChorusApi, SandboxAdmin],
) -> None:
    import io
    import tarfile

    api, admin = realistic
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in (("a.xml", cii("MIX-1")), ("b.xml", cii("MIX-2", payment_means=False))):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    number = deposit(api, buffer.getvalue(), name="lot.tar.gz")
    admin.advance_clock(1800)
    report = api.call(CR, {"numeroFluxDepot": number})
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    assert [(e["numeroDP"], e["libelleErreurDP"]) for e in report["listeErreurDP"]] == [
        ("MIX-2", BT81_MISSING)
    ]
    assert [inv["number"] for inv in admin.invoices()] == ["MIX-1"]
