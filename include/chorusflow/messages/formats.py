"""How numbers and punctuation read in each language (``format.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    # 1708,00 in French, 1708.00 in English.
    "format.decimal_mark": Message(fr=",", en="."),
    # 1 234,56 € in French, EUR 1,234.56 in English (alerts, digest).
    "format.thousands_separator": Message(fr="\u202f", en=","),
    "format.money": Message(fr="{amount} {currency}", en="{currency} {amount}"),
    "format.euro": Message(fr="€", en="EUR"),
    # Between a label and its value: a space before the colon in French.
    "format.colon": Message(fr=" : ", en=": "),
    # Dates and times as people read them (strftime patterns).
    "format.date": Message(fr="%d/%m/%Y", en="%Y-%m-%d"),
    "format.datetime": Message(fr="%d/%m/%Y %H:%M", en="%Y-%m-%d %H:%M"),
}
