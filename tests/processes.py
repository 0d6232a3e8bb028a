"""Real worker processes for the tests: one Celery worker per queue and beat, as `make run` starts them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from common.stages import QUEUES, STAGES, consumed_queues

ROOT = Path(__file__).resolve().parent.parent
CELERY = [sys.executable, "-m", "celery", "--app", "worker.tasks"]


def stack_env(config: Mapping[str, Any], **overrides: Any) -> dict[str, str]:
    """The environment a worker needs to share the test app's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COSMOS_", "AZURE_", "OPENAI_"))}
    for key, value in {**config, **overrides}.items():
        env[key.upper()] = str(value)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("LOG_LEVEL", "INFO")
    return env


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def children(self) -> list[int]:
        """Pool child pids (prefork), read from /proc."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Workers:
    env: dict[str, str]
    log_dir: Path
    by_queue: dict[str, Worker] = field(default_factory=dict)
    beat: subprocess.Popen[bytes] | None = None

    def start(self, queue: str, concurrency: int = 1) -> Worker:
        log_path = self.log_dir / f"{queue}-{len(os.listdir(self.log_dir))}.log"
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                [*CELERY, "worker", "--queues", ",".join(consumed_queues(queue)), "--concurrency", str(concurrency),
                 "--hostname", f"{queue}@test-{log_path.stem}", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        worker = Worker(queue, process, log_path)
        self.by_queue[queue] = worker
        _wait_ready(worker)
        return worker

    def start_every_stage(self) -> None:
        """One worker per stage of the registry, as `make run` starts them."""
        for stage in STAGES:
            self.start(stage.name)

    def start_beat(self) -> None:
        with (self.log_dir / "beat.log").open("wb") as out:
            self.beat = subprocess.Popen(
                [*CELERY, "beat", "--loglevel", "INFO", "--schedule", str(self.log_dir / "beat-schedule")],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self, queue: str) -> None:
        """SIGKILL a whole worker: its main process and every pool child."""
        worker = self.by_queue.pop(queue)
        for pid in [*worker.children(), worker.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.process.wait(timeout=10)

    def stop_all(self) -> None:
        processes = [w.process for w in self.by_queue.values()] + ([self.beat] if self.beat else [])
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.by_queue.clear()
        self.beat = None


def _wait_ready(worker: Worker, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"worker for {worker.queue} exited:\n{worker.log()[-3000:]}")
        if "ready." in worker.log():
            return
        time.sleep(0.1)
    raise RuntimeError(f"worker for {worker.queue} did not start:\n{worker.log()[-3000:]}")


def flush_queues(url: str) -> None:
    client = redis.Redis.from_url(url)
    for key in (*QUEUES, "kraftd:drain"):
        client.delete(key)


class RedisServer:
    """A private redis-server the test can stop and start again on the same port."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
