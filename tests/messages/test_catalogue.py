"""The message catalogue: every text in French and English, keys unique, and no table outside it."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from chorusflow import messages
from chorusflow.messages import REGISTRY, Message, language, text
from chorusflow.messages.catalogue import merge
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "include" / "chorusflow" / "messages"
#: Where user-facing texts are written: everything but the catalogue must read them from it.
SCANNED = ("include/chorusflow", "plugins", "dags", "devtools/chorusflow_dev")
LANGS = {"fr", "en"}


def placeholders(template: str) -> set[str]:
    """The ``{names}`` of a ``str.format`` template (a stray brace makes ``parse`` raise)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    message = REGISTRY[key]
    assert message.fr and message.en  # a separator may be a space
    assert placeholders(message.fr) == placeholders(message.en)
    assert all(name.isidentifier() for name in placeholders(message.fr)), "positional or dotted field"


def test_every_key_is_dotted_area_then_name() -> None:
    malformed = [key for key in REGISTRY if not re.fullmatch(r"[a-z_]+(\.[A-Za-z0-9_]+)+", key)]
    assert malformed == []


def _literal_keys(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, key.lineno


def test_keys_are_unique_in_the_source() -> None:
    """A key written twice in one dict literal would silently keep the last; across areas, ``merge``
    refuses it (checked below). Every area module is in ``AREAS``."""
    seen: dict[str, str] = {}
    duplicates = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem in {"__init__", "catalogue", "language"}:
            continue
        assert any(area.__file__ == str(path) for area in messages.AREAS), f"{path.name} not in AREAS"
        for key, line in _literal_keys(path):
            where = f"{path.name}:{line}"
            if key in seen:
                duplicates.append(f"{key} ({seen[key]}, {where})")
            seen[key] = where
    assert duplicates == []
    assert set(seen) == set(REGISTRY)


def test_merge_refuses_a_key_defined_twice() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        merge([{"a.b": Message(fr="x", en="y")}, {"a.b": Message(fr="x", en="y")}])


def test_text_fills_placeholders_in_the_language_asked_or_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert text("rule.EXPORT_MISSING_COLUMN", "en", column="due_date") == (
        "Required column missing from the export: due_date."
    )
    monkeypatch.setenv("CHORUSFLOW_LANG", "en_GB")
    assert language() == "en" and text("cli.ledger.empty") == "No invoice in the ledger."
    monkeypatch.setenv("CHORUSFLOW_LANG", "de")
    assert language() == "fr" and text("cli.ledger.empty") == "Aucune facture dans le registre."
    assert text("cli.ledger.empty", "EN") == "No invoice in the ledger."
    with pytest.raises(KeyError):
        text("no.such.key")


# -- the guard: no French/English table of its own outside chorusflow/messages ---------------------


def own_translations(source: str) -> list[str]:
    """What in ``source`` picks a text by language itself: a dict keyed ``"fr"``/``"en"``, a
    comparison with ``"fr"`` or ``"en"``, or a call given both ``fr=`` and ``en=`` texts."""

    def is_language(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and node.value in LANGS

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict) and sum(is_language(key) for key in node.keys) >= 2:
            found.append(f"{node.lineno}: dict keyed by language")
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            if any(is_language(operand) for operand in (node.left, *node.comparators)):
                found.append(f"{node.lineno}: compares a language")
        elif isinstance(node, ast.Call) and {keyword.arg for keyword in node.keywords} >= LANGS:
            if all(isinstance(k.value, ast.Constant) for k in node.keywords if k.arg in LANGS):
                found.append(f"{node.lineno}: texts given per language")
    return found


def test_the_guard_catches_each_way_of_translating_by_hand() -> None:
    assert own_translations('TEXTS = {"fr": {"help": "aide"}, "en": {"help": "help"}}')
    assert own_translations('TITLES = {"blocked": {"fr": "Facture bloquée", "en": "Invoice blocked"}}')
    assert own_translations('word = "ligne" if language() == "fr" else "row"')
    assert own_translations('def f(lang):\n    return b if lang != "en" else a')
    assert own_translations('LABEL = Message(fr="Facture", en="Invoice")')
    assert not own_translations('text("report.title", lang)')


def test_no_module_outside_the_catalogue_translates_by_itself() -> None:
    offenders = []
    for folder in SCANNED:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if PACKAGE in path.parents:
                continue
            relative = path.relative_to(REPO_ROOT).as_posix()
            offenders += [
                f"{relative}:{where}" for where in own_translations(path.read_text(encoding="utf-8"))
            ]
    assert offenders == []


def test_every_ledger_state_has_its_words_in_the_cli_and_the_desk() -> None:
    from chorusflow.ledger import InvoiceState

    for state in InvoiceState:
        for key in (f"state.{state.value}", f"desk.state_{state.value}"):
            assert key in REGISTRY, key
