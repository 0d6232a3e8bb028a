"""Requests/s and latency of the hot read paths of the API, beside a bare Flask app under the same gunicorn.

    python -m bench.api [--duration 10] [--connections 50] [--rounds 3] [--no-rate-limit] [--json OUT]

Starts scripts/run.sh (as `make run` does) with a temporary DATA_DIR and a free PORT, signs a user up and
uploads 100 one-page contracts through the API (waiting for their analyses, so the workers are idle during the
measurement), then drives wrk (`--latency`) at each scenario in turn, round after round (each row is the
scenario's median round):

- bare app: bench/bare_app.py answering {"ok": true}, under gunicorn --config web/gunicorn_conf.py (the same
  workers, threads and keep-alive as the API) on another port;
- GET /api/v1/jobs/{id}: the 200 path, and the 304 path (If-None-Match with the job's ETag);
- GET /api/v1/documents?limit=100 for a user with 100 documents.

Rate limiting is on, as users get it (every request is counted in Redis), with its limits raised so that wrk is
never refused (RATE_LIMIT_LIMITS); `--no-rate-limit` turns it off (RATE_LIMIT_ENABLED=false). Everything else is
as `make run` configures it. wrk runs on the same machine and competes with gunicorn for its cores.

Besides rps and latency it prints each scenario's rps over the bare app's, and, for the two poll scenarios, the
store reads per poll: the growth of the stack's `kraftd_poll_store_reads_total` (GET /metrics) over wrk's
request count.

It also prints the web server's memory over the whole load run (RSS of the gunicorn master and workers, from
/proc): after a warm-up of 10 documents, and at the end, after the 100-document burst, every wrk round and 20
simultaneous 10 MB uploads; and how many workers gunicorn replaced meanwhile (`max_requests`), since a
replaced worker starts small again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import requests

from bench.contracts import write_corpus
from bench.pipeline import (
    BENCH_ENV,
    ROOT,
    Stack,
    big_files,
    children,
    gunicorn_master,
    load_average,
    rss_bytes,
    run_clients,
    running_stack,
    sign_up,
    spawn,
    stop_group,
    upload_memory,
)
from tests.servers import free_port

DOCUMENTS = 100
WARM_UP_DOCUMENTS = 10
BIG_UPLOADS, BIG_MB = 20, 10.0
RATE_LIMIT_LIMITS = {
    "RATE_LIMIT_ENABLED": "true",
    "RATE_LIMIT_DEFAULT": "10000000/minute",
    "RATE_LIMIT_POLL": "10000000/minute",
}
NO_RATE_LIMIT = {"RATE_LIMIT_ENABLED": "false"}
STORE_READS = re.compile(r"^kraftd_poll_store_reads_total(?:\{[^}]*\})? ([0-9.e+]+)$", re.MULTILINE)
WRK_THREADS = 2
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Scenario:
    name: str
    url: str
    headers: tuple[str, ...] = ()
    expect: int = 200
    polls: bool = False  # count store reads per request


@dataclass(frozen=True)
class WrkResult:
    scenario: str
    expect: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_status: int  # wrk's "Non-2xx or 3xx responses"
    socket_errors: int
    store_reads_per_request: float | None = None


# --- wrk -----------------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The wrk binary; installed from the Debian package when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `sudo apt-get install -y wrk` and start the bench again.")
    print("[api] installing wrk (apt-get install -y wrk)", file=sys.stderr, flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(install, check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk is still missing after apt-get install.")


def run_wrk(wrk: str, scenario: Scenario, duration: int, connections: int) -> WrkResult:
    command = [wrk, f"-t{min(WRK_THREADS, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in scenario.headers:
        command += ["-H", header]
    out = subprocess.run([*command, scenario.url], check=True, capture_output=True, text=True).stdout
    return parse_wrk(scenario, out)


def parse_wrk(scenario: Scenario, out: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not rps or not total:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        scenario.name,
        scenario.expect,
        float(rps.group(1)),
        _percentile_ms(out, "50"),
        _percentile_ms(out, "99"),
        int(total.group(1)),
        int(bad.group(1)) if bad else 0,
        sum(int(n) for n in errors.groups()) if errors else 0,
    )


def _percentile_ms(out: str, percent: str) -> float:
    found = re.search(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no {percent}% latency in wrk output:\n{out}")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


# --- the two servers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    job_url: str
    etag: str
    list_url: str


def prepare(stack: Stack, token: str, workdir: Path) -> Fixture:
    """A user with DOCUMENTS analysed documents; one job's URL and ETag."""
    paths = write_corpus(workdir / "docs", DOCUMENTS, seed=3, min_pages=1, max_pages=2)
    timings = run_clients(stack.url, token, paths, 8, 0.1).timings
    not_done = [t.name for t in timings if t.status != "succeeded"]
    if not_done:
        raise RuntimeError(f"{len(not_done)} set-up jobs did not succeed: {not_done[:5]}")
    auth = {"Authorization": f"Bearer {token}"}
    list_url = f"{stack.url}/api/v1/documents?limit={DOCUMENTS}"
    listed = requests.get(list_url, headers=auth, timeout=30)
    if listed.status_code != 200 or len(listed.json()["items"]) != DOCUMENTS:
        raise RuntimeError(f"GET documents?limit={DOCUMENTS}: {listed.status_code} {listed.text[:200]}")
    job_url = f"{stack.url}/api/v1/jobs/{listed.json()['items'][0]['latest_job_id']}"
    etag = requests.get(job_url, headers=auth, timeout=30).headers["ETag"]
    again = requests.get(job_url, headers={**auth, "If-None-Match": etag}, timeout=30)
    if again.status_code != 304:
        raise RuntimeError(f"GET job with If-None-Match answered {again.status_code}, not 304")
    return Fixture(job_url, etag, list_url)


