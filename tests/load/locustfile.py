"""Load scenarios for Kraftd Docs (locust), the same three as tests/load/k6.js.

| scenario (user class)         | users | full run | what a user does                                           |
| ---                           | ---   | ---      | ---                                                        |
| RegistrationSpike             | 100   | 5 min    | registers a new account (and verifies it with MAILBOX_URL) |
| UploadBurst                   | 50    | 10 min   | uploads a 10 MB contract, polls its job, again             |
| Sustained                     | 20    | 30 min   | the browser's mix: lists, polls, reads, uploads, exports   |

    locust -f tests/load/locustfile.py --headless -H http://127.0.0.1:8000 -u 100 -r 20 -t 5m RegistrationSpike

`make load` (tests/load/run_load.py) runs a 60-second version of each against `make run` on loopback.
Thresholds, checked when locust stops (exit code 1 when broken): p99 < 2 s and failures < 0.1 %.

Environment: `MAILBOX_URL` - an HTTP endpoint answering `GET ?to=ADDRESS` with the latest verification token
sent to ADDRESS (run_load.py serves one in front of its SMTP sink). Without it, RegistrationSpike counts the
201 of registration only, and the other two scenarios need `LOAD_EMAIL`/`LOAD_PASSWORD`: an account that is
already verified, shared by every user (so run them with RATE_LIMIT_ENABLED=false or expect 429s).
`LOAD_UPLOAD_MB` (10) sets the upload size of UploadBurst.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import time
import uuid
from typing import Any

import requests
from locust import HttpUser, between, events, task
from locust.env import Environment

API = "/api/v1"
P99_LIMIT_MS = 2000
FAILURE_RATIO_LIMIT = 0.001
PASSWORD = "Load-Test-Passphrase-42"
MAILBOX_URL = os.environ.get("MAILBOX_URL", "")
SHARED_EMAIL = os.environ.get("LOAD_EMAIL", "")
SHARED_PASSWORD = os.environ.get("LOAD_PASSWORD", "")
UPLOAD_MB = float(os.environ.get("LOAD_UPLOAD_MB", "10"))

log = logging.getLogger("kraftd.load")
_serial = itertools.count(1)
_RUN = uuid.uuid4().hex[:8]

CONTRACT = """SERVICES AGREEMENT

This Services Agreement is entered into as of March 1, 2024 by and between Northwind Traders Inc., a Delaware
corporation ("Customer"), and Contoso Consulting LLC, a New York limited liability company ("Provider").

1. Term. This Agreement begins on the Effective Date and continues for an initial term of three (3) years and
renews automatically for successive one (1) year terms unless either party gives notice of non-renewal at least
ninety (90) days before the end of the then-current term.

2. Termination for Convenience. Customer may terminate this Agreement for convenience on thirty (30) days'
written notice.

3. Limitation of Liability. Neither party's aggregate liability under this Agreement shall exceed the fees paid
in the twelve (12) months preceding the claim.

4. Confidentiality. Each party shall hold the other party's Confidential Information in strict confidence.

5. Non-Competition. During the term and for one (1) year after, Provider shall not provide similar services to
any competitor of Customer.

6. Governing Law. This Agreement is governed by the laws of the State of New York.
"""


def new_email(kind: str) -> str:
    return f"load-{kind}-{_RUN}-{next(_serial)}-{random.randrange(10**6)}@example.com"


def mailbox_token(address: str, timeout: float = 30.0) -> str | None:
    """The verification token of the newest e-mail to `address`, from MAILBOX_URL (not counted in the stats)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = requests.get(MAILBOX_URL, params={"to": address}, timeout=5)
        if answer.status_code == 200 and answer.text.strip():
            return answer.text.strip()
        time.sleep(0.2)
    return None


_big_contract: bytes | None = None


