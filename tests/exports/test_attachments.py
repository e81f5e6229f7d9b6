"""Attachments are taken only from inside the export's folder, and must be PDFs of at most 10 MB."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from chorusflow.documents.invoice_pdf import attachment_name, invoice_pdf
from chorusflow.exports.attachments import MAX_ATTACHMENT_BYTES, check_attachment
from chorusflow.rules import validate_export
from chorusflow.storage import read_attachment, store_attachment
from chorusflow_dev.testing.exports import write_export
from tests.rules.builders import row

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    (folder / "pdf").mkdir(parents=True)
    (folder / "pdf" / "F1.pdf").write_bytes(PDF)
    (folder / "pdf" / "notes.txt").write_text("pas un pdf", encoding="utf-8")
    return folder


def _codes(folder: Path, attachment: str) -> set[str]:
    path = write_export(folder / "export.csv", [row(attachment=attachment)])
    verdict = validate_export(path).invoices[0]
    return {item.code for item in verdict.errors}


def test_pdf_inside_the_folder_is_accepted(export_dir: Path) -> None:
    path = write_export(export_dir / "export.csv", [row(attachment="pdf/F1.pdf")])
    invoice = validate_export(path).invoices[0].invoice
    assert invoice is not None and invoice.attachment == (export_dir / "pdf" / "F1.pdf").resolve()


@pytest.mark.parametrize(
    ("attachment", "code"),
    [
        ("../../etc/passwd", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("pdf/../../secret.pdf", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("/etc/passwd", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("C:\\Windows\\win.ini", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("\\\\server\\share\\f.pdf", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("pdf/absent.pdf", "ATTACHMENT_NOT_FOUND"),
        ("pdf", "ATTACHMENT_NOT_FOUND"),
        ("pdf/notes.txt", "ATTACHMENT_NOT_PDF"),
    ],
)
def test_bad_attachments(export_dir: Path, attachment: str, code: str) -> None:
    assert _codes(export_dir, attachment) == {code}


def test_too_large(export_dir: Path) -> None:
    with (export_dir / "big.pdf").open("wb") as handle:
        handle.write(PDF)
        handle.truncate(MAX_ATTACHMENT_BYTES + 1)
    assert _codes(export_dir, "big.pdf") == {"ATTACHMENT_TOO_LARGE"}


def test_symlink_leading_outside_is_refused_without_touching_the_target(
    export_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(PDF)
    os.symlink(outside / "secret.pdf", export_dir / "link.pdf")
    os.symlink(outside, export_dir / "linkdir")
    assert check_attachment(export_dir, "link.pdf") == ("ATTACHMENT_OUTSIDE_EXPORT", None)
    assert check_attachment(export_dir, "linkdir/secret.pdf") == ("ATTACHMENT_OUTSIDE_EXPORT", None)
    # A directory we may not even list: the check must not need to stat it.
    outside.chmod(0)
    try:
        assert check_attachment(export_dir, "linkdir/secret.pdf") == ("ATTACHMENT_OUTSIDE_EXPORT", None)
    finally:
        outside.chmod(0o755)


def test_symlink_inside_the_folder_is_followed(export_dir: Path) -> None:
    os.symlink("pdf/F1.pdf", export_dir / "alias.pdf")
    code, path = check_attachment(export_dir, "alias.pdf")
    assert code is None and path == (export_dir / "pdf" / "F1.pdf").resolve()


def test_no_path_outside_the_folder_is_ever_looked_at(
    export_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(PDF)
    os.symlink(outside, export_dir / "linkdir")
    seen: list[str] = []
    real_lstat, real_stat = os.lstat, os.stat

    def recording_lstat(path: str, *args: object, **kwargs: object) -> os.stat_result:
        seen.append(str(path))
        return real_lstat(path, *args, **kwargs)  # type: ignore[arg-type]

    def recording_stat(path: str, *args: object, **kwargs: object) -> os.stat_result:
        seen.append(str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "lstat", recording_lstat)
    monkeypatch.setattr(os, "stat", recording_stat)
    for attachment in ("linkdir/secret.pdf", "../outside/secret.pdf", str(outside / "secret.pdf")):
        assert check_attachment(export_dir, attachment)[0] == "ATTACHMENT_OUTSIDE_EXPORT"
    folder = export_dir.resolve()
    # Only the folder itself, what it contains, and its own ancestors (resolving the folder) are looked at.
    allowed = {str(parent) for parent in folder.parents}
    outside_seen = [path for path in seen if path not in allowed and not path.startswith(str(folder))]
    assert seen and not outside_seen, outside_seen
    assert not any(path.startswith(str(outside)) for path in seen)


# -- an inbox on object storage, and attachments kept in shared storage ----------------------------


@pytest.fixture
def stored_dir(tmp_path: Path) -> Any:
    """The folder of ``export_dir`` on object storage (fsspec's memory file system, through UPath)."""
    from upath import UPath

    folder = UPath(f"memory://export-{tmp_path.name}")
    (folder / "pdf").mkdir(parents=True, exist_ok=True)
    (folder / "pdf" / "F1.pdf").write_bytes(PDF)
    (folder / "pdf" / "notes.txt").write_bytes(b"pas un pdf")
    yield folder
    folder.fs.rm(folder.path, recursive=True)


@pytest.mark.parametrize(
    ("attachment", "code"),
    [
        ("../../etc/passwd", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("pdf/../../secret.pdf", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("/etc/passwd", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("C:\\Windows\\win.ini", "ATTACHMENT_OUTSIDE_EXPORT"),
        ("pdf/absent.pdf", "ATTACHMENT_NOT_FOUND"),
        ("pdf", "ATTACHMENT_NOT_FOUND"),
        ("pdf/notes.txt", "ATTACHMENT_NOT_PDF"),
        ("pdf/F1.pdf", None),
    ],
)
def test_the_same_checks_on_object_storage(
    tmp_path: Path, stored_dir: Any, attachment: str, code: str | None
) -> None:
    path = write_export(tmp_path / "staged" / "export.csv", [row(attachment=attachment)])
    verdict = validate_export(path, attachments_from=stored_dir).invoices[0]
    assert {item.code for item in verdict.errors} == ({code} if code else set())


def test_too_large_on_object_storage(tmp_path: Path, stored_dir: Any) -> None:
    (stored_dir / "big.pdf").write_bytes(PDF + b"\0" * MAX_ATTACHMENT_BYTES)
    path = write_export(tmp_path / "staged" / "export.csv", [row(attachment="big.pdf")])
    verdict = validate_export(path, attachments_from=stored_dir).invoices[0]
    assert {item.code for item in verdict.errors} == {"ATTACHMENT_TOO_LARGE"}


def test_accepted_attachments_are_kept_once_and_named_by_their_key(tmp_path: Path, stored_dir: Any) -> None:
    shared = tmp_path / "shared"
    kept: list[str] = []

    def keep(content: bytes, name: str) -> str:
        kept.append(name)
        return store_attachment(shared, "12345678200051", content, name)

    rows = [
        row(invoice_number="F-A", attachment="pdf/F1.pdf"),
        row(invoice_number="F-B", attachment="pdf/F1.pdf"),
        row(invoice_number="F-C", attachment="pdf/F1.pdf", total_ttc="1,00"),  # invalid: not kept for it
    ]
    path = write_export(tmp_path / "staged" / "export.csv", rows)
    verdicts = {
        v.invoice_number: v
        for v in validate_export(path, attachments_from=stored_dir, keep_attachment=keep).invoices
    }

    assert kept == ["F1.pdf"]  # one file named twice is read and kept once
    for number in ("F-A", "F-B"):
        invoice = verdicts[number].invoice
        assert invoice is not None and invoice.attachment is None
        assert invoice.attachment_stored is not None
        assert read_attachment(shared, invoice.attachment_stored) == PDF
        assert attachment_name(invoice) == "F1.pdf"
    assert not verdicts["F-C"].valid
    invalid = verdicts["F-C"].invoice
    assert invalid is None or invalid.attachment_stored is None


def test_a_local_export_keeps_its_attachments_too(export_dir: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    path = write_export(export_dir / "export.csv", [row(attachment="pdf/F1.pdf")])
    invoice = (
        validate_export(
            path,
            keep_attachment=lambda content, name: store_attachment(shared, "12345678200051", content, name),
        )
        .invoices[0]
        .invoice
    )
    assert invoice is not None and invoice.attachment is None and invoice.attachment_stored
    assert invoice_pdf(invoice, shared) == PDF
    with pytest.raises(FileNotFoundError):
        invoice_pdf(invoice)  # kept in shared storage: without it, never another file
    with pytest.raises(FileNotFoundError):
        invoice_pdf(invoice, tmp_path / "elsewhere")
