"""The analysis stage: pages of text in, a verified analysis out, by whichever analyzer the settings pick."""

from __future__ import annotations

import logging

from common.analysis import Analysis, Findings
from common.config import Settings
from common.framing import frame
from worker.llm_analyzer import LlmAnalyzer
from worker.offline_analyzer import analyze_offline
from worker.quotes import verify_quotes

log = logging.getLogger(__name__)


def _run_analyzer(pages: list[str], document_id: str, settings: Settings) -> Analysis:
    """The LLM analyzer when OPENAI_API_KEY or AZURE_OPENAI_ENDPOINT is set, else the offline one."""
    if settings.uses_llm:
        with LlmAnalyzer(settings) as llm:
            return llm.analyze(pages, document_id)
    return analyze_offline(pages, document_id)


def analyze(pages: list[str], document_id: str, settings: Settings) -> Analysis:
    """Analyse a contract, framed for the side the analyzer guessed.

    Every quote in the result is verified against `pages`, here and only here, for both analyzers; the rest
    are dropped. The guessed perspective is kept with the findings, so a reuse of the analysis for the same
    file starts from the guess, not from another document's choice. The result carries `usage` (tokens summed
    over every LLM call) for the caller to record (worker/stages.py: the job step, the metrics, the log).
    """
    analysis = _run_analyzer(pages, document_id, settings)
    verified, dropped = verify_quotes(analysis, pages)
    if dropped:
        log.warning("dropped %d %s quotes not found in document %s", dropped, analysis.analyzer, document_id)
    findings = (verified.findings or Findings()).model_copy(update={"perspective": verified.perspective})
    framed = frame(verified.model_copy(update={"findings": findings}), verified.perspective)
    if verified.analyzer == "llm":  # the model wrote its summary for the side it guessed: keep it
        return framed.model_copy(update={"summary": verified.summary})
    return framed
