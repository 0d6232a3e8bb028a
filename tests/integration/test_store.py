"""One store suite, run against SQLite and against Cosmos DB (the @vercel/cosmosdb-server emulator).

Emulator gaps this suite meets (the production code stays right for real Cosmos):
- a point read of a missing id (or of an id in another partition) answers 500 with a JavaScript TypeError
  instead of 404; the Cosmos store maps exactly that text to NotFound (`_emulator_missing_item`);
- `query_items(partition_key=...)` is ignored, so every tenant query also says `c.owner_email = @owner`
  (the "another owner never sees it" tests would catch a query that relied on the header alone);
- OFFSET/LIMIT are not parsed: pages are read with the SDK's continuation tokens and a keyset cursor;
- TTL is accepted but never expires, so nothing here waits for an expiry;
- it never throttles: a small proxy in front of it injects 429 + `x-ms-retry-after-ms` (end of this file);
- transactional batches are not atomic there (and fail for replace/upsert/patch): the store uses none.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from prometheus_client import REGISTRY

from common.analysis import (
    Analysis,
    Clause,
    Deadline,
    Feedback,
    Findings,
    Money,
    Party,
    Recommendation,
    Risk,
    Term,
    Usage,
)
from common.models import Document, DocumentStatus, ErrorInfo, Job, JobKind, JobStatus, StepStatus, User
from common.store import AlreadyExists, Conflict, NotFound, Store, StoreUnavailable
from common.store.cosmos import CosmosStore
from common.store.sqlite import SqliteStore
from tests.azure_servers import CosmosEmulator

pytestmark = pytest.mark.integration

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
_owners = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("cosmos", marks=pytest.mark.azure)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store per test: a new SQLite file, or a new database in the shared emulator."""
    if request.param == "sqlite":
        yield SqliteStore(tmp_path / "store.sqlite3")
        return
    emulator: CosmosEmulator = request.getfixturevalue("cosmos_emulator")
    cosmos = CosmosStore.from_settings(emulator.settings(emulator.fresh_database()))
    cosmos.ensure_containers()
    yield cosmos


@pytest.fixture
def owner() -> str:
    return f"owner{next(_owners)}@example.com"


@pytest.fixture
def other_owner() -> str:
    return f"other{next(_owners)}@example.com"


def a_document(owner: str, created_at: datetime = T0, sha256: str = "ab" * 32, **extra: Any) -> Document:
    return Document(
        owner_email=owner,
        filename="msa.pdf",
        content_type="application/pdf",
        size_bytes=1234,
        sha256=sha256,
        blob_name=f"{owner}/msa.pdf",
        created_at=created_at,
        updated_at=created_at,
        **extra,
    )


def a_job(owner: str, document_id: str = "doc1", kind: JobKind = JobKind.ANALYSIS, **extra: Any) -> Job:
    return Job.new(owner, kind, document_id, **extra)


# users


def test_a_created_user_reads_back_equal_with_a_version(store: Store, owner: str) -> None:
    user = store.create_user(User(owner, "argon2-hash", recovery_codes=["h1", "h2"]))
    assert user.version
    assert store.get_user(owner) == user


def test_creating_a_user_twice_is_already_exists(store: Store, owner: str) -> None:
    store.create_user(User(owner, "hash"))
    with pytest.raises(AlreadyExists):
        store.create_user(User(owner, "other-hash"))


def test_updating_a_user_changes_its_version(store: Store, owner: str) -> None:
    user = store.create_user(User(owner, "hash"))
    first = user.version
    user.email_verified = True
    updated = store.update_user(user)
    assert updated.version != first
    assert store.get_user(owner).email_verified is True


def test_updating_a_stale_user_is_a_conflict(store: Store, owner: str) -> None:
    user = store.create_user(User(owner, "hash"))
    stale = store.get_user(owner)
    user.mfa_enabled = True
    store.update_user(user)
    stale.password_hash = "new-hash"
    with pytest.raises(Conflict):
        store.update_user(stale)
    assert store.get_user(owner).password_hash == "hash"


def test_updating_a_user_never_read_is_a_conflict(store: Store, owner: str) -> None:
    store.create_user(User(owner, "hash"))
    with pytest.raises(Conflict):
        store.update_user(User(owner, "other-hash"))


def test_updating_a_missing_user_is_not_found(store: Store, owner: str) -> None:
    user = store.create_user(User(owner, "hash"))
    store.delete_user(owner)
    with pytest.raises(NotFound):
        store.update_user(user)


