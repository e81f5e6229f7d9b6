"""The hostile export corpus: the small files committed in ``tests/data/hostile/`` and the big ones.

``python -m tests.reliability.hostile_corpus`` rewrites the committed files (run it after changing a
builder, then update ``manifest.yaml``). The big files (a 200,000-line export, a >10 MB attachment,
a 50,000-character field, a link leading out of the folder) are built at test time into a temporary
folder by :func:`build_generated`, so the repository stays small.
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Callable
from pathlib import Path

from chorusflow_dev.testing.exports import EXPORT_COLUMNS, export_row, sample_invoice

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hostile"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HEADER = list(EXPORT_COLUMNS)
COLUMN = {name: index for index, name in enumerate(HEADER)}


def invoice_row(number: str) -> list[str]:
    """A valid invoice row in the canonical header's order, as a list to break at will."""
    return export_row(sample_invoice(number))


def rows_to_csv(rows: list[list[str]], header: list[str] | None = None, delimiter: str = ";") -> str:
    """A CSV text with the canonical header (or ``header``) and ``rows``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def good(number: str) -> list[str]:
    """A valid invoice row."""
    return invoice_row(number)


def with_value(number: str, column: str, value: str) -> list[str]:
    """A valid row with one column replaced."""
    row = invoice_row(number)
    row[COLUMN[column]] = value
    return row


def mixed(bad: list[str], prefix: str) -> str:
    """One hostile row between two valid ones (rows 2, 3, 4), so the valid ones must still pass."""
    return rows_to_csv([good(f"{prefix}-OK1"), bad, good(f"{prefix}-OK2")])


def with_attachment(number: str, attachment: str) -> list[str]:
    """A valid row plus an ``attachment`` column value (use with ``HEADER_WITH_ATTACHMENT``)."""
    return [*invoice_row(number), attachment]


HEADER_WITH_ATTACHMENT = [*HEADER, "attachment"]


def committed_files() -> dict[str, bytes | str]:
    """Every committed corpus file, by name."""
    rng = random.Random(7)
    header_line = ";".join(HEADER)
    good_csv = rows_to_csv([good("H-OK1"), good("H-OK2")])
    files: dict[str, bytes | str] = {
        # Unreadable or empty files.
        "binary-junk.csv": bytes(rng.randrange(256) for _ in range(4096)),
        "pdf-renamed.csv": PDF * 20,
        "xlsx-renamed.csv": b"PK\x03\x04\x14\x00\x06\x00" + bytes(rng.randrange(256) for _ in range(2000)),
        "nul-bytes.csv": good_csv.encode() + b"\x00" * 64 + b"\n",
        "empty.csv": b"",
        "blank-lines.csv": "\n\n   \n\n",
        "header-only.csv": header_line + "\n",
        "header-only-no-newline.csv": header_line,
        "truncated-line.csv": good_csv + ";".join(good("H-CUT"))[:60],
        "unclosed-quote.csv": rows_to_csv([good("H-Q1")]) + '"H-Q2;FACTURE;2026-11-02\n' + "x;" * 30 + "\n",
        # Encodings and separators.
        "latin1.csv": mixed(good("H-LAT-É"), "H-LAT").encode("cp1252", errors="replace"),
        "mixed-encodings.csv": rows_to_csv([good("H-MIX-OK1")]).encode("utf-8")
        + ";".join(with_value("H-MIX-2", "line_description", "Réparation chaudière")).encode("cp1252")
        + b"\n"
        + ";".join(good("H-MIX-OK2")).encode("utf-8")
        + b"\n",
        "utf8-bom.csv": "\ufeff" + good_csv,
        "utf16.csv": good_csv.encode("utf-16"),
        "comma-separator.csv": rows_to_csv([good("H-COMMA1"), good("H-COMMA2")], delimiter=","),
        "tab-separator.csv": rows_to_csv([good("H-TAB1"), good("H-TAB2")], delimiter="\t"),
        "pipe-separator.csv": rows_to_csv([good("H-PIPE1")], delimiter="|"),
        "crlf-line-endings.csv": good_csv.replace("\n", "\r\n"),
        # Columns.
        "missing-vat-rate-column.csv": rows_to_csv(
            [[v for i, v in enumerate(good("H-MC1")) if i != COLUMN["vat_rate"]]],
            header=[h for h in HEADER if h != "vat_rate"],
        ),
        "missing-several-columns.csv": "invoice_number;total_ttc\nH-MC2;120,00\n",
        "garbage-header.csv": "a;b;c;d\n1;2;3;4\n",
        "duplicate-column.csv": rows_to_csv([[*good("H-DUP1"), "2"]], header=[*HEADER, "quantity"]),
        "duplicate-column-mapped.csv": rows_to_csv([[*good("H-DUP2"), "2"]], header=[*HEADER, "Quantité"]),
        "extra-fields-in-row.csv": mixed([*good("H-EXTRA"), "surplus", "encore"], "H-EXTRA"),
        # Formula injection.
        "formula-hyperlink-number.csv": mixed(good('=HYPERLINK("http://evil.example/x","Payer")'), "H-F1"),
        "formula-plus-cmd-number.csv": mixed(good("+cmd"), "H-F2"),
        "formula-at-sum-number.csv": mixed(good("@SUM(1+1)"), "H-F3"),
        "formula-in-text-fields.csv": rows_to_csv(
            [
                with_value("H-F4-1", "line_description", '=HYPERLINK("http://evil.example/x","Cliquez")'),
                with_value("H-F4-2", "buyer_name", "@SUM(A1:A9)"),
                with_value("H-F4-3", "line_description", "+cmd|' /C calc'!A0"),
                with_value("H-F4-4", "line_description", "-2+3+cmd|' /C calc'!A0"),
                with_value("H-F4-5", "line_description", "<script>alert(1)</script>"),
            ]
        ),
        # Attachments.
        "attachment-traversal.csv": rows_to_csv(
            [
                with_attachment("H-AT1", "../../etc/passwd"),
                with_attachment("H-AT2", "ok.pdf"),
                with_attachment("H-AT3", "..\\..\\etc\\passwd"),
                with_attachment("H-AT4", "sub/../../../etc/passwd"),
            ],
            header=HEADER_WITH_ATTACHMENT,
        ),
        "attachment-absolute.csv": rows_to_csv(
            [with_attachment("H-AT5", "/etc/passwd"), with_attachment("H-AT6", "C:\\Windows\\win.ini")],
            header=HEADER_WITH_ATTACHMENT,
        ),
        "attachment-missing-or-not-pdf.csv": rows_to_csv(
            [with_attachment("H-AT7", "absent.pdf"), with_attachment("H-AT8", "not-a-pdf.pdf")],
            header=HEADER_WITH_ATTACHMENT,
        ),
        "ok.pdf": PDF,
        "not-a-pdf.pdf": b"MZ\x90\x00 this is not a PDF",
        # Dates.
        "date-31-february.csv": mixed(with_value("H-D1", "issue_date", "31/02/2026"), "H-D1"),
        "date-29-february-2025.csv": mixed(with_value("H-D2", "issue_date", "29/02/2025"), "H-D2"),
        "date-month-13.csv": mixed(with_value("H-D3", "due_date", "2026-13-01"), "H-D3"),
        "date-text.csv": mixed(with_value("H-D4", "issue_date", "demain"), "H-D4"),
        # Amounts.
        "amount-nan.csv": mixed(with_value("H-N1", "unit_price", "NaN"), "H-N1"),
        "amount-infinity.csv": mixed(with_value("H-N2", "total_ttc", "Infinity"), "H-N2"),
        "amount-minus-inf.csv": mixed(with_value("H-N3", "quantity", "-inf"), "H-N3"),
        "amount-exponent.csv": mixed(with_value("H-N4", "unit_price", "1e309"), "H-N4"),
        "amount-negative.csv": mixed(with_value("H-N5", "quantity", "-1"), "H-N5"),
        # Invoice numbers.
        "number-with-spaces.csv": mixed(good("F 2026 001"), "H-S1"),
        "number-with-tab.csv": mixed(good("F2026\t001"), "H-S2"),
        "number-with-bell.csv": mixed(good("F2026\x07001"), "H-S3"),
        "number-with-newline.csv": mixed(good("F2026\n001"), "H-S4"),
        "number-with-zero-width.csv": mixed(good("F2026\u200b001"), "H-S5"),
        "number-too-long.csv": mixed(good("F" * 21), "H-S6"),
        "number-accented.csv": mixed(good("FAC-É-001"), "H-S7"),
        "number-escape-sequence.csv": mixed(good("F\x1b[31m001"), "H-S8"),
        # Other broken values.
        "siret-letters.csv": mixed(with_value("H-SI", "buyer_siret", "2199OOO16OOO11"), "H-SI"),
    }
    return files


def write_committed(folder: Path = CORPUS) -> list[Path]:
    """Write the committed corpus files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in committed_files().items():
        path = folder / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        written.append(path)
    return written


