"""Rows as a whole: required values left empty (FIELD_MISSING) and rows with extra fields (ROW_MALFORMED)."""

from __future__ import annotations

from collections.abc import Mapping

from chorusflow.exports.columns import REQUIRED_COLUMNS
from chorusflow.rules.checks.flags import Flag, RowFlagger
from chorusflow.rules.codes import finding


def check_required(columns: Mapping[str, list[str]], flagger: RowFlagger) -> list[Flag]:
    """FIELD_MISSING on every row that leaves a required column empty."""
    flags: list[Flag] = []
    for column in REQUIRED_COLUMNS:
        if "" in columns[column]:
            flags += flagger.rows(columns[column], {""}, "FIELD_MISSING", column)
    return flags


def check_malformed(malformed: list[tuple[str, int]], lang: str) -> list[Flag]:
    """ROW_MALFORMED on the invoice of every row that had more fields than the header.

    The reader gives only the row's invoice number: a row without one is keyed as row 0.
    """
    return [
        (number if number else ("row", 0), finding("ROW_MALFORMED", lang, None)) for number, _ in malformed
    ]