def test_a_deleted_user_is_not_found_and_deleting_again_is_fine(store: Store, owner: str) -> None:
    store.create_user(User(owner, "hash"))
    store.delete_user(owner)
    with pytest.raises(NotFound):
        store.get_user(owner)
    store.delete_user(owner)


def test_a_missing_user_is_not_found(store: Store, owner: str) -> None:
    with pytest.raises(NotFound):
        store.get_user(owner)


def test_an_email_with_characters_cosmos_forbids_in_ids_still_works(store: Store) -> None:
    odd = f"a/b\\c?d#e%2F{next(_owners)}@example.com"
    user = store.create_user(User(odd, "hash"))
    user.email_verified = True
    store.update_user(user)
    assert store.get_user(odd).email_verified is True
    with pytest.raises(NotFound):
        store.get_user(odd.replace("%2F", "/"))


# documents


def test_a_created_document_reads_back_equal_with_its_analysis(store: Store, owner: str) -> None:
    doc = a_document(owner, page_count=3)
    doc.analysis = Analysis(
        document_id=doc.id,
        analyzer="offline",
        summary="A services agreement.",
        parties=[Party(name="Acme", role="buyer")],
    )
    store.create_document(doc)
    assert doc.version
    assert store.get_document(owner, doc.id) == doc


def an_analysis_with_every_field(document_id: str) -> Analysis:
    """An analysis in which no field is left at its default, so a field a store drops cannot go unseen."""
    risk = Risk(
        id="r1",
        severity="high",
        title="Automatic renewal",
        detail="Renews for a year unless cancelled 60 days ahead.",
        clause_type="renewal",
        code="auto_renewal",
        against=["Tenant"],
        quote="This lease renews automatically.",
    )
    return Analysis(
        document_id=document_id,
        analyzer="llm",
        model="gpt-4o-mini",
        summary="A residential lease.",
        parties=[Party(name="Ann Smith", role="Tenant", kind="person"), Party(name="Acme Homes Ltd")],
        effective_date=date(2025, 3, 1),
        term=Term(initial="12 months", renewal="12 months", notice_period="60 days"),
        governing_law="England and Wales",
        clauses=[
            Clause(
                type="renewal",
                title="Renewal",
                text="This lease renews automatically.",
                page=2,
                risk="high",
                explanation="You stay bound unless you act.",
            )
        ],
        risks=[risk],
        recommendations=[
            Recommendation(
                id="rec1",
                text="Diarise the notice date.",
                rationale="Missing it renews the lease.",
                clause_type="renewal",
                feedback=Feedback(verdict="edited", comment="ok", edited_text="Set a reminder.", at=T0),
            )
        ],
        usage=Usage(input_tokens=1200, output_tokens=340),
        contract_type="lease",
        perspective="Tenant",
        money=[
            Money(kind="rent", amount="1250.00", currency="GBP", period="month", text="£1,250 per month"),
            Money(
                kind="deposit", amount="1500.00", currency="GBP", period="once", text="a deposit of £1,500"
            ),
        ],
        deadlines=[
            Deadline(kind="renewal_notice", date=date(2026, 1, 1), days=60, text="60 days before the end"),
        ],
        ocr=True,
        has_tracked_changes=False,
        findings=Findings(risks=[risk, risk.model_copy(update={"id": "r2", "against": ["Landlord"]})]),
    )


def test_every_field_of_an_analysis_round_trips(store: Store, owner: str) -> None:
    doc = a_document(owner, status=DocumentStatus.ANALYZED)
    doc.analysis = an_analysis_with_every_field(doc.id)
    left_default = [
        name
        for name, info in Analysis.model_fields.items()
        if getattr(doc.analysis, name) == info.get_default(call_default_factory=True)
    ]
    assert left_default == [], "give the new fields a value here, so the store is seen to keep them"
    store.create_document(doc)
    assert store.get_document(owner, doc.id).analysis == doc.analysis
    found = store.find_analyzed_document(owner, doc.sha256)
    assert found is not None
    assert found.analysis == doc.analysis
    doc.analysis.perspective = "Landlord"
    store.update_document(doc)
    assert store.get_document(owner, doc.id) == doc


