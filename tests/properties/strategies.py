"""Hypothesis strategies for accounting exports over every column of docs/export-format.md.

- :func:`valid_invoices` draws one invoice (its rows, canonical column -> value) that validation should
  accept, for one supplier: invoices and credit notes, frameworks A1, A2, A9 and A12, every VAT rate,
  exemptions and cross-border treatments, several lines with discounts and units, long and non-ASCII
  texts, several currencies, optional columns present and absent.
- :func:`malformed_rows` draws rows of arbitrary text or near-miss values in any column.
- :func:`dialects` draws how an ERP writes the file: separator, decimal comma or point, thousands
  separators, date style, encoding, quoting, and canonical or mapped (French) headers.
- :func:`write_export` turns rows and a dialect into the file's bytes, as such an ERP would.

The parties are the sandbox's default directory (``chorusflow_dev/sandbox/default_directory.yaml``)
and the suppliers of ``examples/several-suppliers/config``, so that an accepted invoice is one the
sandbox can take too.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from chorusflow.exports.columns import CANONICAL_COLUMNS, LINE_COLUMNS, REQUIRED_COLUMNS
from chorusflow.suppliers import SupplierIdentity, Suppliers, load_supplier, load_suppliers
from chorusflow_dev.testing import COMMUNE, COMMUNE_NAME

REPO = Path(__file__).resolve().parents[2]
SEVERAL_SUPPLIERS = REPO / "examples" / "several-suppliers" / "config"
FR_MAPPING = REPO / "include" / "config" / "mappings" / "fr.yaml"
#: The day validation is run as of (``validate_export(today=...)``): every issue date is before it.
TODAY = date(2026, 12, 1)

Row = dict[str, str]
CENT = Decimal("0.01")

# --- Parties -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """A buyer of the sandbox's default directory and what its deposits need."""

    siret: str
    name: str
    services: tuple[str, ...] = ()  # service codes to choose from; empty: none needed
    service_required: bool = False
    engagement: Callable[[Decimal], bool] | None = None  # unused: engagement rules are below
    engagement_required: bool = False
    engagement_digits: int | None = None  # a buyer profile's pattern (IFPEN: 10 digits)


BUYERS: tuple[Buyer, ...] = (
    Buyer(COMMUNE, COMMUNE_NAME),
    # IFPEN (buyer profile include/config/buyers/ifpen.yaml): the profile fills the service code in.
    Buyer("77572915500017", "IFP Energies nouvelles (IFPEN)", engagement_digits=10),
    Buyer("26990001500018", "Centre hospitalier de Démoville", engagement_required=True),
    Buyer("11000001500013", "Ministère de la Démonstration", services=("SERV_FIN",), service_required=True),
    Buyer(
        "19990000200015",
        "Université de Démoville",
        services=("UFR_SCIENCES", "UFR_LETTRES", "UFR_DROIT", "IUT", "BIBLIOTHEQUE", "SPORTS"),
        service_required=True,
    ),
)
# The default supplier's second bank account in the sandbox's directory, written as an ERP spaces it.
SECOND_IBAN = "FR76 3000 4000 0100 0987 6543 240"
# SIRETs with a valid Luhn key for the validator of A9 / A12 invoices (main contractors).
VALIDATORS = ("45218801400016", "77572915500017", "21990001600011")