def big_contract(unique: str) -> bytes:
    """A contract of LOAD_UPLOAD_MB MiB, different for each upload (so no upload reuses another's analysis)."""
    global _big_contract
    if _big_contract is None:
        target = int(UPLOAD_MB * 1024 * 1024)
        block = CONTRACT.encode()
        _big_contract = (block * (target // len(block) + 1))[:target]
    head = f"Reference {unique}\n\n".encode()
    return head + _big_contract[len(head) :]


class KraftdUser(HttpUser):
    """Sign-up and authenticated calls shared by the scenarios."""

    abstract = True
    access_token = ""

    def expect(self, method: str, path: str, name: str, ok: tuple[int, ...], **kwargs: Any) -> Any:
        """One API call counted under `name`; a status outside `ok` is a failure."""
        headers = kwargs.pop("headers", {})
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        with self.client.request(
            method, API + path, name=name, headers=headers, catch_response=True, **kwargs
        ) as answer:
            if answer.status_code not in ok:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")
            else:
                answer.success()
            return answer

    def register(self, email: str) -> bool:
        answer = self.expect(
            "POST",
            "/auth/register",
            "POST /auth/register",
            (201,),
            json={"email": email, "password": PASSWORD},
        )
        return bool(answer.status_code == 201)

    def verify(self, email: str) -> bool:
        token = mailbox_token(email)
        if token is None:
            events.request.fire(
                request_type="MAIL", name="verification e-mail", response_time=0, response_length=0,
                exception=RuntimeError(f"no verification e-mail for {email}"), context={},
            )  # fmt: skip
            return False
        answer = self.expect(
            "POST", "/auth/verify-email", "POST /auth/verify-email", (200,), json={"token": token}
        )
        return bool(answer.status_code == 200)

    def sign_in(self) -> None:
        """A verified account of this user's own (MAILBOX_URL), or the shared one (LOAD_EMAIL)."""
        if MAILBOX_URL:
            email, password = new_email(self.__class__.__name__.lower()), PASSWORD
            if not (self.register(email) and self.verify(email)):
                return
        elif SHARED_EMAIL and SHARED_PASSWORD:
            email, password = SHARED_EMAIL, SHARED_PASSWORD
        else:
            raise RuntimeError("set MAILBOX_URL, or LOAD_EMAIL and LOAD_PASSWORD of a verified account")
        answer = self.expect(
            "POST", "/auth/login", "POST /auth/login", (200,), json={"email": email, "password": password}
        )
        if answer.status_code == 200:
            self.access_token = answer.json()["access_token"]

    def upload(self, content: bytes, name: str, label: str) -> tuple[str, str] | None:
        answer = self.expect(
            "POST", "/documents", label, (202,), files={"file": (name, content, "text/plain")}
        )
        if answer.status_code != 202:
            return None
        body = answer.json()
        return body["document"]["id"], body["job"]["id"]

    def poll(self, job_id: str, seconds: float, every: float = 1.0) -> str:
        """Poll a job as the browser does (with its ETag) until it finishes or `seconds` pass."""
        deadline = time.monotonic() + seconds
        etag = ""
        status = "queued"
        while time.monotonic() < deadline:
            headers = {"If-None-Match": etag} if etag else {}
            answer = self.expect("GET", f"/jobs/{job_id}", "GET /jobs/{id}", (200, 304), headers=headers)
            if answer.status_code == 200:
                etag = answer.headers.get("ETag", "")
                status = answer.json()["status"]
                if status in ("succeeded", "failed", "canceled"):
                    break
            time.sleep(every)
        return status


class RegistrationSpike(KraftdUser):
    """100 users sign up at once: registration (argon2 hashing, the verification e-mail) under a spike."""

    wait_time = between(0.5, 1.5)

    @task
    def sign_up(self) -> None:
        email = new_email("spike")
        if self.register(email) and MAILBOX_URL:
            self.verify(email)


class UploadBurst(KraftdUser):
    """50 users upload 10 MB contracts at once and watch their jobs."""

    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.sign_in()

    @task
    def upload_and_watch(self) -> None:
        if not self.access_token:
            return
        created = self.upload(
            big_contract(uuid.uuid4().hex), "large-contract.txt", f"POST /documents ({UPLOAD_MB:g} MB)"
        )
        if created:
            self.poll(created[1], seconds=15, every=2)


class Sustained(KraftdUser):
    """20 users work as the browser does, for a long time."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.documents: list[str] = []
        self.jobs: list[str] = []
        self.sign_in()
        if self.access_token:
            self.upload_small()

    def upload_small(self) -> None:
        created = self.upload(
            f"Reference {uuid.uuid4().hex}\n\n{CONTRACT}".encode(), "contract.txt", "POST /documents (small)"
        )
        if created:
            self.documents.append(created[0])
            self.jobs.append(created[1])

    @task(5)
    def list_documents(self) -> None:
        if self.access_token:
            self.expect("GET", "/documents?limit=20", "GET /documents", (200,))

    @task(5)
    def poll_job(self) -> None:
        if self.jobs:
            self.poll(random.choice(self.jobs), seconds=0.1)

    @task(3)
    def read_analysis(self) -> None:
        if self.documents:
            doc = random.choice(self.documents)
            self.expect("GET", f"/documents/{doc}/analysis", "GET /documents/{id}/analysis", (200, 409))

    @task(2)
    def me(self) -> None:
        if self.access_token:
            self.expect("GET", "/auth/me", "GET /auth/me", (200,))

    @task(1)
    def upload_more(self) -> None:
        if self.access_token:
            self.upload_small()

    @task(1)
    def export(self) -> None:
        if not self.documents:
            return
        doc = random.choice(self.documents)
        answer = self.expect(
            "POST", f"/documents/{doc}/exports", "POST /documents/{id}/exports", (202, 409), json={}
        )
        if answer.status_code == 202:
            job_id = answer.json()["job"]["id"]
            if self.poll(job_id, seconds=10) == "succeeded":
                self.expect("GET", f"/jobs/{job_id}/download", "GET /jobs/{id}/download", (200,))


@events.quitting.add_listener
def _thresholds(environment: Environment, **_: Any) -> None:
    """p99 < 2 s and failures < 0.1 %, over every request of the run; exit 1 when either is broken."""
    total = environment.stats.total
    if total.num_requests == 0:
        log.error("threshold: no requests were made")
        environment.process_exit_code = 1
        return
    p99 = total.get_response_time_percentile(0.99) or 0
    broken = []
    if p99 >= P99_LIMIT_MS:
        broken.append(f"p99 {p99:.0f} ms >= {P99_LIMIT_MS} ms")
    if total.fail_ratio >= FAILURE_RATIO_LIMIT:
        broken.append(f"failures {total.fail_ratio:.2%} >= {FAILURE_RATIO_LIMIT:.1%}")
    for problem in broken:
        log.error("threshold broken: %s", problem)
    environment.process_exit_code = 1 if broken else 0
