"""A small text layout for the invoice PDF's fixed blocks (parties, references, totals, terms).

A :class:`Block` is text already placed: each line at its position, in its font, with the odd rule
or shaded band. Laying out a block costs a few string measurements, drawing it one text object:
several times cheaper than reportlab's tables, which parse style commands and size every cell
again at each page. Blocks are built by wrapping text (:func:`column`, :func:`key_values`,
:func:`grid`) and combined (:func:`beside`, :func:`below`). A block taller than a page splits
between two lines; a shorter one moves whole to the next page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from chorusflow.documents.text import printable

_SPACES = re.compile(r"[ \t]+")  # not str.split(): a no-break space must not break a line


@dataclass(frozen=True)
class Run:
    """One line of text; ``top`` is its distance from the block's top, ``x`` its left edge."""

    x: float
    top: float
    text: str
    font: str
    size: float
    leading: float


@dataclass(frozen=True)
class Band:
    """A filled rectangle (``height`` > 0) or a horizontal rule (``height`` == 0, ``thickness``)."""

    x: float
    top: float
    width: float
    height: float
    color: Any
    thickness: float = 0.0


class Block(Flowable):
    """Text and bands placed in a box of ``width`` × ``height`` points."""

    def __init__(
        self, width: float, height: float, runs: Sequence[Run] = (), bands: Sequence[Band] = ()
    ) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.runs, self.bands = list(runs), list(bands)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Block]:
        """Two blocks when this one overflows an empty frame; else none, so that it moves whole to
        the next page."""
        frame = getattr(self, "_frame", None)
        if frame is None or not frame._atTop:
            return []
        cut = self._cut(available_height)
        return [self._part(0, cut), self._part(cut, self.height)] if cut > 0 else []

    def _cut(self, limit: float) -> float:
        """The lowest height ≤ ``limit`` that no line straddles (side-by-side columns have their own
        line heights), or 0."""
        best = reach = 0.0  # ``reach``: the lowest bottom of the lines met so far
        for top, bottom in sorted((run.top, run.top + run.leading) for run in self.runs):
            if top > limit:
                break
            if top >= reach:  # every line above ends before this one starts
                best = top
            reach = max(reach, bottom)
        return reach if reach <= limit else best

    def _part(self, start: float, end: float) -> Block:
        runs = [replace(run, top=run.top - start) for run in self.runs if start <= run.top < end]
        bands = [replace(band, top=band.top - start) for band in self.bands if start <= band.top < end]
        return Block(self.width, end - start, runs, bands)

    def draw(self) -> None:
        canvas = self.canv
        for band in self.bands:
            bottom = self.height - band.top - band.height
            if band.height:
                canvas.setFillColor(band.color)
                canvas.rect(band.x, bottom, band.width, band.height, stroke=0, fill=1)
            else:
                canvas.setStrokeColor(band.color)
                canvas.setLineWidth(band.thickness)
                canvas.line(band.x, bottom, band.x + band.width, bottom)
        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        for run in self.runs:  # one text object for the block: the cheapest way to draw it
            text.setFont(run.font, run.size, run.leading)
            text.setTextOrigin(run.x, self.height - run.top - run.size)
            text.textOut(run.text)
        canvas.drawText(text)

    def shifted(self, dx: float, dy: float) -> tuple[list[Run], list[Band]]:
        """This block's runs and bands moved right by ``dx`` and down by ``dy``."""
        runs = [replace(run, x=run.x + dx, top=run.top + dy) for run in self.runs]
        bands = [replace(band, x=band.x + dx, top=band.top + dy) for band in self.bands]
        return runs, bands


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """``text`` (made printable) in lines of at most ``width`` points, broken at spaces and line
    breaks; a word wider than a line is cut between characters, never lost. Blank lines are kept."""
    text = printable(text)
    if "\n" not in text and "\r" not in text and stringWidth(text, font, size) <= width:
        return [text]
    return [line for paragraph in text.splitlines() for line in _wrap_paragraph(paragraph, width, font, size)]


def _wrap_paragraph(text: str, width: float, font: str, size: float) -> list[str]:
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    words: list[str] = []
    used = 0.0
    for word in _SPACES.split(text.strip()):
        wide = stringWidth(word, font, size)
        if words and used + space + wide <= width:
            words.append(word)
            used += space + wide
            continue
        if words:
            lines.append(" ".join(words))
        pieces = _cut(word, width, font, size) if wide > width else [word]
        lines += pieces[:-1]
        words, used = [pieces[-1]], stringWidth(pieces[-1], font, size)
    return [*lines, " ".join(words)]


def _cut(word: str, width: float, font: str, size: float) -> list[str]:
    pieces: list[str] = []
    piece, used = "", 0.0
    for char in word:
        wide = stringWidth(char, font, size)
        if piece and used + wide > width:
            pieces.append(piece)
            piece, used = "", 0.0
        piece += char
        used += wide
    return [*pieces, piece]