def huge_file(folder: Path, lines: int = 200_000) -> Path:
    """``lines`` lines: ``lines / 2`` valid invoices of two lines each (named ``lines-200000.csv``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lines-200000.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(HEADER) + "\n")
        for index in range(lines // 2):
            line = ";".join(invoice_row(f"BIG-{index:06d}"))
            # Two half lines: net 50,00 each, totals unchanged.
            first = line.replace(";1;forfait;100,00;20;100,00;", ";1;forfait;50,00;20;50,00;")
            handle.write(first + "\n" + first + "\n")
    return path


def _long_field(folder: Path) -> Path:
    path = folder / "field-50000-chars.csv"
    path.write_text(mixed(with_value("H-LONG", "line_description", "A" * 50_000), "H-LONG"), encoding="utf-8")
    return path


def _big_attachment(folder: Path) -> Path:
    (folder / "big.pdf").write_bytes(PDF + b"0" * (10 * 1024 * 1024 + 1))
    (folder / "ok.pdf").write_bytes(PDF)
    path = folder / "attachment-over-10mb.csv"
    path.write_text(
        rows_to_csv(
            [with_attachment("H-BIG", "big.pdf"), with_attachment("H-BIG-OK", "ok.pdf")],
            header=HEADER_WITH_ATTACHMENT,
        ),
        encoding="utf-8",
    )
    return path


def _link_out(folder: Path) -> Path:
    (folder / "ok.pdf").write_bytes(PDF)
    link = folder / "passwd.pdf"
    if not link.is_symlink():
        os.symlink("/etc/passwd", link)
    path = folder / "attachment-symlink-out.csv"
    path.write_text(
        rows_to_csv(
            [with_attachment("H-LINK", "passwd.pdf"), with_attachment("H-LINK-OK", "ok.pdf")],
            header=HEADER_WITH_ATTACHMENT,
        ),
        encoding="utf-8",
    )
    return path


GENERATED: dict[str, Callable[[Path], Path]] = {
    "lines-200000.csv": huge_file,
    "field-50000-chars.csv": _long_field,
    "attachment-over-10mb.csv": _big_attachment,
    "attachment-symlink-out.csv": _link_out,
}


def build_generated(name: str, folder: Path) -> Path:
    """Build one generated corpus file (and what it needs) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return GENERATED[name](folder)


if __name__ == "__main__":
    for written in write_committed():
        print(written)