def start_bare_app(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn --config web/gunicorn_conf.py bench.bare_app:app on a free port, in a session of its own."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "WEB_BIND")}
    env.update(WEB_PORT=str(port))
    for key in ("WEB_WORKERS", "WEB_THREADS"):
        env.pop(key, None)  # the defaults, as for the API
    command = [str(ROOT / ".venv/bin/gunicorn"), "--config", "web/gunicorn_conf.py", "bench.bare_app:app"]
    process = spawn(command, env, workdir / "bare.log")
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=2).json() == {"ok": True}:
                return process, url
        except requests.RequestException:
            time.sleep(0.2)
    stop_group(process)
    raise RuntimeError(f"the bare app did not start; see {workdir / 'bare.log'}")


@dataclass(frozen=True)
class WebMemory:
    warm_mb: float  # after the warm-up
    end_mb: float  # after the whole load run
    replaced_workers: int  # workers gunicorn replaced during the run

    @property
    def growth_mb(self) -> float:
        return self.end_mb - self.warm_mb


def web_rss_mb(stack: Stack) -> tuple[float, set[int]]:
    """RSS of the gunicorn master and its workers, in MB, and the workers' pids."""
    master = gunicorn_master(stack.process.pid)
    workers = children(master)
    return rss_bytes([master, *workers]) / 2**20, set(workers)


# --- report --------------------------------------------------------------------------------------------------


def store_reads(metrics_url: str) -> float:
    """The stack's poll store reads so far, summed over its processes."""
    text = requests.get(metrics_url, timeout=30).text
    return sum(float(found) for found in STORE_READS.findall(text))


