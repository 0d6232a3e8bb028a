"""Work that must not change how long a request takes: e-mails whose sending would tell an attacker whether an
account exists (a reset asked for an unknown address answers as fast as one for a real account)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import current_app

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kraftd-background")


def in_background(work: Callable[[], None]) -> None:
    """Run `work` after the answer, in this app's context; its failure is logged, never raised."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:
                log.exception("background work failed")

    _pool.submit(run)
