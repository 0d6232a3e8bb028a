"""A bounded load generator for the rehearsal: signed-in users upload contracts and poll their jobs through
nginx, as the browser does, for as long as the release runs, on 127.0.0.1 only.

Each user uploads every two seconds (within the default per-user limit of 100 a minute) and polls its
job every 250 ms with the job's ETag (within the polling limit of 600 a minute). Every request is counted
against the phase of the release it was sent in; a request failed when it raised (refused, reset, timed
out) or was answered with anything but the answer the API promises (202 for an upload, 200 or 304 for a
poll): a 502 from nginx during the switch is a failure, and so would a 429 be.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

FINISHED = {"succeeded", "failed", "canceled"}
UPLOAD_EVERY = 2.0  # seconds, per user
POLL_EVERY = 0.25
REQUEST_TIMEOUT = 30.0
MAX_SECONDS = 600.0  # a hard bound on any run, whatever the caller does

CONTRACT = """SERVICES AGREEMENT {n}

This Services Agreement is entered into as of January 15, 2024 by and between Acme Corporation, a Delaware
corporation ("Customer"), and Widget Labs LLC, a California limited liability company ("Provider").

1. Term. This Agreement begins on the Effective Date and continues for an initial term of two (2) years, and
renews automatically for successive one (1) year terms unless either party gives written notice of
non-renewal at least sixty (60) days before the end of the then-current term.

2. Limitation of Liability. In no event shall either party's aggregate liability arising out of this
Agreement exceed the fees paid by Customer in the twelve (12) months preceding the claim.

3. Governing Law. This Agreement shall be governed by the laws of the State of Delaware.
"""
# About 32 KB in all, as a real contract is: above nginx's 16 KB body buffer, so uploads go through its
# temporary files as large ones do.
SCHEDULE = "".join(
    f"\nSchedule A, item {i}. Provider shall deliver the services described in the statement of work for this "
    "item within the agreed service levels, and Customer shall review each delivery within ten (10) days.\n"
    for i in range(1, 151)
)


@dataclass(frozen=True)
class User:
    email: str
    access_token: str


@dataclass
class Tally:
    """Requests and failures per phase, the failures' reasons, and the jobs the API accepted."""

    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    served_by: Counter[str] = field(default_factory=Counter)  # upstream address → requests
    jobs: dict[str, User] = field(default_factory=dict)  # accepted job id → its owner
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, phase: str, ok: bool, reason: str, upstream: str | None) -> None:
        with self.lock:
            self.sent[phase] += 1
            if upstream:
                self.served_by[upstream] += 1
            if not ok:
                self.failed[phase] += 1
                self.reasons[f"{phase}: {reason}"] += 1


class Load:
    """`users` uploading and polling through `base_url` on threads of their own until `stop()`."""

    def __init__(self, base_url: str, users: list[User], phase: Callable[[], str]) -> None:
        self.api = f"{base_url}/api/v1"
        self.users = users
        self.phase = phase
        self.tally = Tally()
        self._stop = threading.Event()
        self._numbers = itertools.count(1)
        self._threads = [threading.Thread(target=self._run, args=(u,), daemon=True) for u in users]
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    def _running(self) -> bool:
        return not self._stop.is_set() and time.monotonic() - self._started < MAX_SECONDS

    def _send(
        self, session: requests.Session, method: str, url: str, ok: set[int], **kw: object
    ) -> requests.Response | None:
        phase = self.phase()
        try:
            answer = session.request(method, url, timeout=REQUEST_TIMEOUT, **kw)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            self.tally.count(phase, False, type(exc).__name__, None)
            return None
        good = answer.status_code in ok
        self.tally.count(phase, good, f"HTTP {answer.status_code}", answer.headers.get("X-Upstream"))
        return answer if good else None

    def _run(self, user: User) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {user.access_token}"
        while self._running():
            began = time.monotonic()
            n = next(self._numbers)
            body = (CONTRACT.format(n=f"{n}-{time.time_ns()}") + SCHEDULE).encode()
            answer = self._send(session, "POST", f"{self.api}/documents", {202},
                                files={"file": (f"contract-{n}.txt", body, "text/plain")})  # fmt: skip
            if answer is not None:
                job_id = answer.json()["job"]["id"]
                with self.tally.lock:
                    self.tally.jobs[job_id] = user
                self._follow(session, job_id, until=began + UPLOAD_EVERY)
            self._stop.wait(max(0.0, UPLOAD_EVERY - (time.monotonic() - began)))

    def _follow(self, session: requests.Session, job_id: str, until: float) -> None:
        """Poll the job, with its ETag, until the next upload is due, and on until it finished."""
        etag, finished = None, False
        while self._running() and not (finished and time.monotonic() >= until):
            self._stop.wait(POLL_EVERY)
            headers: dict[str, str] = {"If-None-Match": etag} if etag else {}
            answer = self._send(session, "GET", f"{self.api}/jobs/{job_id}", {200, 304}, headers=headers)
            if answer is None or answer.status_code == 304:
                continue
            etag = answer.headers.get("ETag")
            finished = answer.json()["status"] in FINISHED


def settle(base_url: str, jobs: dict[str, User], timeout: float) -> Counter[str]:
    """Poll every accepted job until it finished or `timeout` passed; answers how many ended in each status
    ("unfinished" for those still waiting)."""
    outcome: Counter[str] = Counter()
    pending = dict(jobs)
    deadline = time.monotonic() + min(timeout, MAX_SECONDS)
    session = requests.Session()
    while pending and time.monotonic() < deadline:
        for job_id, user in list(pending.items()):
            try:
                answer = session.get(f"{base_url}/api/v1/jobs/{job_id}", timeout=REQUEST_TIMEOUT,
                                     headers={"Authorization": f"Bearer {user.access_token}"})  # fmt: skip
            except requests.RequestException:
                continue
            if answer.status_code == 200 and answer.json()["status"] in FINISHED:
                outcome[answer.json()["status"]] += 1
                del pending[job_id]
        if pending:
            time.sleep(0.5)
    outcome["unfinished"] += len(pending)
    return outcome