def test_listed_documents_come_without_their_analysis(store: Store, owner: str) -> None:
    doc = a_document(owner)
    doc.analysis = Analysis(document_id=doc.id, analyzer="offline", summary="Long analysis, not for lists.")
    store.create_document(doc)
    (listed,) = store.list_documents(owner, limit=10).items
    assert listed.analysis is None
    assert listed.id == doc.id
    assert store.get_document(owner, doc.id).analysis == doc.analysis


def test_creating_a_document_twice_is_already_exists(store: Store, owner: str) -> None:
    doc = store.create_document(a_document(owner))
    with pytest.raises(AlreadyExists):
        store.create_document(a_document(owner, id=doc.id))


def test_a_document_update_is_conditional_on_its_version(store: Store, owner: str) -> None:
    doc = store.create_document(a_document(owner))
    stale = store.get_document(owner, doc.id)
    doc.status = DocumentStatus.PROCESSING
    store.update_document(doc)
    stale.status = DocumentStatus.FAILED
    with pytest.raises(Conflict):
        store.update_document(stale)
    assert store.get_document(owner, doc.id).status is DocumentStatus.PROCESSING


def test_a_deleted_document_is_not_found_and_cannot_be_updated(store: Store, owner: str) -> None:
    doc = store.create_document(a_document(owner))
    store.delete_document(owner, doc.id)
    with pytest.raises(NotFound):
        store.get_document(owner, doc.id)
    with pytest.raises(NotFound):
        store.update_document(doc)
    store.delete_document(owner, doc.id)


def test_another_owner_never_sees_a_document(store: Store, owner: str, other_owner: str) -> None:
    doc = store.create_document(a_document(owner))
    with pytest.raises(NotFound):
        store.get_document(other_owner, doc.id)
    assert store.list_documents(other_owner, 10).items == []
    assert store.find_analyzed_document(other_owner, doc.sha256) is None
    store.delete_document(other_owner, doc.id)
    assert store.get_document(owner, doc.id) == doc


def test_another_owner_cannot_update_a_document(store: Store, owner: str, other_owner: str) -> None:
    doc = store.create_document(a_document(owner))
    doc.owner_email = other_owner
    with pytest.raises(NotFound):
        store.update_document(doc)


def test_documents_list_newest_first_across_pages(store: Store, owner: str, other_owner: str) -> None:
    created = [store.create_document(a_document(owner, T0 + timedelta(minutes=i))) for i in range(7)]
    # Two documents created in the same microsecond: the cursor must still neither skip nor repeat one.
    created += [store.create_document(a_document(owner, T0 + timedelta(minutes=3))) for _ in range(2)]
    store.create_document(a_document(other_owner, T0 + timedelta(minutes=5)))
    expected = sorted(created, key=lambda d: (d.created_at, d.id), reverse=True)

    seen: list[Document] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = store.list_documents(owner, 4, cursor)
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [d.id for d in seen] == [d.id for d in expected]
    assert pages == 3


def test_documents_created_in_other_time_zones_list_in_true_time_order(store: Store, owner: str) -> None:
    # 13:00 in New York is 18:00 UTC: later than 15:00 UTC and earlier than 19:00 UTC, whatever the digits say.
    new_york = timezone(timedelta(hours=-5))
    early = store.create_document(a_document(owner, T0.replace(hour=15)))
    middle = store.create_document(a_document(owner, datetime(2025, 3, 1, 13, 0, tzinfo=new_york)))
    late = store.create_document(a_document(owner, T0.replace(hour=19)))
    first = store.list_documents(owner, 2)
    assert [d.id for d in first.items] == [late.id, middle.id]
    assert [d.id for d in store.list_documents(owner, 2, first.next_cursor).items] == [early.id]


def test_a_full_last_page_has_no_next_cursor(store: Store, owner: str) -> None:
    for i in range(3):
        store.create_document(a_document(owner, T0 + timedelta(seconds=i)))
    page = store.list_documents(owner, 3)
    assert len(page.items) == 3
    assert page.next_cursor is None


def test_a_forged_cursor_is_a_value_error(store: Store, owner: str) -> None:
    with pytest.raises(ValueError, match="cursor"):
        store.list_documents(owner, 5, "not-a-cursor!")


def test_a_page_of_no_documents_is_a_value_error(store: Store, owner: str) -> None:
    store.create_document(a_document(owner))
    with pytest.raises(ValueError, match="limit"):
        store.list_documents(owner, 0)


