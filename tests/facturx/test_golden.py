"""Golden tests: the official EN 16931 CII examples pass, broken copies fail with the expected rule,
and a missing or broken validator makes the check fail, never pass."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from chorusflow.facturx import schematron
from chorusflow.facturx.check import check_facturx
from chorusflow.facturx.schematron import (
    SchematronProcess,
    ValidatorUnavailable,
    library_dir,
    stylesheets_for,
)
from chorusflow.rules.codes import Finding

EXAMPLES = Path(__file__).resolve().parent / "data" / "en16931"
# CII_example5 uses an AdditionalReferencedDocument variant the Factur-X EN 16931 profile restricts:
# it passes the EN 16931 rules and the XSD, and only the Factur-X profile rule refuses it.
FACTURX_PROFILE_ONLY = {"CII_example5.xml"}
PASSING = sorted(path.name for path in EXAMPLES.glob("CII_*.xml") if path.name not in FACTURX_PROFILE_ONLY)


def errors(found: list[Finding]) -> list[Finding]:
    return [item for item in found if item.severity == "error"]


def rules(found: list[Finding]) -> set[str]:
    """The rule ids the findings name (``Rule BR-CO-10 (EN16931) broken: …``)."""
    return {match[1] for item in found if (match := re.search(r"(?:Règle|Rule) (\S+)", item.message))}


def example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PASSING)
def test_official_example_passes(name: str, saxon: SchematronProcess) -> None:
    assert errors(check_facturx((EXAMPLES / name).read_bytes(), lang="en", process=saxon)) == []


def test_example_outside_the_facturx_profile_fails_only_its_rule(saxon: SchematronProcess) -> None:
    found = errors(check_facturx((EXAMPLES / "CII_example5.xml").read_bytes(), lang="en", process=saxon))
    assert found and {item.code for item in found} == {"FACTURX_RULE"}
    assert all(
        "(FACTUR-X)" in item.message and "AdditionalReferencedDocument" in item.message for item in found
    )


# (example, text replaced, replacement, rule expected)
BROKEN = [
    ("CII_example1.xml", "<ram:LineTotalAmount>19.9</ram:LineTotalAmount>",
     "<ram:LineTotalAmount>29.9</ram:LineTotalAmount>", "BR-CO-10"),
    ("CII_example3.xml", "<ram:InvoiceCurrencyCode>DKK</ram:InvoiceCurrencyCode>",
     "<ram:InvoiceCurrencyCode>ZZZ</ram:InvoiceCurrencyCode>", "BR-CL-04"),
    ("CII_example3.xml", '<ram:TypeCode>380</ram:TypeCode>', "<ram:TypeCode>999</ram:TypeCode>", "BR-CL-01"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "old", "new", "rule"), BROKEN)
def test_broken_copy_fails_with_its_rule(
    name: str, old: str, new: str, rule: str, saxon: SchematronProcess
) -> None:
    text = example(name)
    assert old in text, f"the example changed: {old!r} is not in {name}"
    found = errors(check_facturx(text.replace(old, new, 1).encode(), lang="en", process=saxon))
    assert rule in rules(found), [item.message for item in found]


def test_xsd_error_names_the_element_and_line(saxon: SchematronProcess) -> None:
    text = example("CII_example3.xml").replace(
        "<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>380</ram:TypeCode><ram:Unknown>1</ram:Unknown>", 1
    )
    found = check_facturx(text.encode(), lang="en", process=saxon)
    xsd = [item for item in found if item.code == "FACTURX_XSD"]
    assert xsd and "ram:Unknown" in xsd[0].message and re.search(r"line \d+", xsd[0].message)


def test_not_well_formed_xml_is_an_xsd_finding(saxon: SchematronProcess) -> None:
    found = check_facturx(b"<rsm:CrossIndustryInvoice", lang="en", process=saxon)
    assert [item.code for item in found] == ["FACTURX_XSD"]


@pytest.fixture
def library_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the library's Factur-X EN 16931 and French schematrons that a test may break."""
    for folder in ("facturx-en16931", "cii-schematron-fr-ctc"):
        shutil.copytree(library_dir() / folder, tmp_path / folder)
    monkeypatch.setattr(schematron, "library_dir", lambda: tmp_path)
    return tmp_path


CONFORMANT = "CII_example3.xml"


def test_missing_xslt_fails_the_check(library_copy: Path, saxon: SchematronProcess) -> None:
    (library_copy / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt").unlink()
    french = example(CONFORMANT).replace(
        "<ram:CountryID>DK</ram:CountryID>", "<ram:CountryID>FR</ram:CountryID>", 1
    )
    found = check_facturx(french.encode(), lang="en", process=saxon)
    assert [item.code for item in errors(found)] == ["FACTURX_CHECK_UNAVAILABLE"]
    assert "BR-FR-Flux2-Schematron-CII.xslt" in found[0].message


def test_unreadable_codedb_fails_the_check(library_copy: Path, saxon: SchematronProcess) -> None:
    codedb = library_copy / "facturx-en16931" / "FACTUR-X_EN16931_codedb.xml"
    codedb.write_bytes(codedb.read_bytes()[:1000])  # truncated: no longer XML
    found = check_facturx(example(CONFORMANT).encode(), lang="en", process=saxon)
    assert [item.code for item in errors(found)] == ["FACTURX_CHECK_UNAVAILABLE"]


def test_emptied_codedb_fails_the_check(library_copy: Path, saxon: SchematronProcess) -> None:
    """A code list that parses but holds no code: the rules that read it fail, they are not skipped."""
    (library_copy / "facturx-en16931" / "FACTUR-X_EN16931_codedb.xml").write_text(
        "<codedb/>", encoding="utf-8"
    )
    assert errors(check_facturx(example(CONFORMANT).encode(), lang="en", process=saxon))


def test_missing_codedb_is_refused_before_compiling(tmp_path: Path, saxon: SchematronProcess) -> None:
    folder = tmp_path / "facturx-en16931"
    shutil.copytree(library_dir() / "facturx-en16931", folder)
    (folder / "FACTUR-X_EN16931_codedb.xml").unlink()
    sheets = [sheet for sheet in stylesheets_for("en16931", library=tmp_path) if sheet.name == "FACTUR-X"]
    with pytest.raises(ValidatorUnavailable, match="codedb"):
        saxon.check(example(CONFORMANT).encode(), sheets)


def test_the_child_comes_back_after_a_crash() -> None:
    process = SchematronProcess()
    try:
        process.start()
        assert process._child is not None
        process._child.kill()
        process._child.wait()
        sheets = stylesheets_for("en16931", french=False)
        assert process.check(example(CONFORMANT).encode(), sheets) is not None  # restarted
    finally:
        process.close()
