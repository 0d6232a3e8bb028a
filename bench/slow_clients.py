"""Poll throughput and /healthz while 50 slow clients hold connections open, for gunicorn's two worker classes.

    python -m bench.slow_clients [--duration 8] [--slow 50] [--connections 50] [--json OUT]

For each worker class, `gthread` (a thread per request, WEB_THREADS=4) and `gevent` (the default: a greenlet
per connection), it starts scripts/run.sh (as `make run` does) with a temporary DATA_DIR and a free PORT,
signs a user up, uploads one contract and waits for its analysis, then measures twice, without and with the
slow clients:

- `GET /api/v1/jobs/{id}` with wrk (`-t2 -c50`, `--duration` seconds): requests/s, p99, errors (non-2xx/3xx
  answers and socket errors, wrk's 2 s timeout included);
- meanwhile `/healthz` from one more client every 0.25 s with a 5 s timeout, as a platform's probe: median and
  worst latency, and how many probes timed out.

The slow clients: half send a request's headers one byte a second and never finish them; half send the headers
of a 10 MB upload (`POST /api/v1/documents`) and the first bytes of its body, then stall. They connect, then
the bench waits 2 s for the server to take them all up before measuring. Everything runs on loopback, bounded by
`--duration`; every connection is closed and the stack stopped at the end.

Rate limiting is on, as users get it, with one change: `RATE_LIMIT_POLL` is raised from 600/minute to
10000000/minute, because wrk polls as one user and would otherwise measure 429 refusals, not polls. The limiter
still runs on every request (its Redis round trip is in the numbers), and the slow clients never finish a
request, so no limit could refuse them before they hold a connection.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from bench.api import WRK_THREADS, Scenario, WrkResult, ensure_wrk, parse_wrk
from bench.contracts import write_corpus
from bench.pipeline import load_average, running_stack, sign_up, upload, wait_job

WORKER_CLASSES = ("gthread", "gevent")
STACK_ENV = {"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_POLL": "10000000/minute", "JWT_ACCESS_MINUTES": "120"}
PROBE_EVERY = 0.25
PROBE_TIMEOUT = 5.0
TAKE_UP = 2.0  # seconds for the server to accept every slow connection before measuring
UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Probes:
    sent: int
    timeouts: int
    p50_ms: float
    max_ms: float


@dataclass(frozen=True)
class Row:
    worker_class: str
    slow_clients: int
    poll: WrkResult
    healthz: Probes
    poll_statuses: dict[str, int]  # as the app logged them


_POLL_STATUS = re.compile(r'"route": "/api/v1/jobs/<job_id>", "method": "GET", "status": (\d+)')


def logged_statuses(log: Path, since: int) -> tuple[dict[str, int], int]:
    """Statuses of the polls the app logged after byte `since` of the stack's log, and the log's new end."""
    text = log.read_bytes()
    return dict(Counter(_POLL_STATUS.findall(text[since:].decode(errors="replace")))), len(text)


# --- the slow clients ----------------------------------------------------------------------------------------


def _slow_connection(port: int, upload: bool) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if upload:
        sock.sendall(
            b"POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
            b'boundary=x\r\nContent-Length: %d\r\n\r\n--x\r\nContent-Disposition: form-data; name="file"; '
            b'filename="big.txt"\r\n\r\nMASTER SERVICES AGREEMENT' % UPLOAD_BYTES
        )
    else:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
    return sock


@contextmanager
def slow_clients(port: int, count: int) -> Iterator[None]:
    """`count` connections held open: even ones trickle header bytes (one a second), odd ones stall mid-upload."""
    connections: list[socket.socket] = []
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(1.0):
            for sock in connections[::2]:
                with contextlib.suppress(OSError):
                    sock.sendall(b"a")

    thread = threading.Thread(target=trickle, daemon=True)
    try:
        for n in range(count):
            with contextlib.suppress(OSError):  # a server out of slots may refuse; what it takes is measured
                connections.append(_slow_connection(port, upload=n % 2 == 1))
        thread.start()
        time.sleep(TAKE_UP)
        yield
    finally:
        stop.set()
        for sock in connections:
            sock.close()
        if thread.is_alive():
            thread.join(timeout=5)


# --- measuring -----------------------------------------------------------------------------------------------


def probe_healthz(url: str, stop: threading.Event, latencies: list[float | None]) -> None:
    """GET /healthz every PROBE_EVERY s until `stop`; None for a probe that timed out or failed."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            ok = requests.get(f"{url}/healthz", timeout=PROBE_TIMEOUT).status_code == 200
        except requests.RequestException:
            ok = False
        latencies.append((time.monotonic() - started) * 1000 if ok else None)
        stop.wait(PROBE_EVERY)


def summarise(latencies: list[float | None]) -> Probes:
    answered = [ms for ms in latencies if ms is not None]
    return Probes(
        len(latencies),
        len(latencies) - len(answered),
        statistics.median(answered) if answered else float("nan"),
        max(answered) if answered else float("nan"),
    )


