"""``chorusflow validate EXPORT``: check an accounting export before anything is sent to Chorus Pro.

Exit codes: 0 every invoice is valid, 1 some invoice is invalid, 2 the file cannot be read, the
output cannot be written or the arguments are wrong. A broken file never shows a traceback: the
reason is printed on stderr. ``--json`` writes the document invoice by invoice
(:meth:`~chorusflow.rules.validate.ValidationReport.write_json`), to stdout or ``-o FILE``.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chorusflow.cli import add_command
from chorusflow.messages import LANGUAGES, language, text

if TYPE_CHECKING:
    from chorusflow.rules.validate import BytesSink

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = add_command(
        subparsers, "validate", help=text("cli.validate.help"), description=text("cli.validate.description")
    )
    parser.add_argument("export", type=Path, metavar="EXPORT", help=text("cli.validate.export_help"))
    parser.add_argument("--mapping", type=Path, metavar="YAML", help=text("cli.validate.mapping_help"))
    parser.add_argument("--offline", action="store_true", help=text("cli.validate.offline_help"))
    parser.add_argument("--facturx", action="store_true", help=text("cli.validate.facturx_help"))
    parser.add_argument("--lang", choices=LANGUAGES, help=text("cli.validate.lang_help"))
    parser.add_argument("--supplier", metavar="ID", help=text("cli.validate.supplier_help"))
    parser.add_argument("--json", action="store_true", help=text("cli.validate.json_help"))
    parser.add_argument(
        "-o", "--output", type=Path, metavar=text("cli.validate.file"), help=text("cli.validate.output_help")
    )
    parser.set_defaults(handler=run)


def _directory() -> Any:
    """A cached directory reading Chorus Pro through ``AIRFLOW_CONN_CHORUS_PRO``."""
    from chorusflow.chorus import ChorusProClient, ChorusProConfig
    from chorusflow.rules.directory import ChorusDirectory

    return ChorusDirectory(ChorusProClient(ChorusProConfig.from_env()))


def _supplier(name: str | None) -> Any:
    """The supplier to validate as: ``--supplier`` (id or identifier), else the default one."""
    from chorusflow.config import load_supplier, load_suppliers

    if name is None:
        return load_supplier()
    found = load_suppliers().find(name)
    if found is None:
        raise KeyError(name)
    return found


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export`` and print the report; return the exit code."""
    from chorusflow.rules.validate import validate_export

    lang = language(args.lang)
    directory = None
    if not args.offline:
        try:
            directory = _directory()
        except Exception as error:  # missing or malformed connection: a clear message, no traceback
            print(text("cli.validate.no_connection", lang, detail=_short(error)), file=sys.stderr)
            return EXIT_UNREADABLE
    try:
        supplier = _supplier(args.supplier)
    except (KeyError, ValueError) as error:  # unknown id, or a configuration that cannot be read
        print(text("cli.validate.no_supplier", lang, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        report = validate_export(
            args.export, mapping=args.mapping, directory=directory, lang=lang, supplier=supplier
        )
        if args.facturx and not report.file_errors:
            from chorusflow.facturx.export import with_facturx_checks

            report = with_facturx_checks(report, lang)
    except Exception as error:  # the last safety net: never a traceback for a user
        print(text("cli.validate.internal", lang, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        _write_report(report, args, lang)
    except OSError as error:  # a full disk, a missing folder, a closed pipe
        where = args.output or "stdout"
        print(text("cli.validate.unwritable", lang, path=where, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as error:  # as above: never a traceback
        print(text("cli.validate.internal", lang, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    if report.file_errors:
        for item in report.file_errors:
            print(f"{text('cli.validate.file_error', lang)} [{item.code}] {item.message}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_VALID if all(verdict.valid for verdict in report.invoices) else EXIT_INVALID


def _short(error: BaseException) -> str:
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first_line[:300]}" if first_line else type(error).__name__


def _write_report(report: Any, args: argparse.Namespace, lang: str) -> None:
    """The JSON document or the text report, to ``args.output`` or stdout."""
    if args.json:
        with _binary_output(args.output) as out:
            report.write_json(out)
            out.write(b"\n")
    elif args.output is not None:
        with args.output.open("w", encoding="utf-8") as out:
            _print_text(report, lang, out)
    else:
        _print_text(report, lang, sys.stdout)


@contextlib.contextmanager
def _binary_output(path: Path | None) -> Iterator[BytesSink]:
    """``path`` opened for bytes, or stdout's bytes when it encodes UTF-8 (else a UTF-8 decoding shim)."""
    if path is not None:
        with path.open("wb") as file:
            yield file
        return
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    stdout.flush()
    if buffer is not None and codecs.lookup(stdout.encoding or "ascii").name == "utf-8":
        yield buffer
        buffer.flush()
    else:  # a StringIO, or a terminal in another encoding: print() would have gone through it too
        yield _TextSink(stdout)


class _TextSink:
    """Bytes written as text to a text stream (each write is whole UTF-8)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> int:
        return self._stream.write(data.decode("utf-8"))


def _print_text(report: Any, lang: str, out: TextIO) -> None:
    summary = report.summary
    if report.file_errors:
        return  # the reason goes to stderr; there is nothing else to show
    if summary.offline:
        print(text("cli.validate.offline", lang), file=out)
    for verdict in report.invoices:
        if verdict.valid and not verdict.warnings:
            continue
        name = (
            verdict.invoice_number
            or f"({text('cli.validate.row', lang)} {', '.join(str(row) for row in verdict.rows)})"
        )
        print(f"\n{text('cli.validate.invoice', lang)} {name}", file=out)
        for item in verdict.errors:
            print(f"  ✗ [{item.code}] {item.message}", file=out)
        for item in verdict.warnings:
            print(f"  ! [{item.code}] {item.message} ({text('cli.validate.warning', lang)})", file=out)
        if verdict.invoice is not None:
            for field, value in verdict.invoice.filled_in.items():
                print(f"  + {field} = {value} ({text('cli.validate.filled', lang)})", file=out)
    print(file=out)
    print(text("cli.validate.summary", lang, **summary.model_dump()), file=out)