# Reasons a French supplier gives for a 0 % line; the cross-border treatments bring their own mention.
EXEMPTION_REASONS = (
    "TVA non applicable, art. 293 B du CGI",
    "Exonération de TVA, article 261 4 4° du CGI",
    "Exonération de TVA, article 262 ter, I du CGI",
    "Exonération de TVA, article 262 I du CGI",
)
STANDARD_RATES = ("2.1", "5.5", "10", "20", "0.9", "13", "1.05", "1.75", "8.5")
UNITS = ("h", "kWh", "forfait", "jour", "m²", "unité", "lot", "mois", "km", "t")
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "CHF", "GBP", "XPF", "JPY")
PAYMENT_MEANS = ("VIREMENT", "CHEQUE", "PRELEVEMENT", "ESPECE", "AUTRE", "REPORT")
NATURES = {
    "goods": ("goods", "biens", "Livraison de biens", "B"),
    "services": ("services", "prestations de services", "S", " Services "),
    "mixed": ("mixed", "mixte", "both", "les deux", "M"),
}


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@cache
def several_suppliers() -> Suppliers:
    """The suppliers of ``examples/several-suppliers/config`` (French, German, Swiss)."""
    with _environment(CHORUSFLOW_SUPPLIERS_DIR=str(SEVERAL_SUPPLIERS / "suppliers")):
        return load_suppliers()


@cache
def default_supplier() -> SupplierIdentity:
    """The supplier of ``include/config/supplier.yaml`` (the sandbox's technical account)."""
    return load_supplier()


def supplier_by_id(supplier_id: str) -> SupplierIdentity:
    """``default`` (include/config) or an id of :func:`several_suppliers`."""
    if supplier_id == "default":
        return default_supplier()
    found = several_suppliers().by_id(supplier_id)
    assert found is not None, supplier_id
    return found


SUPPLIER_IDS = ("default", "acme_lyon", "rheinwerk", "alpenlicht")

# --- Texts ---------------------------------------------------------------------------------------

# Letters an accountant types: French accents, ligatures, other scripts, symbols, typographic quotes.
_SPECIALS = "éèêëàâäîïôöùûüçÉÈÀÇŒœÆæ'’«» €&%°-–—()/.,:;#+*=@ßøåñÑłŁ中文日本ΩΔπ→✓\u00a0\u202f"


def _encodable(encoding: str) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            return False
        return True

    return check


def free_text(
    encoding: str, max_size: int, *, min_size: int = 1, newlines: bool = False
) -> st.SearchStrategy[str]:
    """A text an ERP could hold (never blank, no control character), encodable in ``encoding``.

    Mostly short words; sometimes a long text up to ``max_size`` characters.
    """
    characters = st.characters(
        categories=("L", "N", "P", "S", "Zs"),
        exclude_characters="\x85\u2028\u2029",
    ) | st.sampled_from(_SPECIALS + ("\n" if newlines else ""))
    words = st.text(characters, min_size=min_size, max_size=max_size)
    short = st.sampled_from(
        (
            "Maintenance éclairage public",
            "Prestation de conseil",
            "Fourniture de capteurs",
            "Œuvre d'art « Été »",
        )
    )
    long = st.integers(min_value=max(1, max_size - 20), max_value=max_size).map(
        lambda size: ("Désignation très longue — " * 40)[:size]
    )
    return (
        st.one_of(short, words, long)
        .map(lambda text: text.strip())
        .filter(lambda text: len(text) >= min_size and _encodable(encoding)(text))
    )


# --- Numbers and dates as an ERP writes them -----------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How one ERP writes its export."""

    separator: str = ";"
    decimal_comma: bool = True
    thousands: str = ""  # "", " ", "\u00a0", "\u202f", or the other mark ("." with a comma, "," with a point)
    french_dates: bool = False  # DD/MM/YYYY rather than YYYY-MM-DD
    encoding: str = "utf-8"  # utf-8, utf-8-sig (BOM), cp1252, utf-16
    quote_all: bool = False
    line_ending: str = "\r\n"
    # canonical; upper (case and "_" as space); fr (found through the shipped fr.yaml mapping); custom
    # (the ERP's own names, with the mapping file CUSTOM_MAPPING given as --mapping)
    headers: str = "canonical"
    blank_lines: bool = False  # blank lines and the header repeated inside the file

    def number(self, value: Decimal, *, places: int | None = None) -> str:
        """``value`` as this ERP prints it (``places``: fixed decimals, else as many as it has)."""
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        text = f"{abs(value):f}"
        whole, _, fraction = text.partition(".")
        grouped = whole
        # A dot or comma as thousands separator is unambiguous only with decimals behind it.
        if self.thousands and (self.thousands not in ".," or fraction):
            groups: list[str] = []
            while len(whole) > 3:
                groups.insert(0, whole[-3:])
                whole = whole[:-3]
            grouped = self.thousands.join([whole, *groups])
        mark = "," if self.decimal_comma else "."
        return ("-" if sign and value else "") + grouped + (mark + fraction if fraction else "")

    def day(self, value: date) -> str:
        return value.strftime("%d/%m/%Y") if self.french_dates else value.isoformat()


