"""The decision page's HTML: facts, one form per action, required fields, refusals, read-only viewer."""

from __future__ import annotations

from chorusflow.desk.decision_page import DecisionForm, body_html, decision_page

BODY = (
    "- **Acheteur** : IFPEN <b>\n- **Statut** : SUSPENDUE\n\nL'acheteur attend `un document`.\n\n"
    "[Répondre avec la page de décision](http://af/chorusflow-decisions/F-1) : téléversement du PDF."
)
PARAMS = {
    "attachment": {"type": ["null", "string"], "title": "Document à joindre (PDF)"},
    "comment": {"type": ["null", "string"], "title": "Commentaire pour l'acheteur"},
}


def form(**overrides: object) -> DecisionForm:
    values: dict[str, object] = {
        "label": "F-1",
        "subject": "Facture F-1 suspendue : compléter",
        "body": BODY,
        "options": ["Compléter"],
        "params": PARAMS,
        "can_decide": True,
    }
    return DecisionForm(**(values | overrides))  # type: ignore[arg-type]


def test_the_facts_are_escaped_and_the_markdown_dropped() -> None:
    rendered = body_html(BODY)
    assert "<th>Acheteur</th><td>IFPEN &lt;b&gt;</td>" in rendered
    assert "<p>L&#x27;acheteur attend un document.</p>" in rendered
    assert "Répondre avec la page" not in rendered  # the link to this very page


def test_a_decider_gets_an_upload_and_a_required_comment() -> None:
    page = decision_page(form(), "fr", "/chorusflow", "/chorusflow-decisions/F-1", "/chorusflow/invoices/1")
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and 'name="document"' in page
    assert '<textarea id="f-comment" name="comment" rows="3" required>' in page
    assert "(obligatoire)" in page and "disabled" not in page and 'id="cannot-decide"' not in page


def test_a_refused_answer_comes_back_with_its_reasons_and_what_was_typed() -> None:
    refused = form(refused=["ATTACHMENT_NOT_PDF : pas un PDF"], values={"comment": "Voici <l'attestation>"})
    page = decision_page(refused, "fr", "/chorusflow", "/d", "/i")
    assert 'id="refusal"' in page and "ATTACHMENT_NOT_PDF : pas un PDF" in page
    assert "rien n&#x27;a été envoyé" in page and "Voici &lt;l&#x27;attestation&gt;" in page


def test_the_ledgers_last_refusal_is_shown_when_the_task_asked_again() -> None:
    page = decision_page(
        form(last_refused=("clerk", "ENGAGEMENT_FORMAT: 10 chiffres")), "en", "/c", "/d", "/i"
    )
    assert "Last answer refused (clerk)" in page and "ENGAGEMENT_FORMAT: 10 chiffres" in page


def test_a_viewer_sees_the_form_read_only_and_who_can_decide() -> None:
    page = decision_page(form(can_decide=False), "fr", "/chorusflow", "/d", "/i")
    assert 'id="cannot-decide"' in page and "Seul un décideur peut décider" in page
    assert "<fieldset disabled>" in page and '<button type="submit" disabled>' in page
    english = decision_page(form(can_decide=False), "en", "/chorusflow", "/d", "/i")
    assert "Only a decider can decide" in english
