"""``render_invoice_pdf``: the invoice PDF deposited through Chorus Pro's ``DEPOT_PDF_API`` channel.

A plain A4 PDF drawn by reportlab with the standard Helvetica fonts (no font file, no system
package). It carries every mandatory mention of art. L441-9 Code de commerce and art. 242 nonies A
annexe II CGI, the 2026 reform's mentions and the public buyer's references; docs/invoice-pdf.md
says where each one comes from. The same invoice always gives the same bytes: reportlab's invariant
mode, the issue date as creation date, no random identifier.

Speed: reportlab runs in pure Python here (its C accelerator is a separate package). Its
paragraphs and tables are its slow parts, so the fixed blocks are placed text
(``documents.layout``) and the only table is the lines table, which needs the page splitting and
the repeated header; its cells are plain text wrapped here, never paragraphs.
"""

from __future__ import annotations

import io
from datetime import date
from functools import partial
from typing import Any, NamedTuple

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer, Table

from chorusflow.documents import labels, layout
from chorusflow.documents.labels import PdfLanguage, colon, label, legal
from chorusflow.documents.layout import Block, GridStyle
from chorusflow.documents.text import NBSP, amount, day, number, price, printable, rate
from chorusflow.invoice import Invoice, InvoiceLine
from chorusflow.messages import LANGUAGES, REGISTRY, normalise, text
from chorusflow.suppliers import SupplierIdentity

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
BOTTOM_MARGIN = 18 * mm  # the footer goes below
WIDTH = PAGE_WIDTH - 2 * MARGIN
RIGHT_COLUMN = WIDTH * 0.55  # where the right-hand blocks (dates, delivery address) start
RIGHT_WIDTH = WIDTH - RIGHT_COLUMN
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE = 8.5
PADDING = 3  # points left and right of a table cell
MIN_DESCRIPTION_WIDTH = 110  # points; number columns squeeze it no further (only absurd amounts would)
MAX_UNIT_WIDTH = 60  # a longer unit wraps
GRID = colors.Color(0.6, 0.6, 0.6)
SHADE = colors.Color(0.92, 0.92, 0.92)


def _style(name: str, font: str, size: float) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=round(size * 1.2, 1))


class Typeface(NamedTuple):
    """The two fonts of the invoice and the text styles drawn with them."""

    regular: str
    bold: str
    text: ParagraphStyle
    strong: ParagraphStyle
    header: ParagraphStyle
    section: ParagraphStyle
    title: ParagraphStyle
    amount_due: ParagraphStyle
    breakdown_grid: GridStyle  # shaded header
    totals_grid: GridStyle  # shaded amount due


def _typeface(regular: str, bold: str) -> Typeface:
    text, strong, amount_due = (
        _style("text", regular, SIZE),
        _style("strong", bold, SIZE),
        _style("amount-due", bold, SIZE + 1),
    )
    return Typeface(
        regular,
        bold,
        text,
        strong,
        _style("header", bold, SIZE - 0.5),
        _style("section", bold, SIZE + 1.5),
        _style("title", bold, 18),
        amount_due,
        GridStyle(text, strong, shaded=(0,), rule_color=GRID, shade_color=SHADE),
        GridStyle(text, amount_due, shaded=(-1,), rule_color=GRID, shade_color=SHADE),
    )


#: reportlab's standard Helvetica: nothing embedded, the PDF channel's default.
STANDARD = _typeface(FONT, BOLD)
# Bitstream Vera, shipped with reportlab (its licence allows embedding): the fonts a PDF/A must embed.
EMBEDDED_FONTS = {"ChorusflowSans": "Vera.ttf", "ChorusflowSans-Bold": "VeraBd.ttf"}
_embedded: Typeface | None = None


def embedded_typeface() -> Typeface:
    """The typeface whose fonts are embedded in the PDF (PDF/A); registered on first use."""
    global _embedded
    if _embedded is None:
        for name, file in EMBEDDED_FONTS.items():
            pdfmetrics.registerFont(TTFont(name, file))
        _embedded = _typeface(*EMBEDDED_FONTS)
    return _embedded


