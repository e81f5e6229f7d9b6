"""Factur-X flux: how invoices are packed into one ``deposer/flux`` call, and what a flux's state means.

A flux is one file deposited with ``syntaxeFlux`` ``IN_DP_E2_CII_FACTURX``: a single Factur-X PDF, or
a ``tar.gz`` of several (Chorus Pro takes several invoices in one flux only compressed, ``zip`` or
``tar.gz``; see docs/sources.md#factur-x-flux). Chorus Pro answers with a flux number only; the
invoices appear in ``rechercher/fournisseur`` once the flux is integrated, which
``consulterCRDetaille`` says. :mod:`chorusflow.platforms.chorus_pro.flux_follow` follows open flux; this
module holds the
pure parts: packing, the state table, and the polling backoff.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from chorusflow.platforms.interface import BatchFile

FACTURX_SYNTAX = "IN_DP_E2_CII_FACTURX"
#: Room left per file in a tar archive (header and padding to 512-byte blocks), counted generously.
TAR_OVERHEAD_BYTES = 2048
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class FluxStage(StrEnum):
    """What a flux state (``etatCourantDepotFlux``) means for its invoices."""

    PENDING = "pending"  # Chorus Pro has not finished with it: poll again later
    STUCK = "stuck"  # waiting for a manual reprocessing at Chorus Pro: still poll, more slowly
    INTEGRATED = "integrated"  # every invoice integrated
    PARTIAL = "partial"  # only some integrated; ``listeErreurDP`` names the refused ones
    REJECTED = "rejected"  # processed and refused as a whole (``listeErreurTechnique``)
    NOT_PROCESSED = "not_processed"  # not processed: the whole flux must be deposited again
    UNKNOWN = "unknown"  # a value this table does not know: shown as such, never taken for pending


#: Every documented state (docs/sources.md#factur-x-flux); the Swagger has no enum for the field.
FLUX_STAGES: dict[str, FluxStage] = {
    "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP": FluxStage.PENDING,
    "IN_RECU": FluxStage.PENDING,
    "IN_TRAITE_SE_CPP": FluxStage.PENDING,
    "IN_EN_ATTENTE_TRAITEMENT_CPP": FluxStage.PENDING,
    "IN_EN_COURS_TRAITEMENT_CPP": FluxStage.PENDING,
    "IN_EN_ATTENTE_RETRAITEMENT_CPP": FluxStage.STUCK,
    "IN_INTEGRE": FluxStage.INTEGRATED,
    "IN_INTEGRE_PARTIEL": FluxStage.PARTIAL,
    "IN_REJETE": FluxStage.REJECTED,
    "IN_INCIDENTE": FluxStage.NOT_PROCESSED,
    "IN_A_RELANCER": FluxStage.NOT_PROCESSED,
    "IN_ERREUR_INTERNE": FluxStage.NOT_PROCESSED,
}

#: Stages after which the flux is closed: its invoices have their final answer.
FINAL_STAGES = frozenset(
    {FluxStage.INTEGRATED, FluxStage.PARTIAL, FluxStage.REJECTED, FluxStage.NOT_PROCESSED}
)


def flux_stage(state: str | None) -> FluxStage:
    """The stage of a raw ``etatCourantDepotFlux`` (``UNKNOWN`` for a value not in the table)."""
    return FLUX_STAGES.get((state or "").strip().upper(), FluxStage.UNKNOWN)


def next_poll_at(
    now: datetime, polls_done: int, *, base_seconds: float, max_seconds: float, stage: FluxStage
) -> datetime:
    """When to ask again: ``base × 2^polls`` (minutes at first, then hours), capped at ``max``.

    A flux stuck at Chorus Pro or in a state nobody knows waits at least an hour: it will not move
    in minutes, and asking often would spend the API quota for nothing.
    """
    delay = min(base_seconds * 2 ** min(polls_done, 30), max_seconds)
    if stage in (FluxStage.STUCK, FluxStage.UNKNOWN):
        delay = max(delay, min(3600.0, max_seconds))
    return now + timedelta(seconds=delay)


#: Any invoice's file: packing reads only its size.
File = TypeVar("File", bound=BatchFile)


@dataclass(frozen=True)
class FluxFile:
    """One invoice's Factur-X, named as it goes into the flux."""

    invoice_number: str
    content: bytes

    @property
    def name(self) -> str:
        """``facturx_chorus_facture_<number>.pdf`` (OCA's naming), made safe for an archive."""
        return f"facturx_chorus_facture_{_UNSAFE_IN_NAME.sub('-', self.invoice_number)}.pdf"


def pack(files: Sequence[File], *, max_invoices: int, max_bytes: int) -> list[list[File]]:
    """Split ``files`` into flux of at most ``max_invoices`` files and ``max_bytes`` (in order).

    The size counted is the uncompressed one plus the tar overhead, an upper bound of the archive
    (gzip does not grow PDFs, whose streams are already compressed, by more than a few bytes per
    block). A single file above ``max_bytes`` still gets a flux of its own: the platform's refusal
    then names it, rather than the invoice vanishing here.
    """
    batches: list[list[File]] = []
    current: list[File] = []
    size = 0
    for item in files:
        needed = len(item.content) + TAR_OVERHEAD_BYTES
        if current and (len(current) >= max_invoices or size + needed > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += needed
    if current:
        batches.append(current)
    return batches


def flux_file(batch: Sequence[FluxFile]) -> tuple[str, bytes]:
    """The name and content deposited for ``batch``: the Factur-X itself when alone, else a tar.gz."""
    if len(batch) == 1:
        return batch[0].name, batch[0].content
    buffer = io.BytesIO()
    # A fixed mtime: the same batch gives the same archive (easier to compare when investigating).
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as archive:
        for item in batch:
            info = tarfile.TarInfo(item.name)
            info.size = len(item.content)
            info.mtime = 0
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(item.content))
    first = _UNSAFE_IN_NAME.sub("-", batch[0].invoice_number)
    return f"facturx_chorus_lot_factures_{first}_{len(batch)}.tar.gz", buffer.getvalue()
