"""The placed-text blocks: wrapping never loses a character, splitting never cuts a line in two."""

from __future__ import annotations

from types import SimpleNamespace

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth

from chorusflow.documents import layout

TEXT = ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=12)
BIG = ParagraphStyle("b", fontName="Helvetica-Bold", fontSize=15, leading=18)


def test_wrap_breaks_at_spaces_and_cuts_only_overlong_words() -> None:
    text = "un deux trois " + "X" * 80 + " quatre\n\ncinq"
    lines = layout.wrap(text, 100, "Helvetica", 10)
    assert all(stringWidth(line, "Helvetica", 10) <= 100 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert lines[0] == "un deux trois" and "" in lines  # the blank line is kept
    assert layout.wrap("1\xa0234,56 € " * 3, 70, "Helvetica", 10) == ["1\xa0234,56 €"] * 3  # never at a NBSP


def test_column_skips_empty_texts_and_stacks_lines() -> None:
    block = layout.column([(BIG, "Titre"), (TEXT, None), (TEXT, "a\n\nb")], 200, gap=2)
    assert [(run.text, run.top) for run in block.runs] == [("Titre", 0), ("a", 20), ("b", 32)]
    assert block.height == 44


def test_key_values_rows_take_their_tallest_side() -> None:
    block = layout.key_values([("Clé", "valeur " * 30), (None, "seule")], 300, 40, TEXT, TEXT, gap=0)
    value_lines = [run for run in block.runs if run.x > 40]
    alone = next(run for run in block.runs if run.text == "seule")
    assert len(value_lines) > 1 and alone.top == len(value_lines) * 12 and alone.x == 0


def test_a_block_splits_only_at_the_top_of_a_frame_and_between_lines() -> None:
    left = layout.column([(TEXT, "\n".join(f"l{index}" for index in range(100)))], 100)  # 12 pt lines
    right = layout.column([(BIG, "\n".join(f"r{index}" for index in range(50)))], 100)  # 18 pt lines
    block = layout.beside((0, left), (120, right))
    block._frame = SimpleNamespace(_atTop=False)
    assert block.split(300, 100) == []  # not at the top: it moves whole to the next frame
    block._frame = SimpleNamespace(_atTop=True)
    first, rest = block.split(300, 100)
    assert first.height == 72  # lines of 12 and 18 points both end at 36 and 72, not at 96 or 90
    assert all(run.top + run.leading <= first.height for run in first.runs)
    assert len(first.runs) + len(rest.runs) == 150 and rest.height == block.height - 72
    assert min(run.top for run in rest.runs) == 0


def test_grid_right_aligns_amounts_and_shades_its_rows() -> None:
    style = layout.GridStyle(TEXT, BIG, shaded=(-1,), rule_color="grey", shade_color="silver")
    block = layout.grid([["Total", "1,00 €"], ["Dû", "123 456,00 €"]], style)
    amounts = [run for run in block.runs if "€" in run.text]
    rights = {round(run.x + stringWidth(run.text, run.font, run.size), 3) for run in amounts}
    assert len(rights) == 1  # one right edge
    assert [band.height > 0 for band in block.bands].count(True) == 1
