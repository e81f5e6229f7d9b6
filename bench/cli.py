"""Benchmark: the ``chorusflow`` command as a user runs it, whole processes (start-up and imports included).

Run ``.venv/bin/python bench/cli.py [--lines N] [--repeat R] [--chorusflow PATH]``. Prints the
medians of R runs (default 5) of:

- ``chorusflow --help``;
- ``chorusflow ledger list`` on an empty SQLite ledger (migrated beforehand, not measured), and on a
  machine without a ledger;
- ``chorusflow validate EXPORT --offline --json -o FILE`` on the 100,000-line export of
  ``bench/validation.py``, against a bare ``python -c "import pandas; pandas.read_csv(...)"``
  process, run alternately: both times, their ratio, and each child's peak resident memory (its own
  ``wait4`` usage, so one child's peak does not hide another's).

Each line also gives the child's CPU time (user + system), which a shared machine's load inflates
far less than the wall time.

It asserts nothing (figures and targets: docs/performance.md, "CLI"). ``--chorusflow`` measures
another build of the command, e.g. a wrapper around an older checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BARE_READ = "import sys, pandas; pandas.read_csv(sys.argv[1], sep=';')"
# bench/validation.py's generator, run in a child: this process stays small, since a child's peak
# RSS counts the memory it shared with its parent before exec.
GENERATE = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); from validation import generate; "
    "print(generate(Path(sys.argv[2]), int(sys.argv[3])))"
)


@dataclass(frozen=True)
class Run:
    """One child process: wall time, CPU time (user + system), its own peak resident memory, exit code."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_code: int


def run_once(command: Sequence[str], env: Mapping[str, str]) -> Run:
    """Start ``command``, wait for it with ``wait4`` (its own resource usage), time the whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, process.returncode)  # Linux reports kilobytes


@dataclass(frozen=True)
class Measure:
    """Medians over the runs of one command."""

    label: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_codes: frozenset[int]


def median_of(label: str, runs: list[Run]) -> Measure:
    return Measure(
        label,
        statistics.median(run.seconds for run in runs),
        statistics.median(run.cpu_seconds for run in runs),
        statistics.median(run.peak_rss_mb for run in runs),
        frozenset(run.exit_code for run in runs),
    )


def alternate(commands: Mapping[str, Callable[[], Run]], repeat: int) -> dict[str, Measure]:
    """Run each command ``repeat`` times, alternately (a shared machine's load then hits all alike)."""
    runs: dict[str, list[Run]] = {label: [] for label in commands}
    for _ in range(repeat):
        for label, command in commands.items():
            runs[label].append(command())
    return {label: median_of(label, measured) for label, measured in runs.items()}


def environment(home: Path) -> dict[str, str]:
    """The user's environment with a ledger of its own in ``home`` and French messages."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env.update({"CHORUSFLOW_HOME": str(home), "CHORUSFLOW_LANG": "fr"})
    return env


def show(measure: Measure, note: str = "") -> None:
    codes = ",".join(str(code) for code in sorted(measure.exit_codes))
    print(
        f"{measure.label:<44} {measure.seconds:7.3f} s  CPU {measure.cpu_seconds:6.3f} s"
        f"  peak RSS {measure.peak_rss_mb:5.0f} MB"
        f"  exit {codes}{note}"
    )


def main(argv: list[str] | None = None) -> int:
    """Measure and print; return 0 whatever the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines of the validated export")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command; medians are printed")
    parser.add_argument(
        "--chorusflow", type=Path, default=Path(sys.executable).with_name("chorusflow"), help="the command"
    )
    args = parser.parse_args(argv)
    chorusflow, repeat = str(args.chorusflow), max(args.repeat, 1)
    print(f"command: {chorusflow}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    print(f"runs: {repeat} of each, alternated; medians of wall time and of each child's peak RSS")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process: {own:.0f} MB, a floor for each child's peak)")
    with tempfile.TemporaryDirectory(prefix="chorusflow-bench-cli-") as folder:
        root = Path(folder)
        empty, absent = environment(root / "empty-ledger"), environment(root / "no-ledger")
        subprocess.run([chorusflow, "ledger", "migrate"], env=empty, check=True, capture_output=True)
        light = alternate(
            {
                "chorusflow --help": lambda: run_once([chorusflow, "--help"], empty),
                "chorusflow ledger list (empty SQLite ledger)": lambda: run_once(
                    [chorusflow, "ledger", "list"], empty
                ),
                "chorusflow ledger list (no ledger yet)": lambda: run_once(
                    [chorusflow, "ledger", "list"], absent
                ),
            },
            repeat,
        )
        for measure in light.values():
            show(measure)

        export, output = root / "export.csv", root / "report.json"
        generated = [sys.executable, "-c", GENERATE, str(BENCH), str(export), str(args.lines)]
        invoices = int(subprocess.run(generated, check=True, capture_output=True, text=True).stdout)
        print(f"export: {args.lines} lines, {invoices} invoices, {export.stat().st_size / 1e6:.1f} MB")
        validate = [chorusflow, "validate", str(export), "--offline", "--json", "-o", str(output)]
        heavy = alternate(
            {
                "bare pandas.read_csv process": lambda: run_once(
                    [sys.executable, "-c", BARE_READ, str(export)], empty
                ),
                "chorusflow validate --offline --json -o FILE": lambda: run_once(validate, empty),
            },
            repeat,
        )
        bare, validated = heavy.values()
        show(bare)
        show(validated, f"  JSON {output.stat().st_size / 1e6:.1f} MB")
    wall, cpu = validated.seconds / bare.seconds, validated.cpu_seconds / bare.cpu_seconds
    print(f"ratio validate / bare read: {wall:.1f} x in wall time, {cpu:.1f} x in CPU time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
