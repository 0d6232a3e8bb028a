"""Periodic clean-up run by Celery beat."""

from __future__ import annotations

import logging

from common.blobs import BlobStore
from common.jobs import Unchanged, mutate_job
from common.models import Job, JobKind, JobStatus, utcnow
from common.store import NotFound, Store

log = logging.getLogger(__name__)


def expire_exports(store: Store, blobs: BlobStore) -> int:
    """Delete the ZIPs of exports past `expires_at` and forget them on the job; answers how many."""
    now = utcnow()
    expired = 0
    for job in store.ops_jobs_in_status(JobStatus.SUCCEEDED):
        if (
            job.kind is not JobKind.EXPORT
            or not job.result_blob
            or not job.expires_at
            or job.expires_at > now
        ):
            continue
        blobs.delete(job.result_blob)

        def forget(fresh: Job) -> None:
            if fresh.result_blob is None:
                raise Unchanged
            fresh.result_blob = None

        try:
            mutate_job(store, job.owner_email, job.id, forget)
        except NotFound:
            continue
        expired += 1
    if expired:
        log.info("expired %d export(s)", expired)
    return expired
