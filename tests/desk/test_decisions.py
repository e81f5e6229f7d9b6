"""The invoice detail page shows the decisions taken about the invoice (docs/resolution.md)."""

from __future__ import annotations

from chorusflow.desk.documents import DepositedPdf
from chorusflow.desk.pages import detail_page
from chorusflow.desk.queries import Clock, invoice_detail
from chorusflow.ledger import ClaimOwner, Ledger, RecordedDecision, ResolutionOutcome
from tests.desk.story import Story

OWNER = ClaimOwner(
    dag_id="chorus_resolve_invoices",
    run_id="manual__1",
    task_id="decide",
    map_index=0,
    try_number=1,
    hostname="worker-1",
    pid=4343,
)


def test_the_detail_page_lists_who_decided_what(ledger: Ledger, story: Story, clock: Clock) -> None:
    invoice_id = story.ids["F2026-0101"]
    empty = invoice_detail(ledger, invoice_id, clock)
    assert empty is not None
    no_pdf = DepositedPdf(filename="F2026-0101.pdf", reason="pdf_not_deposited")
    assert "Aucune décision." in detail_page(empty, no_pdf, "fr", "/chorusflow", "")

    claim = ledger.claim_resolution(
        RecordedDecision(
            invoice_id=invoice_id,
            event_key="SUSPENDUE@1",
            action="complete",
            decided_by="marie.clerc",
            source="hitl",
            decision={"attachment": "BL-1.pdf", "comment": "Bon de livraison"},
        ),
        OWNER,
    )
    assert claim is not None
    ledger.finish_resolution(
        claim.resolution_id, OWNER, ResolutionOutcome.SUCCEEDED, answer={"codeRetour": 0}
    )

    detail = invoice_detail(ledger, invoice_id, clock)
    assert detail is not None
    page = detail_page(detail, no_pdf, "en", "/chorusflow", "")
    decisions = page[page.index('id="decisions"') :]
    assert "Complete" in decisions and "marie.clerc (decision form)" in decisions and "applied" in decisions
