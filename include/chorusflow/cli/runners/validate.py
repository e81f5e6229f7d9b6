"""What ``chorusflow validate`` does once its arguments are parsed (:mod:`chorusflow.cli.validate`)."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from chorusflow.facturx.export import with_facturx_checks
from chorusflow.messages import language, text
from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig
from chorusflow.platforms.chorus_pro.config import connection_variable
from chorusflow.rules.directory import BuyerDirectory, ChorusDirectory
from chorusflow.rules.engine import InvoiceVerdict
from chorusflow.rules.profiles import no_profiles_notice
from chorusflow.rules.validate import BytesSink, RoutedReport, validate_export, validate_routed_export
from chorusflow.settings import settings
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_supplier, load_suppliers

_Printer = Callable[[Any, str, TextIO], None]  # the text report of a report, in a language, to a stream

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def _directory() -> Any:
    """A cached directory reading Chorus Pro through ``AIRFLOW_CONN_CHORUS_PRO``."""
    return ChorusDirectory(ChorusProClient(ChorusProConfig.from_env()))


def _supplier(name: str | None) -> Any:
    """The supplier to validate as: ``--supplier`` (id or identifier), else the default one."""
    if name is None:
        return load_supplier()
    found = load_suppliers().find(name)
    if found is None:
        raise KeyError(name)
    return found


def _several_suppliers() -> Suppliers | None:
    """The deployment's suppliers when there are several; None for one (or an unreadable
    configuration, which the one-supplier path reports as it always has)."""
    try:
        suppliers = load_suppliers()
    except ValueError:
        return None
    return suppliers if suppliers.several else None


def run(args: argparse.Namespace) -> int:
    """Validate ``args.export`` and print the report; return the exit code."""
    lang = language(args.lang)
    _warn_without_profiles(lang)
    if args.supplier is None:
        suppliers = _several_suppliers()
        if suppliers is not None:
            return _run_routed(args, suppliers, lang)
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
            report = with_facturx_checks(report, lang)
    except Exception as error:  # the last safety net: never a traceback for a user
        print(text("cli.validate.internal", lang, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    failed = _written(report, args, lang, _print_text)
    if failed is not None:
        return failed
    return EXIT_VALID if all(verdict.valid for verdict in report.invoices) else EXIT_INVALID


def _warn_without_profiles(lang: str) -> None:
    """Say on stderr when the configuration holds no buyer profile: each buyer's own rules are off."""
    try:
        notice = no_profiles_notice(lang)
    except OSError:  # an unreadable folder: validation reports it as it reads the profiles
        return
    if notice:
        print(f"! {notice}", file=sys.stderr)


class _NoConnection(Exception):
    """A supplier's connection is missing or malformed (the message names its variable)."""


