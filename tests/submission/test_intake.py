"""Batch sizing of the submission plan (``chorusflow.submission.intake.plan_batches``)."""

from __future__ import annotations

from chorusflow.submission.intake import (
    MAX_BATCH_SIZE,
    MAX_BATCHES,
    ONE_TASK_PER_INVOICE_UP_TO,
    Batch,
    plan_batches,
)


def numbers(count: int) -> list[str]:
    return [f"F{index:06d}" for index in range(count)]


def sizes(batches: list[Batch]) -> list[int]:
    return [len(batch.invoice_numbers) for batch in batches]


def test_small_runs_get_one_invoice_per_task_labelled_by_its_number() -> None:
    batches = plan_batches(numbers(ONE_TASK_PER_INVOICE_UP_TO), concurrency=4)
    assert sizes(batches) == [1] * ONE_TASK_PER_INVOICE_UP_TO
    assert batches[0].label == "F000000" and batches[0].include_failed is False


def test_larger_runs_get_one_batch_per_slot_in_order_without_loss() -> None:
    wanted = numbers(1000)
    batches = plan_batches(wanted, concurrency=4, include_failed=True)
    assert sizes(batches) == [250] * 4
    assert [n for batch in batches for n in batch.invoice_numbers] == wanted
    assert batches[1].label == "F000250 … F000499 (250)" and batches[1].include_failed is True
    assert sizes(plan_batches(numbers(1001), concurrency=4)) == [251, 251, 251, 248]


def test_batches_never_exceed_the_maximum_size_nor_count() -> None:
    assert max(sizes(plan_batches(numbers(5000), concurrency=4))) == MAX_BATCH_SIZE
    huge = plan_batches(numbers(MAX_BATCH_SIZE * MAX_BATCHES * 2), concurrency=4)
    assert len(huge) == MAX_BATCHES


def test_duplicates_are_planned_once_and_nothing_gives_no_batch() -> None:
    assert sizes(plan_batches(["A", "B", "A"], concurrency=2)) == [1, 1]
    assert plan_batches([], concurrency=4) == []
    assert sizes(plan_batches(numbers(10), concurrency=4, batch_size=4)) == [4, 4, 2]