@st.composite
def dialects(draw: st.DrawFn) -> Dialect:
    """Any dialect the reader supports (docs/export-format.md, "What is read, and how")."""
    decimal_comma = draw(st.booleans())
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "utf-16")))
    spaces = ("", "", " ", "\u00a0", "\u202f" if encoding != "cp1252" else " ")
    thousands = draw(st.sampled_from((*spaces, "." if decimal_comma else ",")))
    return Dialect(
        separator=draw(st.sampled_from((";", ",", "\t"))),
        decimal_comma=decimal_comma,
        thousands=thousands,
        french_dates=draw(st.booleans()),
        encoding=encoding,
        quote_all=draw(st.booleans()),
        line_ending=draw(st.sampled_from(("\r\n", "\n"))),
        headers=draw(st.sampled_from(("canonical", "upper", "fr", "custom"))),
        blank_lines=draw(st.booleans()),
    )


def quantities() -> st.SearchStrategy[Decimal]:
    """Positive quantities, whole or with up to 4 decimals, up to a million."""
    return st.one_of(
        st.integers(min_value=1, max_value=20).map(Decimal),
        st.integers(min_value=1, max_value=1_000_000_0000).map(lambda n: Decimal(n).scaleb(-4).normalize()),
        st.sampled_from((Decimal("6.5"), Decimal("0.25"), Decimal("12500"), Decimal("1.333"))),
    ).filter(lambda value: value > 0)


def unit_prices() -> st.SearchStrategy[Decimal]:
    """Unit prices excl. VAT, 2 to 4 decimals, from a cent to a million."""
    return st.one_of(
        st.integers(min_value=1, max_value=100_000_000).map(lambda n: Decimal(n).scaleb(-2)),
        st.integers(min_value=1, max_value=100_000_000).map(lambda n: Decimal(n).scaleb(-4)),
    )


def dates_before(today: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=today - timedelta(days=700), max_value=today)


# --- Valid invoices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    rate: Decimal
    unit: str = ""
    discount: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return (self.quantity * self.unit_price - self.discount).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class GeneratedInvoice:
    """An invoice as drawn: its canonical rows (values in canonical form) and its supplier's id."""

    supplier_id: str
    rows: tuple[Row, ...]
    lines: tuple[Line, ...]

    @property
    def number(self) -> str:
        return self.rows[0]["invoice_number"]


def _totals(lines: Sequence[Line]) -> tuple[Decimal, Decimal]:
    ht = sum((line.net for line in lines), Decimal(0))
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.rate] = bases.get(line.rate, Decimal(0)) + line.net
    vat = sum(((base * rate / 100).quantize(CENT, ROUND_HALF_UP) for rate, base in bases.items()), Decimal(0))
    return ht, vat


_NUMBER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/+"


def invoice_numbers() -> st.SearchStrategy[str]:
    """Numbers Chorus Pro takes (≤ 20 of ``A-Z a-z 0-9 - _ / +``) that are not dates."""
    return st.one_of(
        st.integers(min_value=1, max_value=99999).map(lambda n: f"F2026-{n:05d}"),
        st.text(_NUMBER_CHARS, min_size=1, max_size=20).filter(lambda s: not s.replace("-", "").isdigit()),
    )


