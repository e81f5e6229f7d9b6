"""Factur-X (EN 16931) files: built from a validated invoice, checked before any deposit.

- :func:`build_cii` — the CII XML in the Factur-X EN 16931 profile (``facturx.cii``);
- :func:`build_facturx` — that XML embedded in a PDF/A-3 (``facturx.pdfa``);
- :func:`check_facturx` — XSD, EN 16931 and French schematrons, PDF/A-3 sanity: the findings of one
  file, an empty list when it is conformant (``facturx.check``);
- :func:`check_facturx_many` — the same findings for many files, the schematrons spread over one
  child process per core.

docs/facturx.md describes the file and the checks. The names re-exported here import lxml, pikepdf
and the ``factur-x`` library only when called, so importing the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chorusflow.invoice import Invoice
    from chorusflow.rules.codes import Finding
    from chorusflow.suppliers import SupplierIdentity

__all__ = ["build_cii", "build_facturx", "check_facturx", "check_facturx_many"]


def build_cii(invoice: Invoice, supplier: SupplierIdentity) -> bytes:
    """The CII XML (Factur-X EN 16931 profile) of ``invoice`` issued by ``supplier``."""
    # lxml, pikepdf and factur-x on the first call: importing the package stays light
    from chorusflow.facturx.cii import build_cii as build

    return build(invoice, supplier)


def build_facturx(invoice: Invoice, supplier: SupplierIdentity, pdf: bytes | None = None) -> bytes:
    """The Factur-X PDF/A-3 of ``invoice``: ``pdf`` (the ERP's, already PDF/A) or chorusflow's render."""
    # lxml, pikepdf and factur-x on the first call: importing the package stays light
    from chorusflow.facturx.pdfa import build_facturx as build

    return build(invoice, supplier, pdf)


def check_facturx(data: bytes, *, lang: str | None = None) -> list[Finding]:
    """The findings of a Factur-X PDF or a CII XML: empty when the file is conformant.

    Messages in ``lang`` (default ``CHORUSFLOW_LANG``). The schematrons run in this process's saxonche
    child, started on the first call and reused.
    """
    # lxml, pikepdf and factur-x on the first call: importing the package stays light
    from chorusflow.facturx.check import check_facturx as check

    return check(data, lang=lang)


def check_facturx_many(files: Iterable[bytes], *, lang: str | None = None) -> list[list[Finding]]:
    """:func:`check_facturx` of each file, in order, the schematrons run by this process's pool of
    saxonche children (one per core, started as needed and reused)."""
    # lxml, pikepdf and factur-x on the first call: importing the package stays light
    from chorusflow.facturx.check import check_facturx_many as check_many

    return check_many(files, lang=lang)
