"""Framing: the same findings read for one signer or the other, with advice that fits their side."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest

from common.analysis import Analysis, Feedback, Findings, Money, Party, Risk, RiskCode
from common.framing import frame, match_role
from common.framing_table import OTHER_TABLE, RISK_TABLE, missing_codes
from worker.risk_rules import RISK_RULES

BUSINESS_ADVICE = (
    "12 months of fees",
    "buyer of the business",
    "affiliates",
    "sale of the business",
    "2-3 times",
)


def _risk(n: int, code: RiskCode, against: list[str], title: str = "") -> Risk:
    return Risk(
        id=f"risk-{n}", severity="medium", title=title or code, detail="", code=code, against=against,
        quote=f"quote {n}",
    )  # fmt: skip


def _lease(*risks: Risk) -> Analysis:
    return Analysis(
        document_id="d",
        analyzer="offline",
        summary="",
        contract_type="lease",
        parties=[
            Party(name="Harold Whitmore", role="Landlord", kind="person"),
            Party(name="Chloe Brennan", role="Tenant", kind="person"),
        ],
        money=[Money(kind="rent", amount="1250.00", currency="GBP", period="month", text="£1,250 per month")],
        findings=Findings(risks=list(risks)),
    )


def test_every_catalogue_code_and_every_other_rule_has_wording() -> None:
    assert missing_codes() == set()
    assert set(RISK_TABLE) == set(get_args(RiskCode))
    assert {rule.title for rule in RISK_RULES if rule.code == "other"} <= set(OTHER_TABLE)
    for entry in [*RISK_TABLE.values(), *OTHER_TABLE.values()]:
        assert entry.title
        assert entry.detail
        assert entry.advice
        assert entry.rationale


def test_a_cap_protecting_you_is_not_a_risk_to_you_but_the_same_cap_on_the_other_side_is() -> None:
    analysis = _lease(_risk(1, "liability_limited", ["Tenant"]))
    assert [r.code for r in frame(analysis, "Tenant").risks] == ["liability_limited"]
    assert frame(analysis, "Landlord").risks == []


def test_mutual_risks_read_for_both_sides_and_null_perspective_reads_everything() -> None:
    analysis = _lease(_risk(1, "exclusive_venue", []), _risk(2, "entry_or_inspection", ["Tenant"]))
    assert [r.code for r in frame(analysis, "Landlord").risks] == ["exclusive_venue"]
    everything = frame(analysis, None)
    assert {r.code for r in everything.risks} == {"exclusive_venue", "entry_or_inspection"}
    assert everything.perspective is None


def test_roles_compare_case_insensitively_and_singular_equals_plural() -> None:
    analysis = _lease(_risk(1, "deposit_forfeiture", ["Tenant"]))
    assert match_role(analysis, "tenants") == "Tenant"
    assert match_role(analysis, "Agent") is None
    assert [r.code for r in frame(analysis, "TENANTS").risks] == ["deposit_forfeiture"]


def test_feedback_survives_reframing_to_another_side_and_back() -> None:
    analysis = frame(
        _lease(_risk(1, "deposit_forfeiture", ["Tenant"]), _risk(2, "exclusive_venue", [])), "Tenant"
    )
    rec = next(r for r in analysis.recommendations if r.id == "rec-deposit_forfeiture")
    rec.feedback = Feedback(verdict="accepted", at=datetime(2026, 1, 1, tzinfo=UTC))
    as_landlord = frame(analysis, "Landlord")
    assert [r.id for r in as_landlord.recommendations] == ["rec-exclusive_venue"]
    back = frame(as_landlord, "Tenant")
    kept = next(r for r in back.recommendations if r.id == "rec-deposit_forfeiture")
    assert kept.feedback is not None
    assert kept.feedback.verdict == "accepted"
    assert {r.id for r in back.recommendations} == {r.id for r in analysis.recommendations}


def test_a_tenant_never_gets_business_advice() -> None:
    codes = [code for code in get_args(RiskCode) if code != "other"]
    analysis = _lease(*[_risk(n, code, ["Tenant"]) for n, code in enumerate(codes, start=1)])
    framed = frame(analysis, "Tenant")
    assert len(framed.recommendations) == len(codes)
    for rec in framed.recommendations:
        assert not any(phrase in rec.text for phrase in BUSINESS_ADVICE), rec.text


def test_other_risks_take_their_wording_from_their_kind() -> None:
    analysis = _lease(_risk(1, "other", [], title="Joint and several liability"))
    framed = frame(analysis, "Tenant")
    assert framed.risks[0].title == "Joint and several liability"
    assert framed.recommendations[0].id == "rec-other-joint-and-several-liability"


def test_the_summary_says_what_this_is_the_money_and_the_top_risks() -> None:
    framed = frame(
        _lease(_risk(1, "deposit_forfeiture", ["Tenant"]), _risk(2, "other", [], "No end date")), "Tenant"
    )
    sentences = [s for s in framed.summary.split(". ") if s]
    assert 2 <= len(sentences) <= 5
    assert framed.summary.startswith(
        "This is a lease between Harold Whitmore (Landlord) and Chloe Brennan (Tenant)"
    )
    assert "£1,250.00 a month" in framed.summary
    assert "deductions from your deposit" in framed.summary


def test_frame_is_pure_and_severity_comes_from_the_table() -> None:
    analysis = _lease(_risk(1, "indemnity_by_you", ["Tenant"]), _risk(2, "jury_waiver", []))
    before = analysis.model_copy(deep=True)
    framed = frame(analysis, "Tenant")
    assert analysis == before
    assert [(r.code, r.severity) for r in framed.risks] == [
        ("indemnity_by_you", "high"),
        ("jury_waiver", "low"),
    ]
    assert frame(framed, "Tenant") == framed


@pytest.mark.parametrize("perspective", ["Tenant", "Landlord", None])
def test_an_analysis_without_findings_keeps_its_own_risks(perspective: str | None) -> None:
    analysis = Analysis(document_id="d", analyzer="llm", summary="s", risks=[_risk(1, "arbitration", [])])
    framed = frame(analysis, perspective)
    assert framed.risks == analysis.risks
    assert framed.perspective == perspective


def test_advice_for_an_outside_the_catalogue_risk_follows_its_kind_not_its_framed_title() -> None:
    framed = frame(_lease(_risk(1, "other", ["Tenant"], title="Non-disparagement")), "Tenant")
    assert framed.risks[0].title == OTHER_TABLE["Non-disparagement"].title
    assert framed.recommendations[0].id == "rec-other-non-disparagement"
    assert framed.recommendations[0].text == OTHER_TABLE["Non-disparagement"].advice
    assert frame(framed, "Tenant").recommendations == framed.recommendations