@st.composite
def valid_invoices(
    draw: st.DrawFn, supplier_id: str | None = None, encoding: str = "utf-8", number: str | None = None
) -> GeneratedInvoice:
    """One invoice that validation should accept, issued by ``supplier_id`` (drawn when None)."""
    supplier_id = supplier_id or draw(st.sampled_from(SUPPLIER_IDS))
    supplier = supplier_by_id(supplier_id)
    text = lambda limit, **kw: free_text(encoding, limit, **kw)  # noqa: E731
    buyer = draw(st.sampled_from(BUYERS))
    kind = draw(st.sampled_from(("FACTURE", "FACTURE", "AVOIR")))
    framework = draw(st.sampled_from(("A1", "A1", "A2", "A9", "A12")))
    issue = draw(dates_before(TODAY))
    due = issue + timedelta(days=draw(st.integers(min_value=0, max_value=90)))
    nature = draw(st.sampled_from((*NATURES, None)))

    # VAT: a French supplier charges French VAT or states an exemption; a foreign one uses a treatment.
    treatment = "standard"
    if not supplier.french:
        choices = ["reverse_charge"] if nature != "goods" else []
        if nature != "services":
            choices.append("intra_eu_goods" if supplier.in_eu else "import")
            choices.append("export")
        treatment = draw(st.sampled_from(choices))
    elif nature != "services":
        treatment = draw(st.sampled_from(("standard", "standard", "standard", "export")))
    if treatment != "standard":
        rates = [Decimal(0)]
    else:
        rates = draw(st.lists(st.sampled_from(("0", *STANDARD_RATES)), min_size=1, max_size=3, unique=True))
        rates = [Decimal(rate) for rate in rates]

    line_count = draw(st.integers(min_value=1, max_value=6))
    lines = []
    for index in range(line_count):
        quantity = draw(quantities())
        price = draw(unit_prices())
        gross = (quantity * price).quantize(CENT, ROUND_HALF_UP)
        discount = Decimal(0)
        if gross > CENT and draw(st.integers(0, 3)) == 0:
            discount = Decimal(draw(st.integers(min_value=1, max_value=int(gross * 100) - 1))).scaleb(-2)
        lines.append(
            Line(
                description=draw(text(512)),
                quantity=quantity,
                unit_price=price,
                rate=rates[index % len(rates)] if index < len(rates) else draw(st.sampled_from(rates)),
                unit=draw(st.sampled_from(("", *UNITS))),
                discount=discount,
            )
        )
    ht, vat = _totals(lines)

    header: Row = {
        "invoice_number": number or draw(invoice_numbers()),
        "issue_date": issue.isoformat(),
        "due_date": due.isoformat(),
        "buyer_siret": buyer.siret,
    }
    optional: Row = {}
    optional["invoice_type"] = kind
    if draw(st.booleans()):
        optional["delivery_date"] = (issue - timedelta(days=draw(st.integers(0, 60)))).isoformat()
    currency = draw(st.sampled_from(CURRENCIES))
    optional["currency"] = currency
    optional["buyer_name"] = draw(st.sampled_from((buyer.name, "")) | text(200))
    optional["buyer_address"] = draw(
        st.sampled_from(("", "1 place de la Mairie\n99999 Démoville", "Hôtel de ville, 99000 Démoville"))
        | text(500, newlines=True)
    )
    optional["delivery_address"] = draw(
        st.sampled_from(
            ("", "", "12 rue de la Paix, 75002 Paris", "Chantier n° 4\n4 rue des Écoles\n99999 Démoville")
        )
    )
    if nature is not None:
        optional["operation_nature"] = draw(st.sampled_from(NATURES[nature]))
    service = draw(st.sampled_from(buyer.services)) if buyer.services else ""
    if not buyer.service_required and draw(st.booleans()):
        service = ""
    optional["service_code"] = service
    engagement = ""
    if buyer.engagement_digits:
        engagement = draw(
            st.sampled_from(("", draw(st.from_regex(rf"\A[0-9]{{{buyer.engagement_digits}}}\Z"))))
        )
    elif buyer.engagement_required or draw(st.booleans()):
        engagement = draw(st.from_regex(r"\A[A-Z0-9][A-Z0-9-]{0,49}\Z"))
    optional["engagement_number"] = engagement
    optional["market_number"] = draw(st.sampled_from(("", "MAPA-2026-17", "M" * 50)))
    optional["billing_framework"] = framework
    optional["validator_siret"] = draw(st.sampled_from(VALIDATORS)) if framework in ("A9", "A12") else ""
    if kind == "AVOIR":
        optional["original_invoice_number"] = draw(invoice_numbers())
        optional["payment_means"] = ""
    else:
        optional["payment_means"] = draw(st.sampled_from(("", *PAYMENT_MEANS)))
    if supplier.iban and draw(st.booleans()):
        # Its main account, or (the default supplier) its second one registered on Chorus Pro, spaced.
        ibans = [supplier.iban] + ([SECOND_IBAN] if supplier_id == "default" else [])
        optional["supplier_iban"] = draw(st.sampled_from(ibans))
    if Decimal(0) in rates and treatment == "standard":
        optional["vat_exemption_reason"] = draw(st.sampled_from(EXEMPTION_REASONS))
    if treatment != "standard" or draw(st.booleans()):
        optional["vat_treatment"] = treatment
    if treatment in ("reverse_charge", "intra_eu_goods"):
        optional["buyer_vat_number"] = _buyer_vat_number(buyer.siret)
    if currency != "EUR" and vat:
        optional["total_vat_eur"] = f"{vat:.2f}"  # any rate of exchange: printed, never checked
    if draw(st.booleans()):
        optional["comment"] = draw(text(2000, newlines=True))
    if supplier_id != "default":
        optional["supplier"] = draw(
            st.sampled_from((supplier.id, supplier.structure_identifier)) if supplier.id else st.just("")
        )
    give_totals = draw(st.booleans())
    if give_totals:
        optional["total_ht"] = f"{ht:.2f}"
        optional["total_vat"] = f"{vat:.2f}"
        optional["total_ttc"] = f"{ht + vat:.2f}"
    # Optional columns present and absent: keep a drawn subset of the empty ones as empty cells.
    present = {name: value for name, value in optional.items() if value or draw(st.booleans())}

    rows = []
    for line in lines:
        row = {**header, **present}
        row["line_description"] = line.description
        row["quantity"] = f"{line.quantity:f}"
        row["unit_price"] = f"{line.unit_price:f}"
        row["vat_rate"] = f"{line.rate:f}"
        if line.unit:
            row["line_unit"] = line.unit
        if line.discount:
            row["line_discount"] = f"{line.discount:f}"
        if give_totals:
            row["line_net_amount"] = f"{line.net:f}"
        rows.append(row)
    return GeneratedInvoice(supplier_id, tuple(rows), tuple(lines))


