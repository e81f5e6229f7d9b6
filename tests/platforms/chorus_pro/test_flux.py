"""The pure parts of the flux channel: the state table, the polling backoff, packing and the file."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime, timedelta

from chorusflow.platforms.chorus_pro.flux import (
    FINAL_STAGES,
    FLUX_STAGES,
    TAR_OVERHEAD_BYTES,
    FluxFile,
    FluxStage,
    flux_file,
    flux_stage,
    next_poll_at,
    pack,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_every_documented_state_has_its_stage_and_anything_else_is_unknown() -> None:
    assert len(FLUX_STAGES) == 12
    assert flux_stage("IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP") is FluxStage.PENDING
    assert flux_stage("IN_EN_ATTENTE_RETRAITEMENT_CPP") is FluxStage.STUCK
    assert flux_stage("in_integre_partiel ") is FluxStage.PARTIAL
    assert flux_stage("IN_REJETE") is FluxStage.REJECTED
    assert {flux_stage(s) for s in ("IN_INCIDENTE", "IN_A_RELANCER", "IN_ERREUR_INTERNE")} == {
        FluxStage.NOT_PROCESSED
    }
    assert flux_stage("QP_IRRECEVABLE") is FluxStage.UNKNOWN and flux_stage(None) is FluxStage.UNKNOWN
    assert FluxStage.UNKNOWN not in FINAL_STAGES and FluxStage.PENDING not in FINAL_STAGES


def test_polls_back_off_from_minutes_to_hours_and_stuck_or_unknown_wait_an_hour() -> None:
    waits = [
        (next_poll_at(NOW, polls, base_seconds=120, max_seconds=21600, stage=FluxStage.PENDING) - NOW)
        for polls in range(10)
    ]
    assert waits[0] == timedelta(minutes=2) and waits[1] == timedelta(minutes=4)
    assert waits == sorted(waits) and waits[-1] == timedelta(hours=6)
    for stage in (FluxStage.STUCK, FluxStage.UNKNOWN):
        wait = next_poll_at(NOW, 0, base_seconds=120, max_seconds=21600, stage=stage) - NOW
        assert wait == timedelta(hours=1)


def test_pack_respects_the_count_and_the_size_and_keeps_the_order() -> None:
    files = [FluxFile(f"F-{n}", b"x" * 1000) for n in range(7)]
    by_count = pack(files, max_invoices=3, max_bytes=10**6)
    assert [[f.invoice_number for f in batch] for batch in by_count] == [
        ["F-0", "F-1", "F-2"],
        ["F-3", "F-4", "F-5"],
        ["F-6"],
    ]
    by_size = pack(files, max_invoices=100, max_bytes=2 * (1000 + TAR_OVERHEAD_BYTES))
    assert [len(batch) for batch in by_size] == [2, 2, 2, 1]
    huge = [FluxFile("BIG", b"x" * 5000)]
    assert pack(huge, max_invoices=10, max_bytes=1000) == [huge]  # alone, never dropped


def test_one_invoice_goes_as_its_pdf_and_several_as_a_tar_gz_under_the_bound() -> None:
    alone = FluxFile("F/2026 1", b"%PDF-1.7 one")
    assert flux_file([alone]) == ("facturx_chorus_facture_F-2026-1.pdf", b"%PDF-1.7 one")
    batch = [FluxFile(f"F-{n}", b"%PDF-1.7 " + bytes(range(256)) * 40) for n in range(3)]
    name, content = flux_file(batch)
    assert name == "facturx_chorus_lot_factures_F-0_3.tar.gz"
    assert len(content) <= sum(len(f.content) + TAR_OVERHEAD_BYTES for f in batch)
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        assert archive.getnames() == [f.name for f in batch]
        extracted = archive.extractfile(batch[1].name)
        assert extracted is not None and extracted.read() == batch[1].content
    assert flux_file(batch) == (name, content)  # deterministic