def test_find_analyzed_document_answers_the_newest_analyzed_with_that_hash(store: Store, owner: str) -> None:
    sha = "cd" * 32
    store.create_document(a_document(owner, T0, sha, status=DocumentStatus.ANALYZED))
    newest = store.create_document(
        a_document(owner, T0 + timedelta(hours=1), sha, status=DocumentStatus.ANALYZED)
    )
    store.create_document(a_document(owner, T0 + timedelta(hours=2), sha, status=DocumentStatus.FAILED))
    store.create_document(
        a_document(owner, T0 + timedelta(hours=3), "ef" * 32, status=DocumentStatus.ANALYZED)
    )
    assert store.find_analyzed_document(owner, sha) == newest
    assert store.find_analyzed_document(owner, "00" * 32) is None


# jobs


def test_a_created_job_reads_back_equal_with_its_steps(store: Store, owner: str) -> None:
    job = a_job(owner)
    step = job.step("extract")
    step.status, step.started_at, step.attempts, step.worker = StepStatus.FAILED, T0, 2, "extract@host"
    step.error = ErrorInfo("file_corrupt", "The PDF is damaged.")
    store.create_job(job)
    assert job.version
    assert store.get_job(owner, job.id) == job


def test_creating_a_job_twice_is_already_exists(store: Store, owner: str) -> None:
    job = store.create_job(a_job(owner))
    with pytest.raises(AlreadyExists):
        store.create_job(a_job(owner, id=job.id))


def test_a_job_update_is_conditional_on_its_version(store: Store, owner: str) -> None:
    job = store.create_job(a_job(owner))
    late = store.get_job(owner, job.id)
    job.move_to(JobStatus.RUNNING)
    job.progress = 40
    store.update_job(job)
    late.move_to(JobStatus.CANCELED)
    with pytest.raises(Conflict):
        store.update_job(late)
    current = store.get_job(owner, job.id)
    assert (current.status, current.progress, current.version) == (JobStatus.RUNNING, 40, job.version)


def test_a_deleted_job_is_not_found(store: Store, owner: str) -> None:
    job = store.create_job(a_job(owner))
    store.delete_job(owner, job.id)
    with pytest.raises(NotFound):
        store.get_job(owner, job.id)
    with pytest.raises(NotFound):
        store.update_job(job)


def test_another_owner_never_sees_a_job(store: Store, owner: str, other_owner: str) -> None:
    job = store.create_job(a_job(owner))
    with pytest.raises(NotFound):
        store.get_job(other_owner, job.id)
    assert store.list_jobs(other_owner) == []
    assert store.list_jobs(other_owner, document_id=job.document_id) == []


def test_list_jobs_filters_by_status_kind_and_document_newest_first(
    store: Store, owner: str, other_owner: str
) -> None:
    analysis = store.create_job(a_job(owner, "doc1", created_at=T0))
    export = store.create_job(a_job(owner, "doc1", JobKind.EXPORT, created_at=T0 + timedelta(minutes=1)))
    running = a_job(owner, "doc2", created_at=T0 + timedelta(minutes=2))
    running.move_to(JobStatus.RUNNING)
    store.create_job(running)
    store.create_job(a_job(other_owner, "doc1"))

    def ids(jobs: list[Job]) -> list[str]:
        return [j.id for j in jobs]

    assert ids(store.list_jobs(owner)) == [running.id, export.id, analysis.id]
    assert ids(store.list_jobs(owner, status=JobStatus.QUEUED)) == [export.id, analysis.id]
    assert ids(store.list_jobs(owner, kind=JobKind.EXPORT)) == [export.id]
    assert ids(store.list_jobs(owner, document_id="doc1")) == [export.id, analysis.id]
    assert ids(
        store.list_jobs(owner, status=JobStatus.QUEUED, kind=JobKind.ANALYSIS, document_id="doc1")
    ) == [analysis.id]
    assert store.list_jobs(owner, status=JobStatus.FAILED) == []


def test_ops_jobs_in_status_spans_owners_and_filters_by_age(
    store: Store, owner: str, other_owner: str
) -> None:
    now = datetime.now(UTC)

    def running(who: str, updated_at: datetime) -> Job:
        job = a_job(who)
        job.move_to(JobStatus.RUNNING)
        job.updated_at = updated_at
        return store.create_job(job)

    old_mine = running(owner, now - timedelta(minutes=10))
    old_theirs = running(other_owner, now - timedelta(minutes=5))
    fresh = running(owner, now)
    store.create_job(a_job(owner))  # queued: not asked for

    assert {j.id for j in store.ops_jobs_in_status(JobStatus.RUNNING)} == {
        old_mine.id,
        old_theirs.id,
        fresh.id,
    }
    stale = list(store.ops_jobs_in_status(JobStatus.RUNNING, updated_before=now - timedelta(minutes=1)))
    assert {j.id for j in stale} == {old_mine.id, old_theirs.id}
    assert next(j for j in stale if j.id == old_theirs.id) == old_theirs