def _buyer_vat_number(siret: str) -> str:
    """The French VAT number of a SIREN: FR + key + SIREN (key = (12 + 3 × (SIREN mod 97)) mod 97)."""
    siren = int(siret[:9])
    return f"FR{(12 + 3 * (siren % 97)) % 97:02d}{siret[:9]}"


@st.composite
def valid_exports(
    draw: st.DrawFn, supplier_id: str | None = None, max_invoices: int = 4
) -> tuple[Dialect, list[GeneratedInvoice]]:
    """A dialect and several valid invoices of one supplier, with distinct numbers."""
    dialect = draw(dialects())
    supplier_id = supplier_id or draw(st.sampled_from(SUPPLIER_IDS))
    count = draw(st.integers(min_value=1, max_value=max_invoices))
    numbers = draw(st.lists(invoice_numbers(), min_size=count, max_size=count, unique_by=str.upper))
    invoices = [draw(valid_invoices(supplier_id, dialect.encoding, number)) for number in numbers]
    return dialect, invoices


# --- Arbitrary and malformed rows ----------------------------------------------------------------

_NEAR_MISSES: dict[str, tuple[str, ...]] = {
    "invoice_number": ("", "F 2026/001*", "X" * 21, "2026-11-02", "20261102", '=HYPERLINK("x")'),
    "issue_date": ("", "31/02/2026", "2026-13-01", "11/02/26", "2099-01-01", "demain"),
    "due_date": ("", "2000-01-01", "1/1/2026", "2026-02-30"),
    "delivery_date": ("", "2099-12-31", "hier"),
    "buyer_siret": ("", "12345678901234", "775 729 155 00017", "7757291550001", "AB"),
    "quantity": ("", "-1", "0", "NaN", "1e3", "Infinity", "(12,50)", "12,50-", "1.234,5", "douze"),
    "unit_price": ("", "-0,01", "0", "1 234,56", "1,234.56", "inf", "€12"),
    "vat_rate": ("", "19,6", "7", "-20", "20%", "abc", "100"),
    "invoice_type": ("", "facture", "AVOIR", "DEVIS"),
    "currency": ("", "EURO", "usd", "XXX", "€"),
    "billing_framework": ("", "A3", "A9", "A12_FACTURE_COTRAITANT", "B1"),
    "validator_siret": ("", "12345678901234", "452 188 014 00016"),
    "payment_means": ("", "CB", "virement", "CHEQUE"),
    "supplier_iban": ("", "FR7630006000011234567890188", "DE89370400440532013000", "XX"),
    "operation_nature": ("", "truc", "MIXTE", "B", "s"),
    "delivery_address": ("", "voir bon", "Paris", "75001 Paris"),
    "vat_treatment": ("", "reverse charge", "intra-eu-goods", "export", "import", "bogus"),
    "buyer_vat_number": ("", "FR00123456789", "DE291838473"),
    "line_discount": ("", "-5", "999999999", "abc"),
    "line_net_amount": ("", "1", "-1"),
    "total_ht": ("", "0", "1"),
    "total_vat": ("", "0", "x"),
    "total_ttc": ("", "0", "12.345,67"),
    "attachment": ("", "../secret.pdf", "/etc/passwd", "missing.pdf", "a" * 60 + ".pdf"),
    "supplier": ("", "rheinwerk", "unknown", "DE291838473", "45218801400016"),
    "original_invoice_number": ("", "F-1", "X" * 51),
    "total_vat_eur": ("", "12,00", "abc"),
}


