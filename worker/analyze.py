"""The analysis stage: pages of text in, a verified analysis out, by whichever analyzer the settings pick."""

from __future__ import annotations

import logging

from common.analysis import Analysis
from common.config import Settings
from worker.offline_analyzer import analyze_offline
from worker.quotes import verify_clauses

log = logging.getLogger(__name__)


def analyze(pages: list[str], document_id: str, settings: Settings) -> Analysis:
    """Analyse a contract. Every quote in the result is verified against `pages`; the rest are dropped."""
    analysis = analyze_offline(pages, document_id)
    verified, dropped = verify_clauses(analysis, pages)
    if dropped:
        log.warning("dropped %d clause quotes not found in document %s", dropped, document_id)
    return verified