def run_wrk_tolerant(wrk: str, scenario: Scenario, duration: int, connections: int) -> WrkResult:
    """bench.api's wrk run, also when nothing was answered within wrk's 2 s timeout (no latencies printed)."""
    command = [wrk, f"-t{min(WRK_THREADS, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in scenario.headers:
        command += ["-H", header]
    out = subprocess.run([*command, scenario.url], check=True, capture_output=True, text=True).stdout
    try:
        return parse_wrk(scenario, out)
    except RuntimeError:
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        total = re.search(r"(\d+) requests in", out)
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        return WrkResult(
            scenario.name, scenario.expect, float(rps.group(1)) if rps else 0.0, float("nan"), float("nan"),
            int(total.group(1)) if total else 0, int(bad.group(1)) if bad else 0,
            sum(int(n) for n in errors.groups()) if errors else 0,
        )  # fmt: skip


def measure(wrk: str, url: str, poll: Scenario, duration: int, connections: int) -> tuple[WrkResult, Probes]:
    latencies: list[float | None] = []
    stop = threading.Event()
    prober = threading.Thread(target=probe_healthz, args=(url, stop, latencies), daemon=True)
    prober.start()
    try:
        result = run_wrk_tolerant(wrk, poll, duration, connections)
    finally:
        stop.set()
        prober.join(timeout=PROBE_TIMEOUT + 1)
    return result, summarise(latencies)


def run_class(workdir: Path, wrk: str, worker_class: str, args: argparse.Namespace) -> list[Row]:
    _say(f"{worker_class}: starting scripts/run.sh")
    (workdir / worker_class).mkdir()
    with running_stack(workdir / worker_class, {**STACK_ENV, "WEB_WORKER_CLASS": worker_class}) as stack:
        token = sign_up(stack, f"bench-slow-{worker_class}@example.com")
        (contract,) = write_corpus(workdir / worker_class / "docs", 1, seed=5, min_pages=1, max_pages=1)
        # In a thread of its own: bench.pipeline keeps one session (and its token) per thread, and the previous
        # stack's user is unknown here.
        with ThreadPoolExecutor(1) as one:
            job = one.submit(
                lambda: wait_job(stack.url, token, upload(stack.url, token, contract)["id"], 0.1)
            ).result()
        if job["status"] != "succeeded":
            raise RuntimeError(f"the set-up job ended {job['status']}: {job.get('error')}")
        poll = Scenario(
            "GET /jobs/{id}", f"{stack.url}/api/v1/jobs/{job['id']}", (f"Authorization: Bearer {token}",)
        )
        port = int(stack.url.rsplit(":", 1)[1])
        rows = []
        _, offset = logged_statuses(stack.log, 0)
        for count in (0, args.slow):
            _say(f"{worker_class}: wrk {args.duration} s with {count} slow clients")
            with slow_clients(port, count):
                result, probes = measure(wrk, stack.url, poll, args.duration, args.connections)
            statuses, offset = logged_statuses(stack.log, offset)
            rows.append(Row(worker_class, count, result, probes, statuses))
        _say(f"{worker_class}: stopping the stack")
    return rows


# --- report --------------------------------------------------------------------------------------------------


def print_table(rows: list[Row], args: argparse.Namespace, load: str) -> None:
    print(
        f"\nSlow clients: {args.slow} ({args.slow - args.slow // 2} trickling headers 1 byte/s, {args.slow // 2} "
        f"stalled 10 MB uploads); poll = wrk -t2 -c{args.connections} -d{args.duration}s GET /jobs/{{id}}; "
        f"/healthz probed every {PROBE_EVERY} s ({PROBE_TIMEOUT:.0f} s timeout); stack from scripts/run.sh "
        f"with {', '.join(f'{k}={v}' for k, v in STACK_ENV.items())}"
    )
    header = (
        f"{'worker class':<13} {'slow':>5} {'poll rps':>9} {'vs none':>8} {'p99 ms':>8} {'non-2xx':>8} "
        f"{'wrk timeouts':>12} {'healthz p50 ms':>15} {'max ms':>8} {'timeouts':>9}  poll statuses logged"
    )
    print(header)
    print("-" * len(header))
    baseline = {r.worker_class: r.poll.rps for r in rows if r.slow_clients == 0}
    for r in rows:
        ratio = r.poll.rps / baseline[r.worker_class] if baseline.get(r.worker_class) else float("nan")
        print(
            f"{r.worker_class:<13} {r.slow_clients:>5} {r.poll.rps:>9.0f} {ratio:>8.2f} {r.poll.p99_ms:>8.1f} "
            f"{r.poll.bad_status:>8} {r.poll.socket_errors:>12} {r.healthz.p50_ms:>15.1f} {r.healthz.max_ms:>8.1f} "
            f"{r.healthz.timeouts:>4}/{r.healthz.sent:<4}  "
            f"{' '.join(f'{code}:{n}' for code, n in sorted(r.poll_statuses.items()))}"
        )
    print(
        f"Notes: {os.cpu_count()} cores shared by wrk, the probes, gunicorn and the (idle) rest of the stack; "
        f"WEB_WORKERS=2, gthread with WEB_THREADS=4. 1/5/15-min load average before the run: {load}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per measurement (8)")
    parser.add_argument("--slow", type=int, default=50, help="slow clients (50)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    wrk = ensure_wrk()
    load = load_average()
    with tempfile.TemporaryDirectory(prefix="kraftd-bench-slow-") as tmp:
        rows = [
            row for worker_class in WORKER_CLASSES for row in run_class(Path(tmp), wrk, worker_class, args)
        ]
    print_table(rows, args, load)
    if args.json:
        payload: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "config": STACK_ENV,
                                   "load_average_before": load, "rows": [asdict(r) for r in rows]}  # fmt: skip
        args.json.write_text(json.dumps(payload, indent=2))


def _say(text: str) -> None:
    print(f"[slow_clients] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
