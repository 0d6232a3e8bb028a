"""The analysis of a contract, as CONTRACT.md's Analysis section defines it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

RiskLevel = Literal["low", "medium", "high"]
Verdict = Literal["accepted", "rejected", "edited"]


class Party(BaseModel):
    name: str
    role: str


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


class Feedback(BaseModel):
    verdict: Verdict
    comment: str | None = None
    edited_text: str | None = None
    at: datetime


class Recommendation(BaseModel):
    id: str
    text: str
    rationale: str
    clause_type: str | None = None
    feedback: Feedback | None = None


class Usage(BaseModel):
    input_tokens: int
    output_tokens: int


class Analysis(BaseModel):
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