def test_ops_jobs_in_status_compares_times_across_time_zones(store: Store, owner: str) -> None:
    job = a_job(owner)
    job.move_to(JobStatus.RUNNING)
    job.updated_at = T0  # 12:00 UTC
    store.create_job(job)
    tokyo = timezone(timedelta(hours=9))
    assert (
        list(store.ops_jobs_in_status(JobStatus.RUNNING, T0.astimezone(tokyo) - timedelta(minutes=1))) == []
    )
    (found,) = store.ops_jobs_in_status(JobStatus.RUNNING, T0.astimezone(tokyo) + timedelta(minutes=1))
    assert found.id == job.id


# Cosmos only: throttling. The emulator never throttles, so a small proxy in front of it answers the
# first item requests with 429 + `x-ms-retry-after-ms`, as Cosmos does when a partition runs out of RUs.


class ThrottlingProxy(ThreadingHTTPServer):
    """Forwards every request to the emulator, except that it answers the next `throttle` item requests 429."""

    daemon_threads = True

    def __init__(self, upstream: str, retry_after_ms: int = 30) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urlsplit(upstream)
        self.retry_after_ms = retry_after_ms
        self.throttle = 0
        self.throttled = 0
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def take_throttle(self, path: str) -> bool:
        with self.lock:
            if "/docs" not in path or self.throttle <= 0:
                return False
            self.throttle -= 1
            self.throttled += 1
            return True


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThrottlingProxy

    def _forward(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        if self.server.take_throttle(self.path):
            self._answer(429, [("x-ms-retry-after-ms", str(self.server.retry_after_ms))], b'{"code":"429"}')
            return
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname or "", self.server.upstream.port, 10
        )
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        skip = {"connection", "content-length", "transfer-encoding"}
        self._answer(
            answer.status, [(k, v) for k, v in answer.getheaders() if k.lower() not in skip], answer.read()
        )
        upstream.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in [
            *headers,
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
        ]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is about the store."""


@pytest.fixture
def throttled(cosmos_emulator: CosmosEmulator) -> Iterator[tuple[ThrottlingProxy, CosmosStore]]:
    """A store reaching a fresh database through the throttling proxy."""
    database = cosmos_emulator.fresh_database()
    CosmosStore.from_settings(cosmos_emulator.settings(database)).ensure_containers()
    proxy = ThrottlingProxy(cosmos_emulator.endpoint)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy, CosmosStore(proxy.endpoint, cosmos_emulator.key, database)
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.azure
def test_cosmos_waits_out_throttling_as_told(
    throttled: tuple[ThrottlingProxy, CosmosStore], owner: str
) -> None:
    proxy, store = throttled
    store.create_user(User(owner, "hash"))
    proxy.throttle = 3
    counted = REGISTRY.get_sample_value("kraftd_store_throttled_total") or 0.0
    started = time.monotonic()
    assert store.get_user(owner).email == owner
    assert proxy.throttled == 3
    assert REGISTRY.get_sample_value("kraftd_store_throttled_total") == counted + 3, "each 429 is counted"
    assert time.monotonic() - started >= 3 * proxy.retry_after_ms / 1000


@pytest.mark.azure
def test_cosmos_throttled_past_its_retries_is_unavailable(
    throttled: tuple[ThrottlingProxy, CosmosStore], owner: str, cosmos_emulator: CosmosEmulator
) -> None:
    proxy, store = throttled
    proxy.throttle = 1000
    with pytest.raises(StoreUnavailable, match="429") as raised:
        store.get_user(owner)
    assert proxy.throttled == 10  # the first try and 9 retries
    assert cosmos_emulator.key not in str(raised.value)


@pytest.mark.azure
def test_cosmos_unreachable_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = CosmosStore(f"http://127.0.0.1:{port}", "a2V5", "db")
    with pytest.raises(StoreUnavailable):
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.get_job("a@example.com", "job1")
