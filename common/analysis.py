"""The analysis of a contract, as CONTRACT.md's Analysis section defines it."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

RiskLevel = Literal["low", "medium", "high"]
Verdict = Literal["accepted", "rejected", "edited"]
ContractType = Literal[
    "lease",
    "employment",
    "contractor",
    "terms_of_service",
    "nda",
    "investment",
    "loan",
    "services",
    "license",
    "purchase",
    "other",
]
PartyKind = Literal["person", "organization"]
# The risk catalogue of CONTRACT.md ("Analysis for the person who signs"); `other` is a real risk outside it.
RiskCode = Literal[
    "auto_renewal",
    "unilateral_changes",
    "termination_at_will",
    "early_termination_fee",
    "arbitration",
    "class_action_waiver",
    "jury_waiver",
    "exclusive_venue",
    "liability_limited",
    "uncapped_liability",
    "indemnity_by_you",
    "non_compete",
    "non_solicit",
    "ip_assignment",
    "confidentiality_on_you",
    "late_fee_or_penalty",
    "non_refundable",
    "deposit_forfeiture",
    "personal_guarantee",
    "repayment_obligation",
    "no_repayment_or_dilution",
    "data_sharing",
    "entry_or_inspection",
    "other",
]
MoneyKind = Literal[
    "rent", "deposit", "fee", "price", "salary", "late_fee", "penalty", "liability_cap", "other"
]
Period = Literal["once", "day", "week", "month", "year"]
DeadlineKind = Literal["effective", "term_end", "renewal_notice", "termination_notice", "payment", "other"]


class Party(BaseModel):
    name: str = Field(description="As written: a person's full name or an organisation's name, nothing else.")
    role: str | None = Field(default=None, description='The label the contract defines ("Tenant"), or null.')
    kind: PartyKind = "organization"


class Term(BaseModel):
    initial: str | None = None
    renewal: str | None = None
    notice_period: str | None = None


class Clause(BaseModel):
    type: str
    title: str
    text: str = Field(description="A verbatim quote of the document.")
    page: int | None = None
    risk: RiskLevel
    explanation: str


class Risk(BaseModel):
    id: str
    severity: RiskLevel
    title: str
    detail: str
    clause_type: str | None = None
    code: RiskCode = "other"
    against: list[str] = Field(
        default_factory=list, description="Roles of the parties it burdens; empty when it burdens both."
    )
    quote: str | None = Field(default=None, description="A verbatim quote of the document.")


class Money(BaseModel):
    kind: MoneyKind
    amount: str = Field(description='A decimal string, "1250.00".')
    currency: str = Field(description="ISO 4217.")
    period: Period | None = None
    text: str = Field(description="A verbatim quote of the document.")


class Deadline(BaseModel):
    kind: DeadlineKind
    date: dt.date | None = None
    days: int | None = Field(default=None, description="A notice period, in days.")
    text: str = Field(description="A verbatim quote of the document.")


class Feedback(BaseModel):
    verdict: Verdict
    comment: str | None = None
    edited_text: str | None = None
    at: datetime


class Findings(BaseModel):
    """What the document says that framing reads: every risk found, whichever side it burdens.

    Stored with the analysis so that a new perspective re-frames without extraction or an LLM call;
    never part of the public answer (`Analysis.public`).
    """

    risks: list[Risk] = Field(default_factory=list)
    perspective: str | None = Field(default=None, description="The side the analyzer guessed.")
    feedback: dict[str, Feedback] = Field(
        default_factory=dict,
        description="Feedback by recommendation id, kept for recommendations another perspective hides.",
    )


class Recommendation(BaseModel):
    id: str
    text: str
    rationale: str
    clause_type: str | None = None
    feedback: Feedback | None = None


class Usage(BaseModel):
    input_tokens: int
    output_tokens: int


class AnalysisPublic(BaseModel):
    """The analysis as the API and the export show it."""

    document_id: str
    analyzer: Literal["offline", "llm"]
    model: str | None = None
    summary: str
    parties: list[Party] = Field(default_factory=list)
    effective_date: date | None = None
    term: Term | None = None
    governing_law: str | None = None
    clauses: list[Clause] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)
    usage: Usage | None = None
    contract_type: ContractType = "other"
    perspective: str | None = None
    money: list[Money] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    ocr: bool | None = None
    has_tracked_changes: bool | None = None


class Analysis(AnalysisPublic):
    """The stored analysis: the public one and the findings kept for re-framing, which stay inside."""

    findings: Findings | None = None

    def public(self) -> AnalysisPublic:
        return AnalysisPublic.model_construct(
            **{name: getattr(self, name) for name in AnalysisPublic.model_fields}
        )
