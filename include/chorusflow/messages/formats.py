"""How numbers and punctuation read in each language (``format.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # 1708,00 in French, 1708.00 in English.
    "format.decimal_mark": Message(fr=",", en="."),
}
