"""Login latency against a running stack: median and p95 of N logins, argon2id hashing included.

    python -m bench.login --base-url http://127.0.0.1:8000 --log var/run.log

Registers a fresh account, verifies it with the link from the stack's log (or a mailbox file), then times
`POST /api/v1/auth/login`. Start the stack with RATE_LIMIT_ENABLED=false or keep N under the login limit.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import uuid
from pathlib import Path

import requests

PASSWORD = "Bench-Login-Passw0rd"


def _token_from_log(log: Path, email: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    pattern = re.compile(rf"{re.escape(email)}.*?verify-email\?token=([\w.\-]+)", re.S)
    while time.monotonic() < deadline:
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise SystemExit(f"no verification e-mail for {email} in {log}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--log",
        type=Path,
        required=True,
        help="the stack's output or an SMTP sink's log, where the e-mail lands",
    )
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    api = f"{args.base_url}/api/v1"
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    session = requests.Session()
    session.post(
        f"{api}/auth/register", json={"email": email, "password": PASSWORD}, timeout=10
    ).raise_for_status()
    token = _token_from_log(args.log, email)
    session.post(f"{api}/auth/verify-email", json={"token": token}, timeout=10).raise_for_status()
    timings = []
    for _ in range(args.n):
        started = time.perf_counter()
        answer = session.post(f"{api}/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        timings.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    timings.sort()
    print(f"{'logins':>8} {'median ms':>10} {'p95 ms':>8} {'min ms':>8}")
    print(
        f"{args.n:>8} {statistics.median(timings):>10.1f} {timings[int(0.95 * (args.n - 1))]:>8.1f} {timings[0]:>8.1f}"
    )


if __name__ == "__main__":
    main()
