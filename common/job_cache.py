"""Each job's public view in Redis, so a browser polling `GET /jobs/{id}` costs no store read.

The store stays the source of truth. A job's entry is a hash `{rev, etag, body}` under its owner and id, where
`rev` is the job's revision (`Job.revision`, one more at every write, so it orders the versions of one job) and
`etag`/`body` are the version and public JSON the store holds at that revision. Three rules keep a reader from
ever seeing a version older than the store's:

- before a writer saves revision N it marks the entry *pending* at N (no body: readers go to the store);
- after the save, and after a reader's read-through from the store, the view is published only if its revision
  is newer than the entry's, or equal to a pending mark's (a Lua script, so the check and the write are one);
- a deleted job leaves a tombstone above every revision, so a late publish cannot bring it back.

A writer that dies between its mark and its save leaves the entry pending: readers read the store until the
entry expires (TTL_SECONDS). The key carries a hash of the owner's e-mail: another user's id never matches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import redis
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from common.models import Job
from common.public import JobPublic
from common.redis_script import HeldScript

TTL_SECONDS = 120
# As long as a worker's hand-off waits for the broker (common.queue.AT_THE_HAND_OFF).
PENDING_PATIENCE = 75.0
TOMBSTONE_REVISION = 2**62
_PREFIX = "kraftd:job:"

# KEYS[1] the entry; ARGV: revision, etag, body ('' marks pending), ttl. 1 when written, 0 when refused.
_PUBLISH = """
local current = redis.call('HMGET', KEYS[1], 'rev', 'body')
local rev = tonumber(ARGV[1])
if current[1] then
  local held = tonumber(current[1])
  if held > rev then return 0 end
  if held == rev and (ARGV[3] == '' or current[2] ~= '') then return 0 end
end
redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'etag', ARGV[2], 'body', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


@dataclass(frozen=True)
class CachedView:
    """A job's public JSON and its ETag (the store's version), as published."""

    etag: str
    body: str


def key(owner_email: str, job_id: str) -> str:
    return f"{_PREFIX}{_owner_part(owner_email)}:{job_id}"


@lru_cache(maxsize=4096)  # every poll of a running job asks again for the same owner
def _owner_part(owner_email: str) -> str:
    return hashlib.sha256(owner_email.encode()).hexdigest()[:32]


def body_of(job: Job) -> str:
    """The public view as the API writes it everywhere (`JobPublic`, serialized by pydantic)."""
    return JobPublic.of(job).model_dump_json()


def view_from(fields: list[bytes | str | None]) -> CachedView | None:
    """The answer of `HMGET key etag body`; None for a miss, a pending mark or a tombstone."""
    etag, body = (f.decode() if isinstance(f, bytes) else f for f in fields)
    if not etag or not body:
        return None
    return CachedView(etag, body)


class JobCache:
    """Publishes job views to one Redis; every call is a single round trip."""

    def __init__(
        self, client: redis.Redis, ttl_seconds: int = TTL_SECONDS, patience_seconds: float = PENDING_PATIENCE
    ) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self.patience = patience_seconds
        self._publish = HeldScript(client, _PUBLISH)

    def pending(self, job: Job) -> None:
        """Readers go to the store from now until revision `job.revision` (about to be saved) is published.

        The mark must land before the save, else a poll could show an older view than the store: a Redis that
        stalls makes the write wait for it (backoff up to 2 s, for `patience` seconds) rather than fail, so a
        short stall costs a worker seconds, not the watchdog's minutes."""
        for attempt in Retrying(
            retry=retry_if_exception_type(redis.ConnectionError),
            wait=wait_exponential(multiplier=0.5, max=2.0),
            stop=stop_after_delay(self.patience),
            reraise=True,
        ):
            with attempt:
                self._publish([key(job.owner_email, job.id)], [job.revision, "", "", self.ttl])

    def publish(self, job: Job) -> bool:
        """Publish the view of a job as the store holds it; False when the entry already holds a newer one."""
        args: list[str | int] = [job.revision, job.version, body_of(job), self.ttl]
        return bool(self._publish([key(job.owner_email, job.id)], args))

    def forget(self, owner_email: str, job_id: str) -> None:
        """The job is deleted: a tombstone no publish can overwrite, for as long as a late one could come."""
        self._publish([key(owner_email, job_id)], [TOMBSTONE_REVISION, "", "", self.ttl * 10])

    def read(self, owner_email: str, job_id: str) -> CachedView | None:
        return view_from(self.client.hmget(key(owner_email, job_id), ["etag", "body"]))
