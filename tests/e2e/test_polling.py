"""How the app polls a job, against scripted answers: ETag / If-None-Match, backing off from 1 s to 5 s,
pausing while the tab is hidden, resuming at once when it is visible, stopping when the job is done."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import Stack, Tab
from tests.e2e.steps import expect_documents, new_email, sign_in, sign_up_by_api
from tests.servers import Mailbox

pytestmark = pytest.mark.e2e

DOC_ID = "d0c0000000000000000000000000poll"
JOB_ID = "j0b0000000000000000000000000poll"


class ScriptedJob:
    """Answers GET /jobs/JOB_ID: 200 with ETag "v1" (running) and 304 to it, until told the job failed."""

    def __init__(self) -> None:
        self.finished = False
        self.calls: list[tuple[float, str | None, int]] = []
        self.lock = threading.Lock()

    def body(self) -> dict[str, Any]:
        status = "failed" if self.finished else "running"
        return {
            "id": JOB_ID, "kind": "analysis", "document_id": DOC_ID, "status": status,
            "progress": 100 if self.finished else 40,
            "steps": [{"name": "extract", "status": "succeeded", "started_at": None, "finished_at": None, "attempts": 1},
                      {"name": "analyze", "status": "failed" if self.finished else "running", "started_at": None,
                       "finished_at": None, "attempts": 1}],
            "error": {"code": "no_text", "message": "Scripted failure: the file has no text."} if self.finished else None,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        }  # fmt: skip

    def handle(self, route: Route) -> None:
        sent = route.request.headers.get("if-none-match")
        etag = '"v2"' if self.finished else '"v1"'
        with self.lock:
            status = 304 if sent == etag else 200
            self.calls.append((time.monotonic(), sent, status))
        if status == 304:
            route.fulfill(status=304, headers={"ETag": etag})
        else:
            route.fulfill(status=200, headers={"ETag": etag, "Content-Type": "application/json"},
                          body=json.dumps(self.body()))  # fmt: skip

    def count(self) -> int:
        with self.lock:
            return len(self.calls)


def _document(job: ScriptedJob) -> dict[str, Any]:
    return {
        "id": DOC_ID, "filename": "scripted.txt", "content_type": "text/plain", "size_bytes": 1200,
        "sha256": "0" * 64, "status": "failed" if job.finished else "processing",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "page_count": 1,
        "latest_job_id": JOB_ID,
    }  # fmt: skip


def _wait_for(tab: Tab, condition: Any, timeout: float) -> None:
    """Wait while Playwright's loop runs (it answers the routes); time.sleep would stall them."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        tab.page.wait_for_timeout(20)


def _set_hidden(tab: Tab, hidden: bool) -> None:
    tab.page.evaluate(
        """hidden => {
            Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
            Object.defineProperty(document, 'visibilityState', { configurable: true,
                get: () => (hidden ? 'hidden' : 'visible') });
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        hidden,
    )


def test_job_polling_uses_etags_backs_off_pauses_while_hidden_and_stops_when_done(
    tab: Tab, stack: Stack, mailbox: Mailbox
) -> None:
    email = new_email("poll")
    sign_up_by_api(stack, mailbox, email)
    sign_in(tab, email)
    expect_documents(tab)

    job = ScriptedJob()
    tab.page.route(f"**/api/v1/jobs/{JOB_ID}", job.handle)
    tab.page.route(
        f"**/api/v1/documents/{DOC_ID}",
        lambda route: route.fulfill(json=_document(job), headers={"Cache-Control": "no-store"}),
    )
    tab.goto(f"/#/documents/{DOC_ID}")
    expect(tab.page.get_by_role("heading", name="Review in progress")).to_be_visible()
    _wait_for(tab, lambda: job.count() >= 4, timeout=10)

    calls = list(job.calls)
    assert calls[0][1:] == (None, 200), "the first poll is unconditional"
    assert all(sent == '"v1"' and status == 304 for _, sent, status in calls[1:4]), calls
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(calls[:4])]
    # A browser timer never fires early, but fires late on a loaded machine: the lower bounds tell the growth
    # (1 s → 1.5 s → 2.25 s); the upper ones only rule out a slower schedule (the next would be 3.4 s).
    for gap, expected in zip(gaps, (1.0, 1.5, 2.25), strict=True):
        assert expected - 0.15 <= gap <= expected * 1.5 + 0.5, (
            f"poll gaps {gaps} should grow 1 s → 1.5 s → 2.25 s"
        )
    expect(tab.page.locator(".job progress")).to_have_attribute("value", "40")

    _set_hidden(tab, True)
    seen = job.count()
    tab.page.wait_for_timeout(
        4000
    )  # longer than the next gap (3.4 s): a visible tab would have polled by now
    assert job.count() == seen, "no polling while the tab is hidden"

    job.finished = True
    shown = time.monotonic()
    _set_hidden(tab, False)
    _wait_for(tab, lambda: job.count() > seen, timeout=10)
    # At once, not on the next backoff timer (3.4 s or more): 2 s leaves a loaded machine room.
    assert job.calls[seen][0] - shown < 2.0, "polling resumes at once when the tab is visible"
    expect(tab.page.get_by_role("alert")).to_have_text("Scripted failure: the file has no text.")
    expect(tab.page.locator(".chip-slot")).to_have_text("Failed")
    done = job.count()
    tab.page.wait_for_timeout(2000)
    assert job.count() == done, "polling stops once the job has finished"
    tab.assert_clean()
