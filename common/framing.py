"""How an analysis's findings read for one signer: severity, wording, summary and recommendations.

Framing reads only stored findings (`Analysis.findings`, parties, contract type, money, deadlines), so a
new perspective re-frames at once: no extraction, no LLM call. Both analyzers end with `frame`.
"""

from __future__ import annotations

from common.analysis import Analysis


def match_role(analysis: Analysis, role: str) -> str | None:
    """The party role `role` names, as the contract writes it; case-insensitive, singular = plural."""
    wanted = _singular(role.strip().casefold())
    for party in analysis.parties:
        if party.role and _singular(party.role.strip().casefold()) == wanted:
            return party.role
    return None


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def frame(analysis: Analysis, perspective: str | None) -> Analysis:
    """The analysis as `perspective` (a party's role, or None) should read it."""
    return analysis.model_copy(update={"perspective": perspective})
