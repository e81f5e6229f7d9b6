"""§3 Hostile and broken input: every corpus file gets its documented codes, exit code, no traceback.

The corpus lives in ``tests/data/hostile/`` with ``manifest.yaml``; the big files are built at test
time. ``make test`` runs every file through the ``chorusflow`` command in-process (the same
``main()`` the console script calls, so a crash still fails the test) with a 20,000-line version of
the huge file; ``make reliability`` runs each one as a real ``chorusflow validate`` subprocess with
the full 200,000 lines. A mixed file then goes through the DAG: the valid invoices reach the
sandbox, no report cell opens a formula, and no file outside the export's folder is opened.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from chorusflow.cli import main as chorusflow_main
from tests.conftest import REPO_ROOT
from tests.reliability.hostile_corpus import (
    CORPUS,
    HEADER_WITH_ATTACHMENT,
    PDF,
    build_generated,
    committed_files,
    huge_file,
    rows_to_csv,
    with_attachment,
    with_value,
)
from tests.reliability.support import subprocess_env, summary_line

MANIFEST: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))[
    "files"
]
ISSUE_ITEMS = {
    "binary",
    "empty",
    "header-only",
    "truncated-line",
    "encodings",
    "separator",
    "long-field",
    "missing-columns",
    "duplicate-columns",
    "formula-injection",
    "path-traversal",
    "attachment-too-large",
    "dates",
    "nan-infinity",
    "number-format",
    "huge-file",
}
CHORUSFLOW = str(Path(sys.executable).parent / "chorusflow")
FAST_HUGE_LINES = 20_000


def corpus_path(name: str, tmp_path: Path, *, full_size: bool) -> Path:
    """The file to validate: committed, or built into ``tmp_path``."""
    if not MANIFEST[name].get("generated"):
        return CORPUS / name
    if name == "lines-200000.csv" and not full_size:
        return huge_file(tmp_path, FAST_HUGE_LINES)
    return build_generated(name, tmp_path)


def validate_args(name: str, path: Path) -> list[str]:
    """``chorusflow validate`` arguments for one corpus file."""
    extra = [str(REPO_ROOT / arg) if arg.endswith(".yaml") else arg for arg in MANIFEST[name].get("args", [])]
    return ["validate", str(path), "--json", "--offline", *extra]


def check_answer(name: str, exit_code: int, stdout: str, stderr: str, *, full_size: bool) -> None:
    """The answer matches the manifest: exit code, file codes or per-invoice codes, no traceback."""
    expected = MANIFEST[name]
    assert "Traceback" not in stderr and "Traceback" not in stdout, f"{name}: traceback\n{stderr[-2000:]}"
    assert exit_code == expected["exit"], f"{name}: exit {exit_code}\n{stderr[-1000:]}"
    document = json.loads(stdout)
    file_codes = [item["code"] for item in document["file_errors"]]
    assert file_codes == expected.get("file_codes", []), f"{name}: file codes {file_codes}"
    for item in document["file_errors"]:
        assert item["message"].strip(), f"{name}: a code without a message"
    if "all_valid" in expected:
        wanted = expected["all_valid"] if full_size else FAST_HUGE_LINES // 2
        summary = document["summary"]
        assert (summary["invoices"], summary["valid"]) == (wanted, wanted), summary
        return
    by_row = {invoice["rows"][0]: invoice for invoice in document["invoices"]}
    assert sorted(by_row) == sorted(expected.get("invoices", {})), f"{name}: rows {sorted(by_row)}"
    for row, codes in expected.get("invoices", {}).items():
        invoice = by_row[row]
        found = {error["code"] for error in invoice["errors"]}
        assert found == set(codes), f"{name} row {row}: {sorted(found)} != {sorted(codes)}"
        assert invoice["valid"] is (not codes), f"{name} row {row}: valid={invoice['valid']}"
        assert all(error["message"].strip() for error in invoice["errors"])


@contextlib.contextmanager
def opened_files() -> Iterator[list[str]]:
    """Every path opened by this process meanwhile (an audit hook; hooks cannot be removed, so it
    records only while the context is active)."""
    seen: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if active[0] and event == "open" and isinstance(args[0], str | bytes | Path):
            seen.append(str(args[0]))

    sys.addaudithook(hook)
    try:
        yield seen
    finally:
        active[0] = False


def test_manifest_covers_the_corpus_and_every_item_of_the_issue() -> None:
    assert len(MANIFEST) >= 40
    committed = {name for name in committed_files() if name.endswith(".csv")}
    on_disk = {path.name for path in CORPUS.glob("*.csv")}
    assert on_disk == committed, "run `python -m tests.reliability.hostile_corpus` to rebuild the corpus"
    listed = {name for name, entry in MANIFEST.items() if not entry.get("generated")}
    assert listed == committed
    assert {entry["covers"] for entry in MANIFEST.values()} >= ISSUE_ITEMS
    for name, content in committed_files().items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        assert (CORPUS / name).read_bytes() == data, f"{name} differs from its builder"


def test_hostile_corpus_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_LANG", "fr")
    wrong: list[str] = []
    for name in sorted(MANIFEST):
        path = corpus_path(name, tmp_path / name.replace(".", "_"), full_size=False)
        with opened_files() as opened:
            exit_code = chorusflow_main(validate_args(name, path))
        captured = capsys.readouterr()
        try:
            check_answer(name, exit_code, captured.out, captured.err, full_size=False)
        except (AssertionError, ValueError) as error:
            wrong.append(f"{name}: {error}")
        outside = [p for p in opened if p.endswith("passwd") or "win.ini" in p]
        if outside:
            wrong.append(f"{name}: opened {outside}")
    summary_line("hostile input (in-process)", files=len(MANIFEST), wrong=len(wrong), tracebacks=0)
    assert not wrong, "\n".join(wrong)


def test_english_messages_for_a_broken_file(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = chorusflow_main(
        [*validate_args("date-31-february.csv", CORPUS / "date-31-february.csv"), "--lang", "en"]
    )
    document = json.loads(capsys.readouterr().out)
    assert exit_code == 1
    [bad] = [invoice for invoice in document["invoices"] if not invoice["valid"]]
    assert "unreadable value" in bad["errors"][0]["message"] and "31/02/2026" in bad["errors"][0]["message"]


@pytest.mark.reliability_long
@pytest.mark.timeout(1800)
def test_hostile_corpus_through_the_command(tmp_path: Path) -> None:
    wrong: list[str] = []
    for name in sorted(MANIFEST):
        path = corpus_path(name, tmp_path / name.replace(".", "_"), full_size=True)
        result = subprocess.run(
            [CHORUSFLOW, *validate_args(name, path)],
            capture_output=True,
            text=True,
            env=subprocess_env(CHORUSFLOW_LANG="fr"),
            check=False,
            timeout=600,
        )
        try:
            check_answer(name, result.returncode, result.stdout, result.stderr, full_size=True)
        except (AssertionError, ValueError) as error:
            wrong.append(f"{name}: {error}")
    summary_line("hostile input (chorusflow validate)", files=len(MANIFEST), wrong=len(wrong), tracebacks=0)
    assert not wrong, "\n".join(wrong)


# -- the same hostile rows through the DAG ---------------------------------------------------------

FORMULA_CELLS = ("=", "+", "-", "@")


def mixed_export(folder: Path) -> tuple[Path, set[str], set[str]]:
    """One export mixing valid invoices with hostile rows; the valid and invalid numbers."""
    (folder / "ok.pdf").write_bytes(PDF)
    rows = [
        with_attachment("MIX-OK1", ""),
        with_attachment('=HYPERLINK("http://evil.example/x","Payer")', ""),
        with_attachment("+cmd", ""),
        [*with_value("MIX-F1", "buyer_name", "@SUM(A1:A9)"), ""],
        [*with_value("MIX-F2", "line_description", '=HYPERLINK("http://evil.example/y")'), ""],
        with_attachment("MIX-AT1", "../../etc/passwd"),
        with_attachment("MIX-AT2", "ok.pdf"),
        [*with_value("MIX-D1", "issue_date", "31/02/2026"), ""],
        [*with_value("MIX-N1", "unit_price", "NaN"), ""],
        with_attachment("F 2026 001", ""),
        with_attachment("F2026\x07001", ""),
        with_attachment("MIX-OK2", ""),
    ]
    path = folder / "hostile-mixed.csv"
    path.write_text(rows_to_csv(rows, header=HEADER_WITH_ATTACHMENT), encoding="utf-8")
    valid = {"MIX-OK1", "+cmd", "MIX-F1", "MIX-F2", "MIX-AT2", "MIX-OK2"}
    invalid = {row[0] for row in rows} - valid
    return path, valid, invalid


def test_mixed_hostile_export_through_the_dag(pipeline_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fixtures.airflow import load_dag

    if pipeline_env.ledger.dialect_name != "sqlite":
        pytest.skip("the DAG part runs once, on SQLite; the ledger is not what this test is about")
    monkeypatch.setenv("CHORUSFLOW_SUBMIT_RETRY_DELAY", "0.2")
    export, valid, invalid = mixed_export(pipeline_env.inbox)
    with opened_files() as opened:
        dag_run = load_dag("chorus_submit_invoices").test()

    assert dag_run.state == "success"  # invalid invoices are reported and alerted, not a run failure
    received = pipeline_env.admin.invoices()
    assert sorted(invoice["number"] for invoice in received) == sorted(valid)
    assert all(count == 1 for count in pipeline_env.admin.submission_counts().values())
    assert not [p for p in opened if p.endswith("passwd")], "a file outside the export's folder was opened"
    [csv_report] = list((pipeline_env.home / "reports").rglob("report.csv"))
    [html_report] = list((pipeline_env.home / "reports").rglob("report.html"))
    cells = [
        cell
        for row in csv.reader(io.StringIO(csv_report.read_text("utf-8-sig")), delimiter=";")
        for cell in row
    ]
    dangerous = [cell for cell in cells if cell.startswith(FORMULA_CELLS)]
    assert not dangerous, f"formula cells in the CSV report: {dangerous}"
    assert "'+cmd" in cells and any(cell.startswith("'=HYPERLINK") for cell in cells)
    html = html_report.read_text(encoding="utf-8")
    assert '=HYPERLINK("http' not in html and "=HYPERLINK(&quot;http" in html
    rows = {row.invoice_number: row for row in pipeline_env.ledger.list_invoices()}
    assert invalid <= set(rows) and all(rows[n].state.value == "invalid" for n in invalid)
    summary_line(
        "hostile input (DAG)",
        valid_deposited=len(valid),
        invalid_held=len(invalid),
        formula_cells=len(dangerous),
        files_opened_outside=0,
    )
    shutil.rmtree(pipeline_env.home / "reports", ignore_errors=True)