def _cell(column: str, encoding: str) -> st.SearchStrategy[str]:
    near = st.sampled_from(_NEAR_MISSES.get(column, ("",)))
    return st.one_of(near, near, free_text(encoding, 600, min_size=0, newlines=True))


@st.composite
def malformed_rows(draw: st.DrawFn, encoding: str = "utf-8") -> Row:
    """A row of arbitrary or near-miss cells in any subset of the columns."""
    columns = draw(st.lists(st.sampled_from(CANONICAL_COLUMNS), unique=True, max_size=12))
    return {column: draw(_cell(column, encoding)) for column in columns}


@st.composite
def mixed_exports(draw: st.DrawFn, max_invoices: int = 4) -> tuple[Dialect, list[Row]]:
    """A dialect and rows mixing valid invoices with malformed rows and mutated valid rows."""
    dialect = draw(dialects())
    rows: list[Row] = []
    for _ in range(draw(st.integers(min_value=0, max_value=max_invoices))):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            rows.append(draw(malformed_rows(dialect.encoding)))
            continue
        invoice = draw(valid_invoices(None, dialect.encoding))
        for row in invoice.rows:
            if choice == 2:  # one cell made wrong
                column = draw(st.sampled_from(sorted(set(row) | set(_NEAR_MISSES))))
                row = {**row, column: draw(_cell(column, dialect.encoding))}
            rows.append(row)
    return dialect, rows


# --- Writing the file ----------------------------------------------------------------------------