def render_invoice_pdf(invoice: Invoice, *, lang: str = "fr", embed_fonts: bool = False) -> bytes:
    """The invoice as a PDF document, French by default (``lang="en"``: English labels).

    ``embed_fonts``: draw with embedded TrueType fonts instead of the standard Helvetica, as
    PDF/A requires (``chorusflow.facturx`` makes the Factur-X from it). Deterministic: the same
    invoice and options give the same bytes.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be 'fr' or 'en', not {lang!r}")
    language: PdfLanguage = normalise(lang)
    face = embedded_typeface() if embed_fonts else STANDARD
    title = printable(f"{label(invoice.invoice_type, language)} {invoice.invoice_number}")
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=printable(invoice.supplier.name),
        subject=title,
        creator="chorusflow",
        invariant=1,  # no time stamp nor random document id
        lang=text("pdf.language_tag", language),
        initialFontName=face.regular,  # every page selects it first: Helvetica would not be embedded
    )
    frame = Frame(MARGIN, BOTTOM_MARGIN, WIDTH, PAGE_HEIGHT - MARGIN - BOTTOM_MARGIN, 0, 0, 0, 0)
    document.addPageTemplates([PageTemplate(frames=[frame], pagesize=A4)])
    make_canvas = partial(
        _NumberedCanvas,
        footer=title,
        created=invoice.issue_date,
        lang=language,
        font=face.regular,
    )
    document.build(_story(invoice, language, face), canvasmaker=make_canvas)
    return buffer.getvalue()


# Legal forms of individual entrepreneurs, who have no share capital to print.
_NO_CAPITAL = ("ei", "eirl", "entrepreneur individuel", "micro-entrepreneur", "auto-entrepreneur")


def missing_mentions(invoice: Invoice) -> list[str]:
    """The mandatory mentions the invoice's PDF lacks because their data is absent, as field names.

    The PDF is rendered anyway (nothing else could print them); ``chorusflow render`` warns with
    these. The supplier's come from supplier.yaml, the buyer's name from the export or directory.
    """
    supplier = invoice.supplier
    missing = [
        f"supplier.{field}"
        for field in ("address", "legal_form", "registration", "vat_number")
        if not getattr(supplier, field)
        and (field != "vat_number" or supplier.owes_its_vat_number(invoice.vat_treatment))
    ]
    form = (supplier.legal_form or "").strip().casefold()
    if form and not supplier.share_capital and not form.startswith(_NO_CAPITAL):
        missing.append("supplier.share_capital")
    if not invoice.buyer_name:
        missing.append("buyer_name")
    if invoice.payment_means == "VIREMENT" and not (invoice.supplier_iban or supplier.iban):
        missing.append("supplier.iban")
    return missing


class _NumberedCanvas(Canvas):
    """Keeps each page until the document ends, to print « Page 1/3 » on every one.

    It also dates the document with the invoice's issue date: the bytes never depend on the clock.
    """

    def __init__(
        self, *args: Any, footer: str, created: date, lang: PdfLanguage, font: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._font = font
        self._page_word = label("page", lang)
        self._pages: list[dict[str, Any]] = []
        stamp = f"D:{created:%Y%m%d}000000+00'00'"
        self.setDateFormatter(lambda *_: stamp)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for page, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(page, total)
            super().showPage()
        super().save()

    def _draw_footer(self, page: int, total: int) -> None:
        self.saveState()
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        self.line(MARGIN, 12 * mm, PAGE_WIDTH - MARGIN, 12 * mm)
        self.setFont(self._font, SIZE - 1)
        self.drawString(MARGIN, 8 * mm, self._footer)
        self.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"{self._page_word} {page}/{total}")
        self.restoreState()


def _story(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> list[Flowable]:
    story: list[Flowable] = [_heading(invoice, lang, face), _gap(), _parties(invoice, lang, face), _gap()]
    story += [_references(invoice, lang, face), _gap(), _lines_table(invoice, lang, face), _gap()]
    story.append(_totals(invoice, lang, face))
    mentions = _tax_mentions(invoice, lang, face)
    if mentions.height:
        story += [_gap(3), mentions]
    story += [_gap(), _payment_terms(invoice, lang, face)]
    if invoice.comment:
        story += [_gap(3), _comment(invoice, lang, face)]
    return story


def _gap(millimetres: float = 4) -> Spacer:
    return Spacer(1, millimetres * mm)


def _titled(title: str, block: Block, face: Typeface) -> Block:
    """``block`` under a section title."""
    return layout.below(layout.column([(face.section, title)], block.width or WIDTH), block, gap=1)


def _pairs(pairs: list[tuple[str | None, str]], width: float, label_share: float, face: Typeface) -> Block:
    """Label / value rows, labels as wide as the longest, up to ``label_share`` of ``width``."""
    key_width = layout.label_width((key for key, _ in pairs if key), face.strong, width * label_share)
    return layout.key_values(pairs, width, key_width, face.strong, face.text)


def _heading(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """The supplier's identity on the left; the title, number and dates on the right."""
    supplier = invoice.supplier
    capital = f"{label('capital', lang)} {supplier.share_capital}" if supplier.share_capital else None
    identity = layout.column(
        [
            (face.strong, supplier.name),
            (face.text, supplier.address),
            (face.text, " ".join(part for part in (supplier.legal_form, capital) if part)),
            (face.text, supplier.registration),
            (face.text, _supplier_identifier(supplier)),
            (
                face.text,
                f"{label('vat_number', lang)} {supplier.vat_number}" if supplier.vat_number else None,
            ),
        ],
        WIDTH * 0.5,
    )
    delivered = day(invoice.delivery_date) if invoice.delivery_date else label("same_date", lang)
    facts: list[tuple[str | None, str]] = [
        (label("number", lang), invoice.invoice_number),
        (label("issue_date", lang), day(invoice.issue_date)),
        (label("delivery_date", lang), delivered),
        (label("due_date", lang), day(invoice.due_date)),
    ]
    if invoice.original_invoice_number:
        facts.append((label("original_invoice", lang), invoice.original_invoice_number))
    title = layout.column([(face.title, label(invoice.invoice_type, lang))], RIGHT_WIDTH)
    right = layout.below(title, _pairs(facts, RIGHT_WIDTH, 0.62, face), gap=2 * mm)
    return layout.beside((0, identity), (RIGHT_COLUMN, right))


