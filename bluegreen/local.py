"""The `local` provider: two stacks of this checkout on this machine, blue and green, each its own gunicorn
and one Celery worker per stage on ports and node names of its own, sharing one Redis and one DATA_DIR
(SQLite and the blob folder), behind our own nginx.

A stack's web command is the Procfile's `web` line, its workers' are the stage registry's
(`common.stages.worker_command`), with the colour in each worker's node name (`extract@blue.HOST`), which is
how `queues drain --workers '*@blue.*'` drains one release's workers and not the other's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bluegreen.nginx import Nginx
from bluegreen.procedure import Colour, ReleaseError
from common.config import Settings
from common.queue import make_celery, workers_matching
from common.stages import STAGES, worker_command

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def procfile_command(name: str) -> str:
    """The command of one process of the Procfile (`web`, `beat`), as `make run` starts it."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(name)


def worker_pattern(colour: Colour) -> str:
    """The node names of one colour's workers, as `queues drain --workers` takes them."""
    return f"*@{colour}.*"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


def spawn(name: str, command: str, env: Mapping[str, str], log: Path) -> Process:
    """Run one Procfile-style command line under bash (for its `$VARIABLES`), in a session of its own."""
    with log.open("ab") as out:
        popen = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Process(name, popen, log)


def stop(processes: list[Process], timeout: float = 30.0) -> None:
    """SIGTERM (gunicorn and Celery finish what they hold), then SIGKILL whatever outlives `timeout`."""
    for p in processes:
        if p.popen.poll() is None:
            p.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in processes:
        try:
            p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.popen.pid, signal.SIGKILL)
            p.popen.wait()


@dataclass
class Stack:
    """One release on this machine: gunicorn on its own port and one worker per stage."""

    colour: Colour
    port: int
    env: dict[str, str]
    run_dir: Path
    web: Process | None = None
    workers: list[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def web_log(self) -> Path:
        return self.run_dir / f"{self.colour}-web.log"

    def start(self) -> None:
        metrics = self.run_dir / f"{self.colour}-metrics"
        metrics.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "WEB_PORT": str(self.port), "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        self.web = spawn("web", procfile_command("web"), env, self.web_log)
        self.workers = [
            spawn(s.name, worker_command(s.name, host=f"{self.colour}.%h"), env,
                  self.run_dir / f"{self.colour}-{s.name}.log")
            for s in STAGES
        ]  # fmt: skip

    def processes(self) -> list[Process]:
        return [*self.workers, *([self.web] if self.web else [])]

    def stop_workers(self) -> None:
        stop(self.workers)
        self.workers = []

    def stop_web(self) -> None:
        if self.web:
            stop([self.web])
        self.web = None

    def exited(self) -> list[str]:
        return [f"{p.name} (see {p.log})" for p in self.processes() if p.popen.poll() is not None]


@dataclass
class LocalProvider:
    """The procedure's provider over two `Stack`s and our nginx."""

    stacks: dict[Colour, Stack]
    nginx: Nginx
    env: dict[str, str]  # what the operators' commands get (REDIS_URL, DATA_DIR, …)
    settings: Settings
    drain_timeout: float = 120.0
    drains: list[str] = field(default_factory=list)  # each drain command's output, for the report

    def deploy(self, colour: Colour) -> None:
        self.stacks[colour].start()

    def wait_ready(self, colour: Colour, timeout: float) -> None:
        stack = self.stacks[colour]
        celery = make_celery(self.settings)
        deadline = time.monotonic() + timeout
        while True:
            if dead := stack.exited():
                raise ReleaseError(f"{colour} did not start: {', '.join(dead)} exited")
            if _ready(stack.url) and len(workers_matching(celery, worker_pattern(colour), 1.0)) == len(
                STAGES
            ):
                return
            if time.monotonic() > deadline:
                raise ReleaseError(f"{colour} not ready after {timeout}s")
            time.sleep(0.2)

    def url(self, colour: Colour) -> str:
        return self.stacks[colour].url

    def switch(self, colour: Colour) -> None:
        self.nginx.switch(self.stacks[colour].port)

    def metrics(self, colour: Colour) -> str:
        answer = requests.get(f"{self.stacks[colour].url}/metrics", timeout=10)
        answer.raise_for_status()
        return answer.text

    def retire(self, colour: Colour) -> None:
        stack = self.stacks[colour]
        if stack.workers:
            started = time.monotonic()
            drained = subprocess.run(
                [sys.executable, "-m", "flask", "--app", "web", "queues", "drain",
                 "--workers", worker_pattern(colour), "--timeout", str(self.drain_timeout)],
                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=self.drain_timeout + 60,
            )  # fmt: skip
            self.drains.append(f"$ flask --app web queues drain --workers '{worker_pattern(colour)}'"
                               f"  ({time.monotonic() - started:.1f} s)\n{drained.stdout}{drained.stderr}")  # fmt: skip
            if drained.returncode != 0:
                raise ReleaseError(f"draining {colour}'s workers failed:\n{drained.stdout}{drained.stderr}")
            stack.stop_workers()
        stack.stop_web()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
