"""Polling `GET /jobs/{id}` from the job's view in Redis: never older than the store, never another user's,
no store read while nothing changed, bad tokens and the poll's limit answered as before."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from common import jobs
from common.job_cache import JobCache
from common.models import Job, JobKind, JobStatus
from common.telemetry import POLL_STORE_READS
from tests.conftest import fresh_client
from tests.helpers import bearer, signed_in
from tests.integration.test_auth_bad_input import TOKENS
from tests.servers import Mailbox, free_port
from web import create_app


def _job(app: Flask, owner: str) -> Job:
    """A queued job written to the store, as `POST /documents` writes one (no worker will take it)."""
    job = Job.new(owner, JobKind.ANALYSIS, "doc-of-" + owner)
    app.extensions["kraftd"].store.create_job(job)
    return job


def _cache(app: Flask) -> JobCache:
    cache: JobCache = app.extensions["kraftd"].job_cache
    return cache


def _poll(client: FlaskClient, tokens: dict[str, Any], job_id: str, etag: str | None = None) -> Any:
    headers = {**bearer(tokens), **({"If-None-Match": etag} if etag else {})}
    return client.get(f"/api/v1/jobs/{job_id}", headers=headers)


def _store_reads() -> float:
    return POLL_STORE_READS._value.get()


def _progress(app: Flask, owner: str, job_id: str, to: int) -> Job:
    def change(job: Job) -> None:
        job.progress = to

    return jobs.mutate_job(app.extensions["kraftd"].store, owner, job_id, change)


def test_every_poll_shows_what_the_store_holds_after_each_write(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    first = _poll(client, tokens, job.id)
    assert (first.status_code, first.json["progress"], first.headers["ETag"]) == (200, 0, f'"{job.version}"')
    for step in (5, 40, 45):
        saved = _progress(app, email, job.id, step)
        answer = _poll(client, tokens, job.id, etag=first.headers["ETag"])
        assert (answer.status_code, answer.json["progress"]) == (200, step)
        assert answer.headers["ETag"] == f'"{saved.version}"'
    jobs.mutate_job(app.extensions["kraftd"].store, email, job.id, lambda j: j.move_to(JobStatus.CANCELED))
    polled = _poll(client, tokens, job.id).json
    assert polled["status"] == "canceled"
    listed = client.get("/api/v1/jobs", headers=bearer(tokens)).json["items"]
    assert [item for item in listed if item["id"] == job.id] == [polled], "the same view as every other route"


def test_a_late_publish_of_an_older_version_never_replaces_a_newer_one(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    older = _progress(app, email, job.id, 5)  # a writer that is slow to publish this one...
    _progress(app, email, job.id, 40)  # ...while another writes and publishes the next
    assert _cache(app).publish(older) is False
    answer = _poll(client, tokens, job.id)
    assert answer.json["progress"] == 40
    assert answer.headers["ETag"] == f'"{app.extensions["kraftd"].store.get_job(email, job.id).version}"'


def test_a_writer_that_dies_between_its_mark_and_its_save_sends_polls_to_the_store(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    assert _poll(client, tokens, job.id).json["progress"] == 0
    current = app.extensions["kraftd"].store.get_job(email, job.id)
    current.revision += 1
    _cache(app).pending(current)  # marked, never saved nor published
    before = _store_reads()
    assert _poll(client, tokens, job.id).json["progress"] == 0
    assert _store_reads() == before + 1
    assert _progress(app, email, job.id, 40).revision == current.revision  # the next real write clears it
    before = _store_reads()
    assert _poll(client, tokens, job.id).json["progress"] == 40
    assert _store_reads() == before


def test_polls_racing_writes_never_see_an_older_version_than_the_store(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    store = app.extensions["kraftd"].store

    def write() -> None:
        for step in range(1, 101):
            _progress(app, email, job.id, step)

    writer = threading.Thread(target=write)
    writer.start()
    seen: list[tuple[int, int]] = []
    while writer.is_alive() or not seen:
        in_store = store.get_job(email, job.id).progress
        seen.append((in_store, _poll(client, tokens, job.id).json["progress"]))
    writer.join()
    assert all(polled >= stored for stored, polled in seen), [p for p in seen if p[1] < p[0]][:5]
    assert _poll(client, tokens, job.id).json["progress"] == 100


def test_polling_an_unchanged_job_reads_the_store_at_most_once(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    before = _store_reads()
    etag = _poll(client, tokens, job.id).headers["ETag"]
    answers = [_poll(client, tokens, job.id, etag=etag).status_code for _ in range(20)]
    assert answers == [304] * 20
    assert _store_reads() - before <= 1


def test_another_users_job_answers_404_even_once_its_owner_polled_it(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    owner = signed_in(client, mailbox, email)
    other = signed_in(fresh_client(app), mailbox, "other-" + email)
    job = _job(app, email)
    assert _poll(client, owner, job.id).status_code == 200
    answer = _poll(client, other, job.id)
    assert (answer.status_code, answer.json["error"]["code"]) == (404, "not_found")


def test_a_deleted_job_answers_404_and_a_late_publish_cannot_bring_it_back(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    late = _progress(app, email, job.id, 40)
    jobs.delete(app.extensions["kraftd"].store, email, job.id)
    assert _cache(app).publish(late) is False
    assert _poll(client, tokens, job.id).status_code == 404


@pytest.mark.parametrize("kind", TOKENS)
def test_a_bad_token_on_the_poll_answers_as_on_every_other_route(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str, kind: str
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    assert _poll(client, tokens, job.id).status_code == 200
    make, code = TOKENS[kind]
    answer = client.get(
        f"/api/v1/jobs/{job.id}", headers={"Authorization": f"Bearer {make(app, email, tokens, client)}"}
    )
    assert (answer.status_code, answer.json["error"]["code"]) == (401, code)
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 401


def test_the_poll_limit_answers_429_with_retry_after(
    base_config: dict[str, Any], mailbox: Mailbox, email: str
) -> None:
    limited = create_app({**base_config, "rate_limit_poll": "3/minute"})
    client = fresh_client(limited)
    tokens = signed_in(client, mailbox, email)
    job = _job(limited, email)
    answers = [_poll(client, tokens, job.id) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[3].json["error"]["code"] == "rate_limited"
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60


def test_a_job_write_that_cannot_mark_its_view_pending_does_not_happen(app: Flask, email: str) -> None:
    store = app.extensions["kraftd"].store
    job = _job(app, email)
    unreachable = redis.Redis(port=free_port(), socket_connect_timeout=1)
    jobs.use_cache(store, JobCache(unreachable, patience_seconds=0))
    try:
        with pytest.raises(redis.RedisError):
            _progress(app, email, job.id, 40)
    finally:
        jobs.use_cache(store, _cache(app))
    assert store.get_job(email, job.id).version == job.version


def test_polls_that_answer_are_counted_not_logged_and_a_failed_poll_is_logged(
    app: Flask, client: FlaskClient, mailbox: Mailbox, email: str, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    caplog.clear()
    with caplog.at_level("INFO", logger="kraftd.http"):
        first = _poll(client, tokens, job.id)
        again = _poll(client, tokens, job.id, first.headers["ETag"])
        missing = _poll(client, tokens, "no-such-job")
        listed = client.get("/api/v1/jobs", headers=bearer(tokens))
    assert (first.status_code, again.status_code, missing.status_code, listed.status_code) == (
        200,
        304,
        404,
        200,
    )
    lines = [(r.getMessage(), getattr(r, "status", None)) for r in caplog.records if r.name == "kraftd.http"]
    assert lines == [("GET /api/v1/jobs/<job_id> 404", 404), ("GET /api/v1/jobs 200", 200)]


def test_polls_go_on_when_redis_forgets_the_script_and_drops_the_connections(
    base_config: dict[str, Any], redis_client: redis.Redis, mailbox: Mailbox, email: str
) -> None:
    """The poll keeps connections of its own for its script: a Redis that restarted (script cache empty,
    connections closed) costs the next poll a slower answer, not an error, and counts it once."""
    redis_client.acl_setuser(
        "poller", enabled=True, passwords=["+poller-secret"], keys=["*"], channels=["*"], commands=["+@all"]
    )
    app = create_app(
        {
            **base_config,
            "redis_url": base_config["redis_url"].replace("redis://", "redis://poller:poller-secret@"),
            "rate_limit_poll": "100/minute",
        }
    )
    client = fresh_client(app)
    tokens = signed_in(client, mailbox, email)
    job = _job(app, email)
    answers = [_poll(client, tokens, job.id)]
    redis_client.script_flush()
    answers.append(_poll(client, tokens, job.id))
    assert redis_client.client_kill_filter(user="poller") > 0
    answers.append(_poll(client, tokens, job.id))
    assert [(a.status_code, a.json["id"]) for a in answers] == [(200, job.id)] * 3
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["99", "98", "97"]