_FR_HEADERS = {
    "invoice_number": "Numéro de facture",
    "issue_date": "Date de facture",
    "due_date": "Date d'échéance",
    "buyer_siret": "SIRET client",
    "line_description": "Désignation",
    "quantity": "Quantité",
    "unit_price": "PU HT",
    "vat_rate": "Taux TVA",
    "invoice_type": "Type de pièce",
    "delivery_date": "Date de livraison",
    "currency": "Devise",
    "buyer_name": "Client",
    "service_code": "Code service",
    "engagement_number": "N° engagement",
    "line_discount": "Remise HT",
    "total_ttc": "Total TTC",
    "comment": "Observations",
    "delivery_address": "Adresse de livraison",
    "operation_nature": "Nature de l'opération",
}
_DATE_COLUMNS = frozenset({"issue_date", "due_date", "delivery_date"})
_AMOUNT_COLUMNS = frozenset(
    {"unit_price", "line_discount", "line_net_amount", "total_ht", "total_vat", "total_ttc", "total_vat_eur"}
)
_NUMBER_COLUMNS = _AMOUNT_COLUMNS | {"quantity", "vat_rate"}


def _custom_header(column: str) -> str:
    return f"Zone {CANONICAL_COLUMNS.index(column) + 1:02d}"


#: The mapping file of the ``custom`` headers (``validate_export(mapping=...)``, ``--mapping``).
CUSTOM_MAPPING = "columns:\n" + "".join(f'  {name}: "{_custom_header(name)}"\n' for name in CANONICAL_COLUMNS)


def header_for(column: str, dialect: Dialect) -> str:
    """The header an ERP of ``dialect`` gives ``column``."""
    if dialect.headers == "fr" and column in _FR_HEADERS:
        return _FR_HEADERS[column]
    if dialect.headers == "custom":
        return _custom_header(column)
    if dialect.headers == "upper":
        return f" {column.replace('_', ' ').upper()} "
    return column


def _written(column: str, value: str, dialect: Dialect) -> str:
    """A canonical value (ISO date, ``Decimal`` text) as ``dialect`` writes it; anything else as is."""
    if not value:
        return value
    if column in _DATE_COLUMNS:
        try:
            return dialect.day(date.fromisoformat(value))
        except ValueError:
            return value
    if column in _NUMBER_COLUMNS:
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        if not number.is_finite() or "e" in value.lower():
            return value
        return dialect.number(number)
    if column == "buyer_siret" and value.isdigit() and dialect.french_dates:
        return f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}"  # spaces are ignored
    return value


def export_columns(rows: Sequence[Mapping[str, str]]) -> list[str]:
    """The columns of ``rows``: every required one, then the others in canonical order."""
    seen = {name for row in rows for name in row}
    return [name for name in CANONICAL_COLUMNS if name in REQUIRED_COLUMNS or name in seen]


def write_export(rows: Sequence[Mapping[str, str]], dialect: Dialect) -> bytes:
    """The export's bytes: ``rows`` (canonical values) written the way ``dialect`` says."""
    columns = export_columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=dialect.separator,
        lineterminator=dialect.line_ending,
        quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
    )
    header = [header_for(column, dialect) for column in columns]
    if dialect.blank_lines:
        buffer.write(dialect.line_ending)
    writer.writerow(header)
    for index, row in enumerate(rows):
        writer.writerow([_written(column, row.get(column, ""), dialect) for column in columns])
        if dialect.blank_lines and index == 0:
            buffer.write(dialect.line_ending + dialect.separator * 3 + dialect.line_ending)
            writer.writerow(header)  # a concatenated export repeats its header
    return buffer.getvalue().encode(dialect.encoding)


def data_row_count(rows: Sequence[Mapping[str, str]]) -> int:
    """How many data rows the file of ``rows`` has (a blank row is skipped by the reader)."""
    columns = export_columns(rows)
    return sum(1 for row in rows if any(row.get(column, "").strip() for column in columns))


def invoice_rows(invoices: Sequence[GeneratedInvoice]) -> list[Row]:
    return [row for invoice in invoices for row in invoice.rows]


def line_columns() -> frozenset[str]:
    return LINE_COLUMNS
