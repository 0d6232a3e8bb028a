"""The analysis stage: pages of text in, a verified analysis out, by whichever analyzer the settings pick."""

from __future__ import annotations

import logging

from common.analysis import Analysis, Findings
from common.config import Settings
from common.framing import frame
from common.telemetry import LLM_COST, LLM_TOKENS
from worker.llm_analyzer import LlmAnalyzer, estimate_cost
from worker.offline_analyzer import analyze_offline
from worker.quotes import verify_quotes

log = logging.getLogger(__name__)


def _run_analyzer(pages: list[str], document_id: str, settings: Settings) -> Analysis:
    """The LLM analyzer when OPENAI_API_KEY or AZURE_OPENAI_ENDPOINT is set, else the offline one."""
    if settings.uses_llm:
        with LlmAnalyzer(settings) as llm:
            return llm.analyze(pages, document_id)
    return analyze_offline(pages, document_id)


def _record_usage(analysis: Analysis) -> None:
    if analysis.usage is None:
        return
    model = analysis.model or "unknown"
    LLM_TOKENS.labels("input", model).inc(analysis.usage.input_tokens)
    LLM_TOKENS.labels("output", model).inc(analysis.usage.output_tokens)
    cost = estimate_cost(analysis.model, analysis.usage)
    if cost is not None:
        LLM_COST.labels(model).inc(cost)
    log.info(
        "document %s analysed by %s: %d input + %d output tokens, estimated cost %s",
        analysis.document_id,
        model,
        analysis.usage.input_tokens,
        analysis.usage.output_tokens,
        "unknown" if cost is None else f"${cost:.4f}",
    )


def analyze(pages: list[str], document_id: str, settings: Settings) -> Analysis:
    """Analyse a contract, framed for the side the analyzer guessed.

    Every quote in the result is verified against `pages`; the rest are dropped. The guessed perspective is
    kept with the findings, so a reuse of the analysis for the same file starts from the guess, not from
    another document's choice. The result carries `usage` (tokens summed over every LLM call) for the caller
    to store on the job step; the token counters are exported here.
    """
    analysis = _run_analyzer(pages, document_id, settings)
    _record_usage(analysis)
    verified, dropped = verify_quotes(analysis, pages)
    if dropped:
        log.warning("dropped %d %s quotes not found in document %s", dropped, analysis.analyzer, document_id)
    findings = (verified.findings or Findings()).model_copy(update={"perspective": verified.perspective})
    framed = frame(verified.model_copy(update={"findings": findings}), verified.perspective)
    if verified.analyzer == "llm":  # the model wrote its summary for the side it guessed: keep it
        return framed.model_copy(update={"summary": verified.summary})
    return framed