class _Directories:
    """Each supplier's buyer directory, read through its own connection ``AIRFLOW_CONN_<ID>``, as
    the DAG reads each supplier's buyers with its technical account; one client per connection."""

    def __init__(self) -> None:
        self.clients: dict[str, ChorusProClient] = {}
        self._directories: dict[str, BuyerDirectory] = {}

    def __call__(self, supplier: SupplierIdentity) -> BuyerDirectory:
        connection = supplier.connection_id
        if connection not in self._directories:
            try:
                client = ChorusProClient(ChorusProConfig.from_env(connection_variable(connection)))
            except Exception as error:  # missing or malformed connection: a clear message, no traceback
                raise _NoConnection(_short(error)) from None
            self.clients[connection] = client
            self._directories[connection] = ChorusDirectory(client)
        return self._directories[connection]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _run_routed(args: argparse.Namespace, suppliers: Suppliers, lang: str) -> int:
    """Validate ``args.export`` routed to its suppliers as the DAG routes it, and print the report."""
    directories = None if args.offline else _Directories()
    try:
        report = validate_routed_export(
            args.export,
            suppliers,
            folder_supplier=_folder_supplier(args.export, suppliers),
            mapping=args.mapping,
            directories=directories,
            lang=lang,
        )
        if args.facturx and not report.file_errors:
            report = report.with_reports(lambda part: with_facturx_checks(part, lang))
    except _NoConnection as error:
        print(text("cli.validate.no_connection", lang, detail=str(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as error:  # the last safety net: never a traceback for a user
        print(text("cli.validate.internal", lang, detail=_short(error)), file=sys.stderr)
        return EXIT_UNREADABLE
    finally:
        if directories is not None:
            directories.close()
    failed = _written(report, args, lang, _print_routed_text)
    if failed is not None:
        return failed
    return EXIT_VALID if report.summary.invalid == 0 else EXIT_INVALID


def _folder_supplier(export: Path, suppliers: Suppliers) -> SupplierIdentity | None:
    """The supplier whose inbox folder holds ``export`` (``<inbox>/<supplier id>/``), as the DAG gives
    it the exports it finds there; None for a file elsewhere or a remote inbox."""
    inbox = settings().inbox or str(settings().home / "inbox")
    if "://" in inbox:
        return None
    folder = export.resolve().parent
    return suppliers.by_id(folder.name) if folder.parent == Path(inbox).resolve() else None


def _written(report: Any, args: argparse.Namespace, lang: str, printer: _Printer) -> int | None:
    """Write the report; the exit code when the output failed or the file was refused, else None."""
    try:
        _write_report(report, args, lang, printer)
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
    return None


def _short(error: BaseException) -> str:
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first_line[:300]}" if first_line else type(error).__name__


def _write_report(report: Any, args: argparse.Namespace, lang: str, printer: _Printer) -> None:
    """The JSON document or the text report (``printer``), to ``args.output`` or stdout."""
    if args.json:
        with _binary_output(args.output) as out:
            report.write_json(out)
            out.write(b"\n")
    elif args.output is not None:
        with args.output.open("w", encoding="utf-8") as out:
            printer(report, lang, out)
    else:
        printer(report, lang, sys.stdout)


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
    _print_verdicts(report.invoices, lang, out)
    print(file=out)
    print(text("cli.validate.summary", lang, **summary.model_dump()), file=out)


def _print_routed_text(report: RoutedReport, lang: str, out: TextIO) -> None:
    """Each supplier's invoices that need a look, named with their supplier; the refusals; the counts
    of each supplier and the total."""
    if report.file_errors:
        return  # as above
    if report.summary.offline:
        print(text("cli.validate.offline", lang), file=out)
    for part in report.parts:
        _print_verdicts(part.report.invoices, lang, out, part.supplier.id)
    if report.refusals:
        print(f"\n{text('cli.validate.refused', lang)}", file=out)
        for item in report.refused:
            print(f"  ✗ [{item.code}] {item.message}", file=out)
    print(file=out)
    for part in report.parts:
        counts = text("cli.validate.summary", lang, **part.report.summary.model_dump())
        line = text(
            "cli.validate.supplier_summary",
            lang,
            supplier=part.supplier.id,
            name=part.supplier.name,
            summary=counts,
        )
        print(line, file=out)
    print(text("cli.validate.total", lang, **report.summary.model_dump()), file=out)


def _print_verdicts(
    verdicts: list[InvoiceVerdict], lang: str, out: TextIO, supplier_id: str | None = None
) -> None:
    """The invoices that are invalid or warned about, with their findings (and their supplier)."""
    for verdict in verdicts:
        if verdict.valid and not verdict.warnings:
            continue
        name = (
            verdict.invoice_number
            or f"({text('cli.validate.row', lang)} {', '.join(str(row) for row in verdict.rows)})"
        )
        if supplier_id is not None:
            name = f"{name} ({text('cli.validate.of_supplier', lang, supplier=supplier_id)})"
        print(f"\n{text('cli.validate.invoice', lang)} {name}", file=out)
        for item in verdict.errors:
            print(f"  ✗ [{item.code}] {item.message}", file=out)
        for item in verdict.warnings:
            print(f"  ! [{item.code}] {item.message} ({text('cli.validate.warning', lang)})", file=out)
        if verdict.invoice is not None:
            for field, value in verdict.invoice.filled_in.items():
                print(f"  + {field} = {value} ({text('cli.validate.filled', lang)})", file=out)
