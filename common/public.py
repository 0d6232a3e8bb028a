"""The records as the API and the export manifest show them: one pydantic model each, which the OpenAPI
document describes and the views answer with.

A field the contract marks optional (`error?`, `download_url?`) is left out when there is nothing to say;
every other field is always there, null when unknown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from common.models import Document, DocumentStatus, ErrorInfo, Job, JobKind, JobStatus, Step, StepStatus, User


def _omitted_when_none(description: str | None = None) -> Any:
    """A field left out of the answer when None, and described as absent rather than null."""
    return Field(default=None, exclude_if=lambda value: value is None, description=description)


class ErrorPublic(BaseModel):
    code: str
    message: str

    @classmethod
    def of(cls, error: ErrorInfo | None) -> ErrorPublic | None:
        return cls(code=error.code, message=error.message) if error else None


class StepPublic(BaseModel):
    name: str
    status: StepStatus
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    error: ErrorPublic | SkipJsonSchema[None] = _omitted_when_none()

    @classmethod
    def of(cls, step: Step) -> StepPublic:
        return cls(
            name=step.name,
            status=step.status,
            started_at=step.started_at,
            finished_at=step.finished_at,
            attempts=step.attempts,
            error=ErrorPublic.of(step.error),
        )


class JobPublic(BaseModel):
    id: str
    kind: JobKind
    document_id: str
    status: JobStatus
    progress: Annotated[int, Field(ge=0, le=100)]
    steps: list[StepPublic]
    error: ErrorPublic | SkipJsonSchema[None] = _omitted_when_none()
    created_at: datetime
    updated_at: datetime
    download_url: str | SkipJsonSchema[None] = _omitted_when_none(
        "`/api/v1/jobs/{id}/download`, once an export has succeeded."
    )

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        downloadable = job.kind is JobKind.EXPORT and job.status is JobStatus.SUCCEEDED
        return cls(
            id=job.id,
            kind=job.kind,
            document_id=job.document_id,
            status=job.status,
            progress=job.progress,
            steps=[StepPublic.of(s) for s in job.steps],
            error=ErrorPublic.of(job.error),
            created_at=job.created_at,
            updated_at=job.updated_at,
            download_url=f"/api/v1/jobs/{job.id}/download" if downloadable else None,
        )


class DocumentPublic(BaseModel):
    id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    status: DocumentStatus
    created_at: datetime
    updated_at: datetime
    page_count: int | None
    latest_job_id: str | None

    @classmethod
    def of(cls, doc: Document) -> DocumentPublic:
        return cls(
            id=doc.id,
            filename=doc.filename,
            content_type=doc.content_type,
            size_bytes=doc.size_bytes,
            sha256=doc.sha256,
            status=doc.status,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            page_count=doc.page_count,
            latest_job_id=doc.latest_job_id,
        )


class UserPublic(BaseModel):
    email: str
    email_verified: bool
    mfa_enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            email=user.email,
            email_verified=user.email_verified,
            mfa_enabled=user.mfa_enabled,
            created_at=user.created_at,
        )
