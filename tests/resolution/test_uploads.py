"""Documents uploaded from the browser: the export's attachment rules, kept per supplier, then sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.ledger import Ledger
from chorusflow.platforms.chorus_pro import ChorusProClient
from chorusflow.resolution import Action, Decision, DecisionResult, build_resolver
from chorusflow.resolution.uploads import keep_upload, uploaded_name
from chorusflow.storage import attachment_key, read_attachment
from chorusflow_dev.sandbox import SandboxServer
from chorusflow_dev.testing import SUPPLIER_SIRET
from tests.fixtures.sandbox import plain_pdf, sandbox_admin
from tests.resolution.helpers import DECIDER, OWNER, attachments_folder, blocked

UPLOAD = "/cpro/transverses/v1/ajouter/fichier"


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("notes.pdf", b"just text", "ATTACHMENT_NOT_PDF"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "ATTACHMENT_TOO_LARGE"),
        ("b" * 51 + ".pdf", b"%PDF-1.4\n%%EOF\n", "FIELD_TOO_LONG"),
    ],
)
def test_a_bad_upload_is_refused_with_the_exports_codes_and_not_kept(
    tmp_path: Path, filename: str, content: bytes, code: str
) -> None:
    documents = tmp_path / "reports"
    key, found = keep_upload(documents, SUPPLIER_SIRET, filename, content, "fr")
    assert key is None and [item.code for item in found] == [code]
    assert not (documents / "attachments").exists()


def test_an_upload_is_kept_per_supplier_under_its_hash(tmp_path: Path) -> None:
    documents = tmp_path / "reports"
    content = plain_pdf("Bon de livraison")
    # A browser may send a whole path: only the file's own name is kept.
    key, found = keep_upload(documents, SUPPLIER_SIRET, "C:\\Users\\moi\\BL 2026.pdf", content, "fr")
    assert found == [] and key == attachment_key(SUPPLIER_SIRET, content, "BL_2026.pdf")
    assert read_attachment(documents, key) == content
    assert uploaded_name("../../etc/passwd") == "passwd"


def test_a_suspended_invoice_is_completed_with_an_uploaded_document(
    ledger: Ledger, client: ChorusProClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    if ledger.dialect_name != "sqlite":
        pytest.skip("the resolver's ledger paths run on both databases in test_resolver.py")
    admin = sandbox_admin(sandbox)
    blocked(ledger, client, admin, {"UP-1": ("SUSPENDUE", "Attestation manquante")})
    documents = tmp_path / "reports"
    content = plain_pdf("Attestation")
    key, _ = keep_upload(documents, SUPPLIER_SIRET, "Attestation.pdf", content, "fr")
    assert key is not None
    resolver = build_resolver(
        ledger,
        client,
        SUPPLIER_SIRET,
        OWNER,
        attachments_folder=attachments_folder(tmp_path),
        documents=documents,
    )

    uploads = admin.calls(UPLOAD)
    # Another supplier's document, or one no longer stored: refused, nothing sent.
    foreign = key.replace(SUPPLIER_SIRET, "99999999999999", 1)
    gone = attachment_key(SUPPLIER_SIRET, b"%PDF-other", "Autre.pdf")
    for wrong in (foreign, gone):
        refused = resolver.apply(
            Decision(
                invoice_number="UP-1",
                action=Action.COMPLETE,
                decided_by=DECIDER,
                attachment=wrong,
                comment="x",
            )
        )
        assert [item.code for item in refused.findings] == ["RESOLUTION_DOCUMENT_NOT_FOUND"]
    assert admin.calls(UPLOAD) == uploads

    done = resolver.apply(
        Decision(
            invoice_number="UP-1", action=Action.COMPLETE, decided_by=DECIDER, attachment=key, comment="Voici"
        )
    )
    assert done.result is DecisionResult.DONE, done.message
    assert (admin.invoice("UP-1") or {})["status"] == "COMPLETEE"
    detail = ledger.get_invoice("UP-1", SUPPLIER_SIRET)
    assert detail is not None
    sent = detail.resolutions[-1].sent or {}
    assert sent["ajouter_fichier"]["nom"] == "Attestation.pdf"
    assert admin.attachment(sent["ajouter_fichier"]["pieceJointeId"]).content == content