def print_table(
    results: list[WrkResult],
    memory: WebMemory,
    duration: int,
    connections: int,
    load: str,
    env: dict[str, str],
) -> None:
    bare = results[0].rps
    print(
        f"\nAPI: wrk -t{WRK_THREADS} -c{connections} -d{duration}s --latency against gunicorn "
        f"--config web/gunicorn_conf.py (the make run settings), stack from scripts/run.sh "
        f"with {', '.join(f'{k}={v}' for k, v in {**BENCH_ENV, **env}.items())}"
    )
    header = (
        f"{'scenario':<34} {'status':>6} {'rps':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} {'errors':>7}"
        f" {'store reads/req':>16}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        errors = r.bad_status + r.socket_errors
        print(
            f"{r.scenario:<34} {r.expect:>6} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{r.rps / bare:>8.2f} {errors:>7}"
            f" {'' if r.store_reads_per_request is None else f'{r.store_reads_per_request:.4f}':>16}"
        )
    poll, not_modified = results[1], results[2]
    print(
        f"Ratios: GET /jobs/{{id}} / bare {poll.rps / bare:.2f} (goal 0.6), 304 / bare {not_modified.rps / bare:.2f} "
        f"(goal 0.8); store reads per poll of an unchanged job {not_modified.store_reads_per_request or 0:.4f} "
        f"(goal 0)"
    )
    print(
        f"Web RSS (gunicorn master + workers): {memory.warm_mb:.0f} MB after a {WARM_UP_DOCUMENTS}-document "
        f"warm-up, {memory.end_mb:.0f} MB after the load run ({memory.growth_mb:+.0f} MB, goal under 30: "
        f"{DOCUMENTS}-document burst, every wrk round, {BIG_UPLOADS} x {BIG_MB:.0f} MB uploads); workers "
        f"replaced meanwhile: {memory.replaced_workers}"
    )
    print(
        f"Notes: {os.cpu_count()} cores shared by wrk, gunicorn and the (idle) rest of the stack; 'errors' counts "
        f"non-2xx/3xx answers and socket errors. 1/5/15-min load average before the run: {load}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (10)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of every scenario; rows are medians (3)"
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="RATE_LIMIT_ENABLED=false for the stack")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    wrk = ensure_wrk()
    load = load_average()
    env = NO_RATE_LIMIT if args.no_rate_limit else RATE_LIMIT_LIMITS
    with tempfile.TemporaryDirectory(prefix="kraftd-bench-api-") as tmp:
        results, memory = run(Path(tmp), wrk, args.duration, args.connections, env, args.rounds)
    print_table(results, memory, args.duration, args.connections, load, env)
    if args.json:
        payload: dict[str, Any] = {
            "duration_s": args.duration,
            "connections": args.connections,
            "config": {**BENCH_ENV, **env},
            "load_average_before": load,
            "results": [asdict(r) for r in results],
            "web_memory": {**asdict(memory), "growth_mb": memory.growth_mb},
        }
        args.json.write_text(json.dumps(payload, indent=2))


def median_run(runs: list[WrkResult]) -> WrkResult:
    """The round with the median rps (the upper one of an even count)."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def run(
    workdir: Path, wrk: str, duration: int, connections: int, env: dict[str, str], rounds: int
) -> tuple[list[WrkResult], WebMemory]:
    _say("starting scripts/run.sh")
    with running_stack(workdir, env) as stack:
        token = sign_up(stack, "bench-api@example.com")
        _say(f"warm-up: {WARM_UP_DOCUMENTS} documents")
        warm_up = write_corpus(workdir / "warm-up", WARM_UP_DOCUMENTS, seed=4, min_pages=1, max_pages=2)
        run_clients(stack.url, token, warm_up, 4, 0.1)
        warm_mb, warm_workers = web_rss_mb(stack)
        _say(f"uploading {DOCUMENTS} documents and waiting for their analyses")
        fixture = prepare(stack, token, workdir)
        auth = f"Authorization: Bearer {token}"
        bare, bare_url = start_bare_app(workdir)
        try:
            scenarios = [
                Scenario("bare Flask {ok: true}", bare_url),
                Scenario("GET /jobs/{id}", fixture.job_url, (auth,), polls=True),
                Scenario(
                    "GET /jobs/{id} If-None-Match",
                    fixture.job_url,
                    (auth, f"If-None-Match: {fixture.etag}"),
                    304,
                    polls=True,
                ),
                Scenario(f"GET /documents?limit={DOCUMENTS}", fixture.list_url, (auth,)),
            ]
            # Round by round, every scenario once per round, so a machine that gets busier or quieter during
            # the run weighs on every row alike; each row is its median round.
            runs: dict[str, list[WrkResult]] = {scenario.name: [] for scenario in scenarios}
            for round_number in range(rounds):
                for scenario in scenarios:
                    _say(f"round {round_number + 1}/{rounds}, wrk {duration} s: {scenario.name}")
                    reads = store_reads(f"{stack.url}/metrics") if scenario.polls else 0.0
                    result = run_wrk(wrk, scenario, duration, connections)
                    if scenario.polls:
                        grown = store_reads(f"{stack.url}/metrics") - reads
                        result = replace(result, store_reads_per_request=grown / max(1, result.requests))
                    runs[scenario.name].append(result)
                    time.sleep(1)
            results = [median_run(runs[scenario.name]) for scenario in scenarios]
        finally:
            stop_group(bare)
        _say(f"web memory: {BIG_UPLOADS} simultaneous {BIG_MB:.0f} MB uploads")
        upload_memory(stack, token, big_files(workdir, BIG_UPLOADS, BIG_MB))
        end_mb, end_workers = web_rss_mb(stack)
        _say("stopping the stack")
    return results, WebMemory(warm_mb, end_mb, len(warm_workers - end_workers))


def _say(text: str) -> None:
    print(f"[api] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
