"""Queue depth as kombu counts it on the real broker: every priority sub-queue, and nothing for an empty one."""

from __future__ import annotations

from celery import Celery

from common.queue import queue_depth


def test_an_empty_queue_has_no_depth(celery: Celery) -> None:
    assert queue_depth(celery, "analyze") == 0


def test_depth_counts_messages_of_every_priority(celery: Celery) -> None:
    for priority in (None, 0, 3, 9):
        celery.send_task("kraftd.analyze", args=["a@example.com", "job"], queue="analyze", priority=priority)

    assert queue_depth(celery, "analyze") == 4
    assert queue_depth(celery, "export") == 0