def _supplier_identifier(supplier: SupplierIdentity) -> str:
    """``SIREN … · SIRET …`` for a French supplier; its Chorus Pro identifier type and value otherwise."""
    if supplier.french:
        return f"SIREN {supplier.siren}{NBSP}· SIRET {supplier.siret}"
    return f"{supplier.identifier_type} {supplier.structure_identifier}"


def _parties(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """The buyer (name, address when known, SIRET and SIREN) and the delivery address when given."""
    buyer = layout.column(
        [
            (face.section, label("buyer", lang)),
            (face.strong, invoice.buyer_name),
            (face.text, invoice.buyer_address),
            (face.text, f"SIRET {invoice.buyer_siret}{NBSP}· SIREN {invoice.buyer_siret[:9]}"),
            (
                face.text,
                f"{label('buyer_vat_number', lang)} {invoice.buyer_vat_number}"
                if invoice.buyer_vat_number
                else None,
            ),
        ],
        WIDTH * 0.5,
    )
    if not invoice.delivery_address:
        return buyer
    delivery = layout.column(
        [(face.section, label("delivery_address", lang)), (face.text, invoice.delivery_address)], RIGHT_WIDTH
    )
    return layout.beside((0, buyer), (RIGHT_COLUMN, delivery))


def _references(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """The operation's nature (2026 mention) and the public buyer's references, those given."""
    pairs: list[tuple[str | None, str]] = []
    if invoice.operation_nature:
        nature = legal(f"operation_nature.{invoice.operation_nature}", lang)
        pairs.append((label("operation_nature", lang), nature))
    for field in ("engagement_number", "service_code", "market_number"):
        value = getattr(invoice, field)
        if value:
            pairs.append((label(field, lang), value))
    framework = labels.choice("billing_framework", invoice.billing_framework, lang)
    pairs.append((label("billing_framework", lang), f"{invoice.billing_framework} ({framework})"))
    if invoice.validator_siret:
        pairs.append((label("validator_siret", lang), invoice.validator_siret))
    return _titled(label("references", lang), _pairs(pairs, WIDTH, 0.4, face), face)


# Columns of the lines table: label key and whether it holds numbers (right-aligned).
LINE_COLUMNS = (
    ("line_number", True),
    ("description", False),
    ("quantity", True),
    ("unit", False),
    ("unit_price", True),
    ("discount", True),
    ("vat_rate", True),
    ("net_amount", True),
)
DESCRIPTION, UNIT = 1, 3


def _line_cells(line: InvoiceLine, currency: str) -> list[str]:
    """One line's cells as text; no discount shows as a dash."""
    return [
        str(line.number),
        printable(line.description),
        number(line.quantity),
        printable(line.unit or ""),
        price(line.unit_price, currency),
        amount(line.discount, currency) if line.discount else "—",
        rate(line.vat_rate),
        amount(line.net_amount, currency),
    ]


def _lines_table(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Table:
    """Every line: designation, quantity, unit, unit price excl. VAT, discount, VAT rate, net amount.

    Number columns are as wide as their longest value, so that no amount is cut or wrapped; the
    description takes the rest and wraps. The header row is repeated on every page, and a line too
    long for one page is split between pages.
    """
    rows = [_line_cells(line, invoice.currency) for line in invoice.lines]
    headers = [printable(label(key, lang)) for key, _ in LINE_COLUMNS]
    widths = _column_widths(headers, rows, face)
    cells: list[list[Any]] = [list(headers)]
    for row in rows:
        for column in (DESCRIPTION, UNIT):
            row[column] = "\n".join(
                layout.wrap(row[column], widths[column] - 2 * PADDING, face.regular, SIZE)
            )
        cells.append(row)
    table = Table(cells, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    style = [
        _font(face.text, ((0, 1), (-1, -1))),
        _font(face.header, ((0, 0), (-1, 0))),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, GRID),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
    ]
    style += [
        ("ALIGN", (column, 0), (column, -1), "RIGHT") for column, (_, n) in enumerate(LINE_COLUMNS) if n
    ]
    table.setStyle(style)
    return table


def _font(style: ParagraphStyle, cells: tuple[tuple[int, int], tuple[int, int]]) -> tuple[Any, ...]:
    """The table command drawing cells in ``style``'s font."""
    return ("FONT", *cells, style.fontName, style.fontSize, style.leading)


def _column_widths(headers: list[str], rows: list[list[str]], face: Typeface) -> list[float]:
    """Widths that fit every number and every header line whole; the description gets the rest."""
    widths: list[float] = []
    for column, header in enumerate(headers):
        title = max(stringWidth(part, face.bold, face.header.fontSize) for part in header.splitlines())
        values = max((stringWidth(row[column], face.regular, SIZE) for row in rows), default=0)
        if column == UNIT:
            values = min(values, MAX_UNIT_WIDTH)
        widths.append(max(title, values) + 2 * PADDING + 1)
    widths[DESCRIPTION] = max(WIDTH - (sum(widths) - widths[DESCRIPTION]), MIN_DESCRIPTION_WIDTH)
    return widths


def _totals(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """The VAT breakdown per rate (base, VAT) beside the totals and the amount due."""
    currency = invoice.currency
    breakdown = [[label("vat_rate", lang), label("vat_base", lang), label("vat_amount", lang)]] + [
        [rate(item.rate), amount(item.base, currency), amount(item.vat, currency)]
        for item in invoice.vat_breakdown
    ]
    totals = [
        [label("total_ht", lang), amount(invoice.total_ht, currency)],
        [label("total_vat", lang), amount(invoice.total_vat, currency)],
        [label("total_ttc", lang), amount(invoice.total_ttc, currency)],
        [label(f"due_{invoice.invoice_type}", lang), amount(invoice.total_ttc, currency)],
    ]
    vat = layout.below(
        layout.column([(face.strong, label("vat_breakdown", lang))], WIDTH * 0.5),
        layout.grid(breakdown, face.breakdown_grid),
        gap=2,
    )
    due = layout.grid(totals, face.totals_grid)
    return layout.beside((0, vat), (WIDTH - due.width, due))


def _tax_mentions(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """The legal basis of a VAT exemption and the option for VAT on debits, when they apply."""
    rows: list[tuple[ParagraphStyle, str | None]] = []
    if invoice.vat_exemption_reason:
        exempt = [item.rate for item in invoice.vat_breakdown if item.rate == 0]
        prefix = f"{label('vat_rate', lang)} {rate(exempt[0])}" if exempt else label("exemption", lang)
        rows.append((face.text, f"{prefix}{colon(lang)}{_exemption_text(invoice, lang)}"))
    if invoice.total_vat_eur:
        rows.append((face.text, f"{label('total_vat_eur', lang)}{colon(lang)}{invoice.total_vat_eur} EUR"))
    if invoice.supplier.vat_regime == "debits":
        rows.append((face.strong, legal("debits_option", lang)))
    return layout.column(rows, WIDTH, gap=1)


def _exemption_text(invoice: Invoice, lang: PdfLanguage) -> str | None:
    """The exemption's reason; a cross-border treatment's own mention keeps its French wording and, in
    English, gains its gloss."""
    key = f"pdf.mention.vat.{invoice.vat_treatment}"
    if key in REGISTRY and invoice.vat_exemption_reason == text(key, "fr"):
        return text(key, lang)
    return invoice.vat_exemption_reason


def _payment_terms(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """Due date and amount, payment means and bank details, discount, penalties, 40 € indemnity."""
    supplier = invoice.supplier
    total = amount(invoice.total_ttc, invoice.currency)
    due = f"{label(f'due_{invoice.invoice_type}', lang)}{colon(lang)}{total}"
    pairs: list[tuple[str | None, str]] = [(label("due_date", lang), f"{day(invoice.due_date)} — {due}")]
    if invoice.payment_means:
        pairs.append((label("payment_means", lang), _payment_means(invoice, lang)))
    if supplier.early_payment_discount:
        pairs.append((legal("early_payment", lang), supplier.early_payment_discount))
    else:
        pairs.append((None, legal("no_early_payment_discount", lang)))
    penalty_rate = supplier.late_penalty_rate or legal("default_penalty_rate", lang)
    pairs += [
        (legal("late_penalty", lang), f"{penalty_rate} ({labels.PENALTY_ARTICLE})"),
        (None, legal("recovery_indemnity", lang)),
    ]
    return _titled(label("payment", lang), _pairs(pairs, WIDTH, 0.3, face), face)


def _comment(invoice: Invoice, lang: PdfLanguage, face: Typeface) -> Block:
    """The free comment, whole: a block taller than a page splits over pages."""
    return _pairs([(label("comment", lang), invoice.comment or "")], WIDTH, 0.2, face)


def _payment_means(invoice: Invoice, lang: PdfLanguage) -> str:
    """``Virement — IBAN FR76 3000 … — BIC AGRIFRPP``: the bank details go with a transfer."""
    means = invoice.payment_means or ""
    parts = [labels.choice("payment_means", means, lang)]
    if means == "VIREMENT":
        iban = invoice.supplier_iban or invoice.supplier.iban
        if iban:
            parts.append(f"IBAN {_grouped(iban)}")
        if invoice.supplier.bic:
            parts.append(f"BIC {invoice.supplier.bic}")
    return " — ".join(parts)


def _grouped(iban: str) -> str:
    """An IBAN in its printed form, in groups of four: ``FR76 3000 6000 0112 …``."""
    compact = "".join(iban.split())
    return " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))
