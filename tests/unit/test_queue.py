"""Queue depth and purge as kombu does them on the real broker: every priority sub-queue counts."""

from __future__ import annotations

from celery import Celery

from common.queue import enqueue, queue_depth, take_all


def test_an_empty_queue_has_no_depth(celery: Celery) -> None:
    assert queue_depth(celery, "analyze") == 0


def test_depth_counts_messages_of_every_priority(celery: Celery) -> None:
    for priority in (None, 0, 3, 9):
        celery.send_task("kraftd.analyze", args=["a@example.com", "job"], queue="analyze", priority=priority)

    assert queue_depth(celery, "analyze") == 4
    assert queue_depth(celery, "export") == 0


def test_taking_all_empties_the_queue_and_names_each_job(celery: Celery) -> None:
    enqueue(celery, "extract", "a@example.com", "job-1", "task-1")
    enqueue(celery, "extract", "b@example.com", "job-2", "task-2")
    celery.send_task("kraftd.extract", args=["c@example.com", "job-3"], queue="extract", priority=5)
    enqueue(celery, "analyze", "d@example.com", "job-4", "task-4")

    taken = take_all(celery, "extract")

    assert sorted(taken) == [
        ("a@example.com", "job-1"),
        ("b@example.com", "job-2"),
        ("c@example.com", "job-3"),
    ]
    assert queue_depth(celery, "extract") == 0
    assert queue_depth(celery, "analyze") == 1
