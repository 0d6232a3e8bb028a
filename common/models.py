"""The records the service keeps, their statuses, and the one place that decides status transitions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from common.analysis import Analysis
from common.stages import JobKind as JobKind  # declared beside the stages each kind runs
from common.stages import stages_of


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED})

_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.CANCELED, JobStatus.FAILED}),
    # running -> queued is the watchdog (or a redelivery) putting an abandoned job back in line.
    JobStatus.RUNNING: frozenset(
        {JobStatus.QUEUED, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED}
    ),
    # failed -> queued is `jobs retry-failed` giving a transient failure another go.
    JobStatus.FAILED: frozenset({JobStatus.QUEUED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.CANCELED: frozenset(),
}


class InvalidTransition(ValueError):
    """A job was asked to move to a status it cannot reach from where it is."""


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target == current or target in _TRANSITIONS[current]


def check_transition(current: JobStatus, target: JobStatus) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(f"a job cannot go from {current} to {target}")


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    ANALYZED = "analyzed"
    FAILED = "failed"


@dataclass
class User:
    email: str
    password_hash: str
    created_at: datetime = field(default_factory=utcnow)
    email_verified: bool = False
    mfa_enabled: bool = False
    mfa_secret: str | None = None  # encrypted, see web.mfa
    recovery_codes: list[str] = field(default_factory=list)  # hashed
    mfa_last_step: int = 0  # the last TOTP time step accepted, so a code works once
    version: str = ""

    @property
    def id(self) -> str:
        return self.email


@dataclass
class ErrorInfo:
    code: str
    message: str
    transient: bool = False


@dataclass
class Step:
    name: str
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    worker: str | None = None
    error: ErrorInfo | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # estimated, for LLM steps


@dataclass
class Job:
    owner_email: str
    kind: JobKind
    document_id: str
    id: str = field(default_factory=new_id)
    status: JobStatus = JobStatus.QUEUED
    progress: int = 0
    steps: list[Step] = field(default_factory=list)
    error: ErrorInfo | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    attempts: int = 0
    worker: str | None = None
    heartbeat_at: datetime | None = None
    enqueued_at: datetime | None = None
    # The id of the one Celery message allowed to work on this job: a redelivery carries the same id,
    # a stale duplicate (re-enqueued by the watchdog meanwhile) does not, and is ignored.
    task_id: str | None = None
    include_original: bool = False
    result_blob: str | None = None
    result_bytes: int | None = None
    result_sha256: str | None = None
    expires_at: datetime | None = None
    # One more at every write (`common.jobs.mutate_job`): orders the versions of one job for its Redis view.
    revision: int = 0
    version: str = ""

    @classmethod
    def new(cls, owner_email: str, kind: JobKind, document_id: str, **extra: Any) -> Job:
        steps = [Step(stage.name) for stage in stages_of(kind)]
        return cls(owner_email, kind, document_id, steps=steps, **extra)

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def has_step(self, name: str) -> bool:
        return any(step.name == name for step in self.steps)

    def next_step(self) -> Step | None:
        """The first step not yet done, or None when all are."""
        for step in self.steps:
            if step.status not in (StepStatus.SUCCEEDED, StepStatus.SKIPPED):
                return step
        return None

    def move_to(self, target: JobStatus) -> None:
        check_transition(self.status, target)
        self.status = target
        self.updated_at = utcnow()


@dataclass
class Document:
    owner_email: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    blob_name: str
    id: str = field(default_factory=new_id)
    status: DocumentStatus = DocumentStatus.QUEUED
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    page_count: int | None = None
    latest_job_id: str | None = None
    text_blob: str | None = None
    analysis: Analysis | None = None
    version: str = ""
