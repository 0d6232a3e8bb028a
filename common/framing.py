"""How an analysis's findings read for one signer: severity, wording, summary and recommendations.

Framing reads only stored findings (`Analysis.findings`, parties, contract type, money, deadlines), so a
new perspective re-frames at once: no extraction, no LLM call. Both analyzers end with `frame`. The wording
comes from the tables in `common.framing_table`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from common.analysis import Analysis, Feedback, Money, Recommendation, Risk
from common.framing_table import (
    CONTRACT_NAMES,
    INDIVIDUAL_ROLES,
    OTHER_TABLE,
    RISK_TABLE,
    SEVERITY_ORDER,
    Entry,
    Side,
)


def match_role(analysis: Analysis, role: str) -> str | None:
    """The party role `role` names, as the contract writes it; case-insensitive, singular = plural."""
    wanted = role_key(role)
    for party in analysis.parties:
        if party.role and role_key(party.role) == wanted:
            return party.role
    return None


def role_key(role: str) -> str:
    """A role as framing compares it: case-folded, without "the", singular."""
    words = [w for w in role.casefold().split() if w != "the"]
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def burdens(risk: Risk, perspective: str | None) -> bool:
    """Whether `risk` reads as a risk for `perspective`: it burdens that role, or both sides, or no side is set."""
    if perspective is None or not risk.against:
        return True
    wanted = role_key(perspective)
    return any(role_key(role) == wanted for role in risk.against)


def side_of(analysis: Analysis, perspective: str | None) -> Side | None:
    """Whether the reader is the individual facing a business or the business itself."""
    if perspective is None:
        return None
    wanted = role_key(perspective)
    for party in analysis.parties:
        if party.role and role_key(party.role) == wanted:
            return "individual" if party.kind == "person" or wanted in INDIVIDUAL_ROLES else "business"
    return "individual" if wanted in INDIVIDUAL_ROLES else "business"


def _yours_first(risks: list[Risk], perspective: str | None) -> list[Risk]:
    """Findings naming the perspective before mutual ones, so one risk of each kind is shown in its own words."""
    if perspective is None:
        return risks
    return sorted(risks, key=lambda risk: not risk.against)


def _entry(risk: Risk) -> Entry:
    if risk.code != "other":
        return RISK_TABLE[risk.code]
    return OTHER_TABLE.get(risk.title) or Entry(
        risk.title or RISK_TABLE["other"].title,
        RISK_TABLE["other"].severity,
        risk.detail or RISK_TABLE["other"].detail,
        RISK_TABLE["other"].advice,
        RISK_TABLE["other"].rationale,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "risk"


def _topic(risk: Risk) -> str:
    """What one recommendation answers: the code, or for `other` the kind of risk; stable across framings."""
    return risk.code if risk.code != "other" else f"other-{_slug(risk.title)}"


def frame(analysis: Analysis, perspective: str | None) -> Analysis:
    """The analysis as `perspective` (a party's role, or None) should read it; pure and fast."""
    if analysis.findings is None:
        return analysis.model_copy(update={"perspective": perspective})
    side = side_of(analysis, perspective)
    pairs: list[tuple[Risk, Risk]] = []  # (the framed risk, the finding it reads)
    kinds: set[tuple[str, str, tuple[str, ...]]] = set()
    for finding in _yours_first(analysis.findings.risks, perspective):
        # one risk of each kind for a reader; with no reader, one for each side it burdens
        kind = (finding.code, finding.title, tuple(finding.against) if perspective is None else ())
        if not burdens(finding, perspective) or kind in kinds:
            continue
        kinds.add(kind)
        entry = _entry(finding)
        wording = entry.wording(analysis.contract_type, side)
        detail = wording.detail
        if perspective is None and finding.against:
            detail += f" It falls on: {', '.join(finding.against)}."
        framed_risk = finding.model_copy(
            update={"severity": wording.severity, "title": entry.title, "detail": detail}
        )
        pairs.append((framed_risk, finding))
    pairs.sort(key=lambda pair: SEVERITY_ORDER[pair[0].severity])
    shown = [framed_risk for framed_risk, _ in pairs]

    feedback: dict[str, Feedback] = dict(analysis.findings.feedback)
    feedback.update({rec.id: rec.feedback for rec in analysis.recommendations if rec.feedback is not None})
    recommendations: list[Recommendation] = []
    topics: set[str] = set()
    for _, risk in pairs:
        topic = _topic(risk)
        if topic in topics:
            continue
        topics.add(topic)
        wording = _entry(risk).wording(analysis.contract_type, side)
        rec_id = f"rec-{topic}"
        recommendations.append(
            Recommendation(
                id=rec_id,
                text=wording.advice,
                rationale=wording.rationale,
                clause_type=risk.clause_type,
                feedback=feedback.get(rec_id),
            )
        )
    findings = analysis.findings.model_copy(update={"feedback": feedback})
    framed = analysis.model_copy(
        update={
            "perspective": perspective,
            "risks": shown,
            "recommendations": recommendations,
            "findings": findings,
        }
    )
    return framed.model_copy(update={"summary": summary(framed)})


# --- the summary ------------------------------------------------------------------------------------------------

_PERIODS = {"once": "", "day": " a day", "week": " a week", "month": " a month", "year": " a year"}
_MONEY_NAMES = {
    "rent": "rent",
    "deposit": "a deposit",
    "fee": "a fee",
    "price": "a price",
    "salary": "pay",
    "late_fee": "a late fee",
    "penalty": "a penalty",
    "liability_cap": "a liability cap",
    "other": "an amount",
}


_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}
_DEADLINE_WORDS = {
    "effective": "starts",
    "term_end": "ends",
    "renewal_notice": "renewal notice due",
    "termination_notice": "notice to end it",
    "payment": "payment due",
    "other": "deadline",
}