def _lines(x: float, top: float, lines: Iterable[str], style: ParagraphStyle) -> list[Run]:
    return [
        Run(x, top + index * style.leading, line, style.fontName, style.fontSize, style.leading)
        for index, line in enumerate(lines)
    ]


def column(rows: Iterable[tuple[ParagraphStyle, str | None]], width: float, *, gap: float = 0) -> Block:
    """Texts one under the other, each in its style and wrapped to ``width``; empty ones left out,
    blank lines too. ``gap`` points separate two texts."""
    runs: list[Run] = []
    top = 0.0
    for style, text in rows:
        lines = [line for line in wrap(text or "", width, style.fontName, style.fontSize) if line.strip()]
        if not lines:
            continue
        if runs:
            top += gap
        runs += _lines(0, top, lines, style)
        top += len(lines) * style.leading
    return Block(width, top, runs)


def key_values(
    pairs: Iterable[tuple[str | None, str]],
    width: float,
    key_width: float,
    key_style: ParagraphStyle,
    value_style: ParagraphStyle,
    *,
    gap: float = 1.5,
) -> Block:
    """A label and its value per row (both wrap); a row without a label spans the whole width."""
    runs: list[Run] = []
    top = 0.0
    indent = key_width + 4  # points between a label and its value
    for key, value in pairs:
        if key is None:
            lines = wrap(value, width, value_style.fontName, value_style.fontSize)
            runs += _lines(0, top, lines, value_style)
            top += len(lines) * value_style.leading + gap
            continue
        keys = wrap(key, key_width, key_style.fontName, key_style.fontSize)
        values = wrap(value, width - indent, value_style.fontName, value_style.fontSize)
        runs += _lines(0, top, keys, key_style) + _lines(indent, top, values, value_style)
        top += max(len(keys) * key_style.leading, len(values) * value_style.leading) + gap
    return Block(width, max(top - gap, 0), runs)


def label_width(labels: Iterable[str], style: ParagraphStyle, limit: float) -> float:
    """The width of the longest label in ``style``, at most ``limit`` (a longer label wraps)."""
    widest = max((stringWidth(printable(text), style.fontName, style.fontSize) for text in labels), default=0)
    return min(widest + 1, limit)


@dataclass(frozen=True)
class GridStyle:
    """How :func:`grid` draws: text style per row, shaded rows, rules under rows."""

    body: ParagraphStyle
    emphasis: ParagraphStyle  # of the shaded rows
    shaded: tuple[int, ...]  # row indexes (negative from the end)
    rule_color: Any
    shade_color: Any
    padding: float = 3


def grid(rows: list[list[str]], style: GridStyle) -> Block:
    """Rows of cells, the first column left-aligned and the others right-aligned, each column as wide
    as its widest text; shaded rows in ``style.emphasis``, a thin rule under every row."""
    count = len(rows)
    shaded = {index % count for index in style.shaded}
    row_styles = [style.emphasis if index in shaded else style.body for index in range(count)]
    texts = [[printable(cell) for cell in row] for row in rows]
    widths = [
        max(stringWidth(row[column], style.emphasis.fontName, style.emphasis.fontSize) for row in texts)
        + 2 * style.padding
        for column in range(len(texts[0]))
    ]
    total = sum(widths)
    runs: list[Run] = []
    bands: list[Band] = []
    top = 0.0
    for index, (row, row_style) in enumerate(zip(texts, row_styles, strict=True)):
        height = row_style.leading + style.padding
        if index in shaded:
            bands.append(Band(0, top, total, height, style.shade_color))
        # capitals centred between the rules: as much room above them as below the baseline
        text_top = top + (style.padding - 0.08 * row_style.fontSize) / 2
        left = 0.0
        for column, text in enumerate(row):
            width = stringWidth(text, row_style.fontName, row_style.fontSize)
            x = left + style.padding if column == 0 else left + widths[column] - style.padding - width
            runs.append(Run(x, text_top, text, row_style.fontName, row_style.fontSize, row_style.leading))
            left += widths[column]
        top += height
        bands.append(Band(0, top, total, 0, style.rule_color, 0.25))
    return Block(total, top, runs, bands)


def beside(*placed: tuple[float, Block]) -> Block:
    """Blocks side by side, each at its ``x``, tops aligned."""
    runs: list[Run] = []
    bands: list[Band] = []
    for x, block in placed:
        moved_runs, moved_bands = block.shifted(x, 0)
        runs += moved_runs
        bands += moved_bands
    width = max((x + block.width for x, block in placed), default=0)
    return Block(width, max((block.height for _, block in placed), default=0), runs, bands)


def below(*blocks: Block, gap: float = 0) -> Block:
    """Blocks one under the other, ``gap`` points apart; empty blocks left out."""
    runs: list[Run] = []
    bands: list[Band] = []
    top = 0.0
    kept = [block for block in blocks if block.height > 0]
    for index, block in enumerate(kept):
        moved_runs, moved_bands = block.shifted(0, top)
        runs += moved_runs
        bands += moved_bands
        top += block.height + (gap if index < len(kept) - 1 else 0)
    return Block(max((block.width for block in kept), default=0), top, runs, bands)
