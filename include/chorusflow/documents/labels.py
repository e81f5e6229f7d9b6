"""The words of the invoice PDF in French and English, and its legal mentions, read from the message
catalogue (``pdf.*`` in :mod:`chorusflow.messages.documents`).

An invoice issued in France is written in French (loi 94-665): the English render translates the
labels but keeps each legal mention's French wording, followed by an English gloss.
"""

from __future__ import annotations

from chorusflow.messages import REGISTRY, Language, text

PdfLanguage = Language
PENALTY_ARTICLE = "art. L441-10 du Code de commerce"  # a legal reference, the same in both languages


def label(key: str, lang: PdfLanguage) -> str:
    """The label ``key`` in ``lang``."""
    return text(f"pdf.label.{key}", lang)


def colon(lang: PdfLanguage) -> str:
    """`` : `` in French (a no-break space before the colon), ``: `` in English."""
    return text("pdf.colon", lang)


def legal(mention: str, lang: PdfLanguage) -> str:
    """A legal mention (``pdf.mention.<mention>``): its French text, with an English gloss in English."""
    return text(f"pdf.mention.{mention}", lang)


def choice(kind: str, code: str, lang: PdfLanguage) -> str:
    """The text of a coded value (``payment_means``, ``billing_framework``) in ``lang``; an unknown code
    is printed as is."""
    key = f"pdf.{kind}.{code}"
    return text(key, lang) if key in REGISTRY else code