def _amount(item: Money) -> str:
    """`1450.00 USD` as a person writes it: `$1,450.00`; other currencies keep their code."""
    try:
        figure = f"{Decimal(item.amount):,.2f}"
    except InvalidOperation:
        figure = item.amount
    symbol = _SYMBOLS.get(item.currency)
    return f"{symbol}{figure}" if symbol else f"{figure} {item.currency}"


def _money(item: Money) -> str:
    return f"{_MONEY_NAMES[item.kind]} of {_amount(item)}{_PERIODS.get(item.period or 'once', '')}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summary(analysis: Analysis) -> str:
    """Two to five plain sentences for the perspective: what this is, then money, deadlines and top risks."""
    if not analysis.parties and not analysis.clauses and not analysis.risks and not analysis.money:
        return (
            "Little could be found in this document: no recognisable parties, dates or standard contract clauses. "
            "It may be very short, not a contract, or its text may not have been extracted properly."
        )
    kind = CONTRACT_NAMES[analysis.contract_type]
    names = [
        "you"
        if p.name.lower() == "you"
        else p.name
        if not p.role or p.role.lower() in {"party", p.name.lower()}
        else f"{p.name} ({p.role})"
        for p in analysis.parties[:4]
    ]
    lead = ("These are" if analysis.contract_type == "terms_of_service" else "This is") + f" {kind}"
    lead += f" between {_join(names)}" if len(names) > 1 else ""
    if analysis.governing_law:
        lead += f", under the law of {analysis.governing_law}"
    if analysis.perspective and role_key(analysis.perspective) == "you":
        lead += "; it is read here from your side"
    elif analysis.perspective:
        lead += f"; it is read here as the {analysis.perspective}"
    sentences = [lead + "."]
    if analysis.money:
        sentences.append("Money: " + _join([_money(m) for m in analysis.money[:3]]) + ".")
    dated = [d for d in analysis.deadlines if d.date is not None or d.days is not None]
    if dated:
        parts = []
        for d in dated[:2]:
            what = _DEADLINE_WORDS[d.kind]
            days = f"{d.days} day{'s' if d.days != 1 else ''}"
            parts.append(f"{what} {d.date.day} {d.date:%B %Y}" if d.date else f"{what}: {days}")
        sentences.append("Dates to keep: " + _join(parts) + ".")
    top = list(dict.fromkeys(risk.title.lower() for risk in analysis.risks))[:3]
    if top:
        sentences.append("Look first at: " + "; ".join(top) + ".")
    else:
        sentences.append(
            "None of the common risks we look for was found" + (" for you." if analysis.perspective else ".")
        )
    sentences.append(_caveat(analysis))
    return " ".join(sentences[:5])


def _caveat(analysis: Analysis) -> str:
    """The closing sentence: how far to trust this reading, saying so when the text came from a scan or a redline."""
    if analysis.ocr:
        return (
            "This is an automated reading of a scan; check names and figures against the original, and have a "
            "lawyer confirm anything important."
        )
    if analysis.has_tracked_changes:
        return (
            "This is an automated reading of a Word file whose tracked changes nobody has accepted yet, read as if "
            "they were; a lawyer should confirm anything important."
        )
    return "This is an automated reading; a lawyer should confirm anything important."
