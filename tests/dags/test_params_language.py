"""The DAGs' Params (trigger) forms speak the catalogue's language, with no literal ``null``."""

from __future__ import annotations

import importlib
import sys

import pytest

from chorusflow.messages import REGISTRY, Language, text
from tests.conftest import REPO_ROOT

DAGS_WITH_PARAMS = ("chorus_resolve_invoices", "chorus_submit_invoices")


def dag_params(monkeypatch: pytest.MonkeyPatch, dag_id: str, lang: str) -> dict[str, dict[str, object]]:
    monkeypatch.setenv("CHORUSFLOW_LANG", lang)  # settings() follows the environment
    monkeypatch.syspath_prepend(str(REPO_ROOT / "dags"))
    sys.modules.pop(dag_id, None)
    module = importlib.import_module(dag_id)
    dag = getattr(module, dag_id)()
    return {name: dag.params.get_param(name).serialize() for name in dag.params}


def resolve_params(monkeypatch: pytest.MonkeyPatch, lang: str) -> dict[str, dict[str, object]]:
    return dag_params(monkeypatch, "chorus_resolve_invoices", lang)


@pytest.mark.parametrize("dag_id", DAGS_WITH_PARAMS)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_title_and_description_comes_from_the_catalogue(
    monkeypatch: pytest.MonkeyPatch, dag_id: str, lang: Language
) -> None:
    texts = {text(key, lang) for key in REGISTRY}
    for name, param in dag_params(monkeypatch, dag_id, lang).items():
        schema = param["schema"]
        assert isinstance(schema, dict)
        assert schema.get("title") in texts, f"{dag_id}.{name}: title not in the {lang} catalogue"
        assert param["description"] in texts, f"{dag_id}.{name}: description not in the {lang} catalogue"


def test_french_by_default_english_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    french = resolve_params(monkeypatch, "fr")
    assert french["invoice_number"]["schema"]["title"] == "Numéro de facture"
    assert "Vide : toutes les factures" in str(french["invoice_number"]["description"])
    english = resolve_params(monkeypatch, "en")
    assert english["invoice_number"]["schema"]["title"] == "Invoice number"
    for params in (french, english):
        assert not any("docs/" in str(param["description"]) for param in params.values())


def test_the_action_has_labels_and_no_null(monkeypatch: pytest.MonkeyPatch) -> None:
    action = resolve_params(monkeypatch, "fr")["action"]
    schema = action["schema"]
    assert action["value"] == "" and None not in schema["enum"]  # type: ignore[index, operator]
    assert schema["values_display"]["complete"] == "Compléter"  # type: ignore[index]
