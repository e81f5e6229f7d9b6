"""The status sync's summary, in its task log and run note (``sync.``)."""

from __future__ import annotations

from chorusflow.messages.catalogue import Message

MESSAGES: dict[str, Message] = {
    "sync.summary": Message(
        fr="Synchronisation des statuts : {changed} facture(s) modifiée(s) (dont {blocked} bloquée(s)), "
        "{tracked} suivie(s), {pages} page(s) lue(s), {calls} appel(s) à Chorus Pro.",
        en="Status sync: {changed} invoice(s) changed ({blocked} blocked), {tracked} followed, "
        "{pages} page(s) read, {calls} API call(s).",
    ),
    "sync.pages_failed": Message(
        fr="{count} page(s) en échec ({pages})", en="{count} page(s) failed ({pages})"
    ),
    "sync.rows_malformed": Message(fr="{count} ligne(s) illisible(s)", en="{count} unreadable row(s)"),
    "sync.records_failed": Message(fr="{count} enregistrement(s) en échec", en="{count} record(s) not saved"),
    "sync.shifted": Message(
        fr="résultats décalés pendant la recherche", en="results shifted during the search"
    ),
    "sync.capped": Message(
        fr="plus de résultats que Chorus Pro n'en renvoie dans {periods} période(s) d'une minute : "
        "{unchecked} facture(s) suivie(s) n'ont pas pu être vérifiées une par une",
        en="more results than Chorus Pro returns in {periods} one-minute period(s): "
        "{unchecked} followed invoice(s) could not be checked one by one",
    ),
    "sync.unknown_statuses": Message(fr="statuts inconnus : {statuses}", en="unknown statuses: {statuses}"),
    "sync.problems": Message(fr=" Problèmes : {problems}.", en=" Problems: {problems}."),
    "sync.watermark_moved": Message(fr=" Point de reprise avancé.", en=" Watermark moved."),
    "sync.watermark_kept": Message(
        fr=" Point de reprise conservé : le prochain passage relira la période.",
        en=" Watermark kept: the next run reads again.",
    ),
}
