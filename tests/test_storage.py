"""Shared storage of reports and deposited PDFs (``chorusflow.storage``), read back as a UI would."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.storage import (
    NotStored,
    read_attachment,
    read_invoice_pdf,
    read_report,
    report_folder,
    store_attachment,
    store_bytes,
    store_invoice_pdf,
    stored_runs,
    supplier_reports,
)


def test_a_stored_report_is_read_back_by_dag_and_run(tmp_path: Path) -> None:
    folder = report_folder(tmp_path, "chorus_submit_invoices", "manual__2026-12-03T12:00:00+00:00")
    store_bytes(folder / "report.html", b"<html>ok</html>", folder)
    assert read_report(tmp_path, "chorus_submit_invoices", "manual__2026-12-03T12:00:00+00:00") == (
        b"<html>ok</html>"
    )
    with pytest.raises(NotStored):
        read_report(tmp_path, "chorus_submit_invoices", "manual__2026-12-03T12:00:00+00:00", "report.csv")
    with pytest.raises(ValueError):
        read_report(tmp_path, "chorus_submit_invoices", "any", "../../etc/passwd")


def test_invoice_numbers_and_run_ids_never_leave_the_storage_root(tmp_path: Path) -> None:
    stored = store_invoice_pdf(tmp_path, "12345678200051", "../F/2026 01", b"%PDF-1.7")
    assert Path(str(stored)).resolve().is_relative_to(tmp_path.resolve())
    assert read_invoice_pdf(tmp_path, "12345678200051", "../F/2026 01") == b"%PDF-1.7"
    with pytest.raises(NotStored):
        read_invoice_pdf(tmp_path, "12345678200051", "F-UNKNOWN")
    for run_id in ("..", ".", "../..", ""):
        assert Path(str(report_folder(tmp_path, "..", run_id))).resolve().is_relative_to(tmp_path.resolve())


def test_stored_runs_list_each_report_newest_first_and_read_back_by_folder_name(tmp_path: Path) -> None:
    dag = "chorus_submit_invoices"
    runs = [
        "scheduled__2026-12-02T07:00:00+00:00",
        "manual__2026-12-03T12:00:00+00:00",
        "scheduled__2026-12-03T08:00:00+00:00",
    ]
    for run in runs:
        folder = report_folder(tmp_path, dag, run)
        store_bytes(folder / "report.html", run.encode(), folder)
    empty = report_folder(tmp_path, dag, "manual__2026-12-04T00:00:00+00:00")
    empty.mkdir(parents=True)  # a run whose report was never written is not listed
    listed = stored_runs(tmp_path, dag)
    assert [read_report(tmp_path, dag, name).decode() for name in listed] == [runs[1], runs[2], runs[0]]
    assert stored_runs(tmp_path, "chorus_sync_statuses") == []


def test_each_suppliers_own_report_of_a_run_is_listed_and_read_back(tmp_path: Path) -> None:
    dag, run = "chorus_submit_invoices", "manual__2026-12-03T12:00:00+00:00"
    folder = report_folder(tmp_path, dag, run)
    store_bytes(folder / "report.html", b"whole run", folder)
    for supplier_id in ("rheinwerk", "acme_lyon"):
        store_bytes(folder / supplier_id / "report.html", supplier_id.encode(), folder / supplier_id)
    (folder / "empty").mkdir()  # no report in it: not a supplier's
    assert supplier_reports(tmp_path, dag, run) == ["acme_lyon", "rheinwerk"]
    assert read_report(tmp_path, dag, run, supplier_id="rheinwerk") == b"rheinwerk"
    assert read_report(tmp_path, dag, run) == b"whole run"
    with pytest.raises(NotStored):
        read_report(tmp_path, dag, run, supplier_id="alpenlicht")
    with pytest.raises(NotStored):  # the supplier id is made safe like a run id: never out of the run
        read_report(tmp_path, dag, run, supplier_id="../../..")
    assert supplier_reports(tmp_path, dag, "never-ran") == []


def test_an_attachment_is_kept_by_content_and_read_back_by_its_key(tmp_path: Path) -> None:
    key = store_attachment(tmp_path, "12345678200051", b"%PDF-1.7 a", "BL 2026.pdf")
    assert key.startswith("attachments/12345678200051/") and key.endswith("/BL_2026.pdf")
    assert store_attachment(tmp_path, "12345678200051", b"%PDF-1.7 a", "BL 2026.pdf") == key
    assert store_attachment(tmp_path, "12345678200051", b"%PDF-1.7 b", "BL 2026.pdf") != key
    assert read_attachment(tmp_path, key) == b"%PDF-1.7 a"
    for foreign in ("invoices/12345678200051/F.pdf", "attachments/../../etc/passwd", "attachments/a b/c.pdf"):
        with pytest.raises(ValueError):
            read_attachment(tmp_path, foreign)
    with pytest.raises(NotStored):
        read_attachment(tmp_path, key.replace("BL_2026", "other"))
