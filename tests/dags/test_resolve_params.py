"""The resolve DAG's Params (trigger) form speaks the catalogue's language, with no literal ``null``."""

from __future__ import annotations

import importlib
import sys

import pytest

from tests.conftest import REPO_ROOT


def resolve_params(monkeypatch: pytest.MonkeyPatch, lang: str) -> dict[str, dict[str, object]]:
    monkeypatch.setenv("CHORUSFLOW_LANG", lang)  # settings() follows the environment
    monkeypatch.syspath_prepend(str(REPO_ROOT / "dags"))
    sys.modules.pop("chorus_resolve_invoices", None)
    module = importlib.import_module("chorus_resolve_invoices")
    dag = module.chorus_resolve_invoices()
    return {name: dag.params.get_param(name).serialize() for name in dag.params}


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
