"""`make load`: each locust scenario for a short while against `make run` on loopback, then a table.

For every scenario it starts the stack fresh (scripts/run.sh: web, one worker per queue, beat, a private
redis-server) on a free port with a temporary DATA_DIR, RATE_LIMIT_ENABLED=false and MAIL_SERVER pointed at an
SMTP sink started here; a small HTTP endpoint in front of the sink (MAILBOX_URL) hands locust each new user's
verification token. It runs locust headless, stops everything it started, and prints requests, failures,
p50/p95/p99 and requests/s per scenario. Exit 1 when a scenario broke a threshold (p99 < 2 s, failures < 0.1 %).

    python -m tests.load.run_load [--duration 60] [--scenario RegistrationSpike ...] [--full]

`--full` runs the seed's lengths (5, 10 and 30 minutes). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers import Mailbox, free_port, smtp_sink

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
P99_LIMIT_MS = 2000
FAILURE_RATIO_LIMIT = 0.001


@dataclass(frozen=True)
class Scenario:
    user_class: str
    users: int
    spawn_rate: float
    full_seconds: int


SCENARIOS = [
    Scenario("RegistrationSpike", users=100, spawn_rate=50, full_seconds=5 * 60),
    Scenario("UploadBurst", users=50, spawn_rate=25, full_seconds=10 * 60),
    Scenario("Sustained", users=20, spawn_rate=10, full_seconds=30 * 60),
]

# Variables of the caller's shell that would point the stack at real services.
_FOREIGN_PREFIXES = ("COSMOS_", "AZURE_", "OPENAI_", "MAIL_", "RECAPTCHA_", "PROMETHEUS_", "WEB_")
_FOREIGN = {"REDIS_URL", "SENTRY_DSN", "SENDGRID_API_KEY", "ENVIRONMENT", "PUBLIC_URL", "DATA_DIR", "PORT"}


@dataclass
class Stack:
    """`make run`'s stack (scripts/run.sh) in a session of its own, logging to a file."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls, data_dir: Path, log_path: Path, env: Mapping[str, str] | None = None, timeout: float = 60.0
    ) -> Stack:
        port = free_port()
        environment = {
            k: v for k, v in os.environ.items() if k not in _FOREIGN and not k.startswith(_FOREIGN_PREFIXES)
        }
        environment.update({"DATA_DIR": str(data_dir), "PORT": str(port), **(env or {})})
        data_dir.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                ["bash", str(ROOT / "scripts" / "run.sh")],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack = cls(process, port, log_path)
        try:
            stack.wait_ready(timeout)
        except BaseException:
            stack.stop()
            raise
        return stack

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scripts/run.sh exited {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the stack was not ready within {timeout:.0f}s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 40.0) -> None:
        """SIGTERM to honcho (it stops its processes); SIGKILL to the session only if that did not work."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # anything of the session that outlived honcho
            os.killpg(self.process.pid, signal.SIGKILL)


class _TokenLookup(BaseHTTPRequestHandler):
    """`GET /?to=ADDRESS` → the newest verification token for ADDRESS (404 before one arrived)."""

    mailbox: Mailbox

    def do_GET(self) -> None:
        address = parse_qs(urlsplit(self.path).query).get("to", [""])[0]
        token = self.mailbox.latest_token(address)
        self.send_response(200 if token else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write((token or "").encode())

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def mail_servers() -> Iterator[tuple[Mailbox, int, str]]:
    """(mailbox, SMTP port, MAILBOX_URL), for as long as the block runs."""
    with smtp_sink() as (mailbox, smtp_port):
        handler = type("Lookup", (_TokenLookup,), {"mailbox": mailbox})
        http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        http.daemon_threads = True
        threading.Thread(target=http.serve_forever, daemon=True).start()
        try:
            yield mailbox, smtp_port, f"http://127.0.0.1:{http.server_address[1]}/"
        finally:
            http.shutdown()
            http.server_close()


@dataclass(frozen=True)
class Result:
    scenario: str
    users: int
    seconds: int
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float
    exit_code: int
    endpoints: list[dict[str, str]]

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 1.0

    @property
    def passed(self) -> bool:
        return bool(self.requests) and self.p99 < P99_LIMIT_MS and self.failure_ratio < FAILURE_RATIO_LIMIT


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")


def run_scenario(scenario: Scenario, seconds: int, workdir: Path, mail: tuple[int, str]) -> Result:
    smtp_port, mailbox_url = mail
    data_dir = workdir / f"data-{scenario.user_class}"
    stack = Stack.start(
        data_dir,
        workdir / f"stack-{scenario.user_class}.log",
        {
            "RATE_LIMIT_ENABLED": "false",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "LOG_LEVEL": "WARNING",
        },
    )
    prefix = workdir / scenario.user_class
    try:
        with (workdir / f"locust-{scenario.user_class}.log").open("wb") as locust_log:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--only-summary",
                    "-H",
                    stack.base_url,
                    "-u",
                    str(scenario.users),
                    "-r",
                    str(scenario.spawn_rate),
                    "-t",
                    f"{seconds}s",
                    "--stop-timeout",
                    "20",
                    "--csv",
                    str(prefix),
                    "--loglevel",
                    "WARNING",
                    scenario.user_class,
                ],
                cwd=ROOT,
                env={**os.environ, "MAILBOX_URL": mailbox_url},
                stdout=locust_log,
                stderr=subprocess.STDOUT,
                timeout=seconds + 180,
            )
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return Result(
        scenario=scenario.user_class,
        users=scenario.users,
        seconds=seconds,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        p50=_number(total["50%"]),
        p95=_number(total["95%"]),
        p99=_number(total["99%"]),
        rps=_number(total["Requests/s"]),
        exit_code=done.returncode,
        endpoints=[r for r in rows if r["Name"] != "Aggregated"],
    )


def table(results: list[Result]) -> str:
    lines = [
        f"{'scenario':<18} {'users':>5} {'secs':>5} {'requests':>8} {'failures':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'rps':>7}  thresholds",
    ]
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        lines.append(
            f"{r.scenario:<18} {r.users:>5} {r.seconds:>5} {r.requests:>8} {r.failures:>8} "
            f"{r.p50:>7.0f} {r.p95:>7.0f} {r.p99:>7.0f} {r.rps:>7.1f}  {verdict}"
        )
    lines.append("")
    lines.append(
        f"{'scenario / endpoint':<52} {'requests':>8} {'failures':>8} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    for r in results:
        for e in r.endpoints:
            name = f"{r.scenario} {e['Type']} {e['Name']}"[:52]
            lines.append(
                f"{name:<52} {e['Request Count']:>8} {e['Failure Count']:>8} "
                f"{_number(e['50%']):>6.0f} {_number(e['95%']):>6.0f} {_number(e['99%']):>6.0f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds per scenario (default 60)")
    parser.add_argument("--full", action="store_true", help="the seed's lengths: 5, 10 and 30 minutes")
    parser.add_argument("--scenario", action="append", choices=[s.user_class for s in SCENARIOS])
    parser.add_argument("--keep", action="store_true", help="keep the logs and CSV files (printed path)")
    args = parser.parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.scenario or s.user_class in args.scenario]
    workdir = Path(tempfile.mkdtemp(prefix="kraftd-load-"))
    results: list[Result] = []
    try:
        with mail_servers() as (mailbox, smtp_port, mailbox_url):
            for scenario in chosen:
                seconds = scenario.full_seconds if args.full else args.duration
                print(f"load: {scenario.user_class}: {scenario.users} users for {seconds}s ...", flush=True)
                results.append(run_scenario(scenario, seconds, workdir, (smtp_port, mailbox_url)))
            print(f"load: the SMTP sink received {len(mailbox.messages)} e-mails", flush=True)
    except BaseException:
        print(f"load: interrupted or failed; logs in {workdir}", file=sys.stderr)
        raise
    print()
    print(table(results))
    print(f"\nthresholds: p99 < {P99_LIMIT_MS} ms and failures < {FAILURE_RATIO_LIMIT:.1%} per scenario")
    if args.keep:
        print(f"logs and CSV: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
