"""End-to-end documents/s through the running stack, beside the compute limit of the same work, in one run.

    python -m bench.pipeline [--docs 200] [--clients 8] [--json OUT]

1. Generates N contracts (2-10 pages; a third each PDF, DOCX, TXT; see bench/contracts.py).
2. Compute limit: worker.extract.extract_text + worker.analyze.analyze (the offline analyzer with quote
   verification) over the same files in a plain loop, one process per core (multiprocessing.Pool).
3. Starts scripts/run.sh (what `make run` runs: private redis-server, gunicorn, a Celery worker per queue, beat)
   with a temporary DATA_DIR and a free PORT, signs a user up through the API (verification e-mail caught by an
   aiosmtpd sink), then uploads every file with a few concurrent clients, each polling its job until it ends.
4. Peak memory of the web server (gunicorn master + workers, RSS from /proc every 50 ms) while 20 clients
   upload a 10 MB text contract each at the same moment.
5. The design's floor (bench/floor_app.py): the same files, clients and polls through the pipeline's shape with
   no work in it (a bare Flask upload under the same gunicorn settings, two no-op hand-offs through Redis to
   prefork Celery workers with the project's Celery settings). Its CPU per document, the clients' included,
   bounds the ratio any work inside that shape can reach: compute / (compute + floor), CPU per document, on
   cores the clients share.

The stack runs with RATE_LIMIT_ENABLED=false (the default 100/minute per user would throttle the bench) and
JWT_ACCESS_MINUTES=120 (one token for the whole run); everything else is as `make run` sets it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import requests

from bench.contracts import write_big_txt, write_corpus
from common.config import Settings
from common.filetypes import sniff_type
from tests.processes import RedisServer
from tests.servers import Mailbox, free_port, smtp_sink
from worker.analyze import analyze
from worker.extract import extract_text

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-run-password-42"
READY_TIMEOUT = 90.0
JOB_TIMEOUT = 300.0
FINISHED = {"succeeded", "failed", "canceled"}
MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain",
}
# Variables that would point the stack away from its embedded defaults or change what `make run` configures.
_DROPPED_ENV = """
    REDIS_URL COSMOS_ENDPOINT COSMOS_KEY AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_ACCOUNT_URL
    OPENAI_API_KEY AZURE_OPENAI_ENDPOINT SENDGRID_API_KEY PROMETHEUS_MULTIPROC_DIR ENVIRONMENT
    PUBLIC_URL WEB_PORT WEB_BIND WEB_WORKERS WEB_THREADS WORKER_CONCURRENCY LOG_LEVEL
""".split()
BENCH_ENV = {"RATE_LIMIT_ENABLED": "false", "JWT_ACCESS_MINUTES": "120"}
# What scripts/run.sh starts when nothing overrides it (the floor runs its workers alike).
STACK_DEFAULTS = {"WEB_WORKERS": "2", "WEB_THREADS": "4", "WORKER_CONCURRENCY": "2"}


# --- the stack -----------------------------------------------------------------------------------------------


@dataclass
class Stack:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    mailbox: Mailbox


def stack_env(
    data_dir: Path, port: int, mail_port: int, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(BENCH_ENV)
    env.update(overrides or {})
    env.update(DATA_DIR=str(data_dir), PORT=str(port), MAIL_SERVER="127.0.0.1", MAIL_PORT=str(mail_port))
    return env


@contextmanager
def running_stack(workdir: Path, overrides: dict[str, str] | None = None) -> Iterator[Stack]:
    """scripts/run.sh in a session of its own (BENCH_ENV, then `overrides`); SIGTERM to its group at the end."""
    port = free_port()
    log_path = workdir / "stack.log"
    with smtp_sink() as (mailbox, mail_port), log_path.open("wb") as log:
        process = subprocess.Popen(
            ["scripts/run.sh"],
            cwd=ROOT,
            env=stack_env(workdir / "data", port, mail_port, overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack = Stack(f"http://127.0.0.1:{port}", process, log_path, mailbox)
        try:
            wait_answering(f"{stack.url}/readyz", [process], log_path)
            yield stack
        finally:
            stop_group(process)


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`command` from the repository's root, in a session of its own (for `stop_group`), its output appended
    to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_answering(url: str, processes: list[subprocess.Popen[bytes]], log: Path) -> None:
    """Until GET `url` answers 200; a process that exits meanwhile, or no answer within READY_TIMEOUT, raises
    with the tail of `log`."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"a process exited early; see {log}:\n{_tail(log)}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} was not 200 within {READY_TIMEOUT:.0f} s; see {log}:\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop_group(process: subprocess.Popen[bytes], timeout: float = 40.0) -> None:
    """SIGTERM the group we created (honcho forwards it to its children, which run in sessions of their own);
    anything of ours still alive afterwards gets SIGKILL, by pid."""
    ours = descendants(process.pid)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid, start) for pid, start in ours.items()):
        time.sleep(0.2)
    for pid, start in ours.items():
        if _alive(pid, start):
            os.kill(pid, signal.SIGKILL)


# --- /proc ---------------------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), fields[19]


def _alive(pid: int, start: str) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[1] == start


def descendants(root: int) -> dict[int, str]:
    """Every process below `root`, by pid, with its start time (so a reused pid is never mistaken for it)."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[0], []).append((int(entry.name), stat[1]))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid, start in parents.get(todo.pop(), []):
            found[pid] = start
            todo.append(pid)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_gunicorn(pid: int) -> bool:
    """A gunicorn process itself (python .venv/bin/gunicorn ...), not the shell honcho starts it with."""
    argv = _cmdline(pid).split()
    return bool(argv) and Path(argv[0]).name != "sh" and any(Path(a).name == "gunicorn" for a in argv[:2])


def gunicorn_master(root: int) -> int:
    """The gunicorn process below `root` whose parent is not gunicorn."""
    below = [pid for pid in descendants(root) if _is_gunicorn(pid)]
    for pid in below:
        stat = _stat(pid)
        if stat is not None and stat[0] not in below:
            return pid
    raise RuntimeError("no gunicorn process found under the stack")


def children(pid: int) -> list[int]:
    """The direct children of a process (a gunicorn master's workers)."""
    pids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue  # a worker that has just exited
    return total


class RssSampler(threading.Thread):
    """Sum of RSS of a process and its children, sampled every `interval` seconds; keeps the peak."""

    def __init__(self, master: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, rss_bytes([self.master, *children(self.master)]))
            self.samples += 1
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


# --- the API -------------------------------------------------------------------------------------------------


def sign_up(stack: Stack, email: str) -> str:
    """Register, verify by the e-mailed token, sign in; the access token."""
    api = f"{stack.url}/api/v1/auth"
    answer = requests.post(f"{api}/register", json={"email": email, "password": PASSWORD}, timeout=30)
    _expect(answer, 201)
    token = stack.mailbox.verification_token(email)
    _expect(requests.post(f"{api}/verify-email", json={"token": token}, timeout=30), 200)
    answer = requests.post(f"{api}/login", json={"email": email, "password": PASSWORD}, timeout=30)
    _expect(answer, 200)
    access: str = answer.json()["access_token"]
    return access


def _expect(answer: requests.Response, status: int) -> None:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text[:300]}")


_local = threading.local()


def _session(token: str) -> requests.Session:
    """One keep-alive session per client thread."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        _local.session = session
    return session


def upload(url: str, token: str, path: Path) -> dict[str, Any]:
    """POST /documents; the job it started."""
    with path.open("rb") as fh:
        files = {"file": (path.name, fh, MIME.get(path.suffix, "application/octet-stream"))}
        answer = _session(token).post(f"{url}/api/v1/documents", files=files, timeout=120)
    _expect(answer, 202)
    job: dict[str, Any] = answer.json()["job"]
    return job


def wait_job(url: str, token: str, job_id: str, poll: float) -> dict[str, Any]:
    """Poll GET /jobs/{id} with If-None-Match, as the browser does, until the job has ended."""
    session = _session(token)
    etag = ""
    job: dict[str, Any] = {}
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        answer = session.get(f"{url}/api/v1/jobs/{job_id}", headers={"If-None-Match": etag}, timeout=30)
        if answer.status_code == 200:
            job, etag = answer.json(), answer.headers.get("ETag", "")
            if job["status"] in FINISHED:
                return job
        elif answer.status_code != 304:
            _expect(answer, 200)
        time.sleep(poll)
    return {**job, "status": "timeout"}


@dataclass(frozen=True)
class JobTiming:
    name: str
    status: str
    latency: float  # upload start → the poll that saw the job end
    upload: float  # the POST alone
    step_seconds: dict[str, float]  # each step's finished_at - started_at
    gaps: dict[str, float]  # server-side waits: job created → first step, step → step, last step → done
    server: float  # job updated_at - created_at
    error: str = ""

    @property
    def steps(self) -> float:
        return sum(self.step_seconds.values())


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _seconds(start: str | None, end: str | None) -> float:
    begun, ended = _when(start), _when(end)
    return (ended - begun).total_seconds() if begun and ended else 0.0


def _gaps(job: dict[str, Any]) -> dict[str, float]:
    """Where the job waited between pieces of work, from the times the workers recorded on it."""
    marks: list[tuple[str, str | None]] = [("created", job.get("created_at"))]
    for step in job.get("steps", []):
        if step.get("started_at") and step.get("finished_at"):  # a step that was not needed (ocr) has neither
            marks += [(step["name"], step["started_at"]), (step["name"], step["finished_at"])]
    marks.append(("done", job.get("updated_at")))
    pairs = zip(marks[::2], marks[1::2], strict=True)
    return {f"{a}->{b}": _seconds(at_a, at_b) for (a, at_a), (b, at_b) in pairs}


def process_one(url: str, token: str, path: Path, poll: float) -> JobTiming:
    started = time.perf_counter()
    job = upload(url, token, path)
    uploaded = time.perf_counter()
    job = wait_job(url, token, job["id"], poll)
    latency = time.perf_counter() - started
    steps = {s["name"]: _seconds(s.get("started_at"), s.get("finished_at")) for s in job.get("steps", [])}
    error = (job.get("error") or {}).get("code", "")
    server = _seconds(job.get("created_at"), job.get("updated_at"))
    return JobTiming(path.name, job["status"], latency, uploaded - started, steps, _gaps(job), server, error)


@dataclass(frozen=True)
class ClientRun:
    seconds: float  # wall
    client_cpu: float  # CPU seconds of this process (the client threads) meanwhile
    timings: list[JobTiming]


def run_clients(url: str, token: str, paths: list[Path], clients: int, poll: float) -> ClientRun:
    """Every file through the API at `url` by `clients` threads: the wall time, the clients' CPU, each job's
    timing."""
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(clients) as pool:
        timings = list(pool.map(lambda p: process_one(url, token, p, poll), paths))
    return ClientRun(time.perf_counter() - started, time.process_time() - cpu, timings)


# --- where the CPU went ---------------------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds (user + system) of `root` and every live process under it, summed by kind: the web server,
    each Celery worker by its queues (its main process apart from its pool), Redis, the rest."""
    stats: dict[int, tuple[int, float, str]] = {}  # pid: parent, CPU seconds, command line
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        stats[int(proc.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS, cmdline)
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    totals: dict[str, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if pid in stats:
            parent, seconds, cmdline = stats[pid]
            kind = _process_kind(cmdline)
            if kind.startswith("worker "):  # a Celery worker's main process, or one of its pool's children
                parent_is_worker = parent in stats and _process_kind(stats[parent][2]) == kind
                kind += " pool" if parent_is_worker else " main"
            totals[kind] = totals.get(kind, 0.0) + seconds
    return totals


def _process_kind(cmdline: str) -> str:
    if cmdline.startswith(("/bin/sh ", "sh ", "/bin/bash ", "bash ")):
        return "other"  # honcho's shell around a Procfile line
    if "gunicorn" in cmdline:
        return "web"
    if "redis-server" in cmdline:
        return "redis"
    if "celery" in cmdline:
        queue = cmdline.split("--queues ", 1)[1].split()[0] if "--queues " in cmdline else ""
        return f"worker {queue}" if queue else "beat"
    return "other"


# --- the compute limit ---------------------------------------------------------------------------------------

_SETTINGS = Settings()


def _compute_one(path: str) -> int:
    file = Path(path)
    content_type = sniff_type(file)
    if content_type is None:
        raise ValueError(f"{file.name}: not a PDF, DOCX or text file")
    extracted = extract_text(file, content_type)
    analyze(extracted.pages, file.stem, _SETTINGS)
    return extracted.page_count


def compute_limit(paths: list[Path], warmup: list[Path], processes: int) -> tuple[float, int]:
    """Wall seconds and total pages of extraction + analysis of every file by a Pool of `processes`, after
    the warm-up files have been through each process (lazy imports, compiled patterns)."""
    with Pool(processes) as pool:
        pool.map(_compute_one, [str(p) for p in warmup * processes], chunksize=1)
        started = time.perf_counter()
        pages = pool.map(_compute_one, [str(p) for p in paths], chunksize=1)
        return time.perf_counter() - started, sum(pages)


# --- upload memory -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadMemory:
    clients: int
    file_mb: float
    idle_mb: float
    peak_mb: float
    seconds: float
    statuses: dict[str, int]
    samples: int


def big_files(folder: Path, count: int, size_mb: float) -> list[Path]:
    """`count` distinct text contracts of `size_mb` MB (one generated text, a different first line each)."""
    template = folder / "big-template.txt"
    write_big_txt(template, int(size_mb * 1024 * 1024))
    body = template.read_bytes()
    paths = []
    for number in range(count):
        path = folder / f"big-{number:02d}.txt"
        head = f"Counterpart {number + 1} of {count}\n".encode()
        path.write_bytes(head + body[len(head) :])
        paths.append(path)
    return paths


def upload_memory(stack: Stack, token: str, paths: list[Path]) -> UploadMemory:
    """All uploads start together (a barrier); RSS of the web server is sampled meanwhile."""
    master = gunicorn_master(stack.process.pid)
    idle = rss_bytes([master, *children(master)])
    sampler = RssSampler(master)
    barrier = threading.Barrier(len(paths))

    def send(path: Path) -> str:
        with requests.Session() as session, path.open("rb") as fh:
            session.headers["Authorization"] = f"Bearer {token}"
            barrier.wait()
            answer = session.post(
                f"{stack.url}/api/v1/documents", files={"file": (path.name, fh)}, timeout=300
            )
            return str(answer.status_code)

    sampler.start()
    time.sleep(0.2)
    started = time.perf_counter()
    with ThreadPoolExecutor(len(paths)) as pool:
        statuses = list(pool.map(send, paths))
    seconds = time.perf_counter() - started
    time.sleep(0.2)
    sampler.stop()
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    size_mb = paths[0].stat().st_size / 2**20
    mb = 2**20
    return UploadMemory(len(paths), size_mb, idle / mb, sampler.peak / mb, seconds, counts, sampler.samples)


# --- the design's floor ------------------------------------------------------------------------------------

FLOOR_QUEUES = ("floor-first", "floor-second")


@dataclass(frozen=True)
class Floor:
    run: ClientRun
    cpu_seconds: dict[str, float]  # its processes', by kind, over the run

    @property
    def docs_per_s(self) -> float:
        return len(self.run.timings) / self.run.seconds


def floor(workdir: Path, paths: list[Path], warmup: list[Path], clients: int, poll: float) -> Floor:
    """The files through bench/floor_app.py (its own redis-server, gunicorn and a prefork worker per queue, as
    the stack runs them), after the warm-up files; its processes' CPU over the run."""
    redis_server = RedisServer(free_port(), workdir)
    redis_server.start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(FLOOR_REDIS_URL=redis_server.url, WEB_PORT=str(port))
    commands = [[str(ROOT / ".venv/bin/gunicorn"), "--config", "web/gunicorn_conf.py", "bench.floor_app:web"]]
    commands += [
        [str(ROOT / ".venv/bin/celery"), "--app", "bench.floor_app", "worker", "--queues", queue, "--hostname",
         f"{queue}@%h", "--concurrency", STACK_DEFAULTS["WORKER_CONCURRENCY"], "--loglevel", "WARNING"]
        for queue in FLOOR_QUEUES
    ]  # fmt: skip
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            processes.append(spawn(command, env, workdir / "floor.log"))
        url = f"http://127.0.0.1:{port}"
        wait_answering(f"{url}/api/v1/jobs/ready", processes, workdir / "floor.log")
        run_clients(url, "", warmup, len(warmup), poll)  # also waits for the workers to consume
        assert redis_server.process is not None
        roots = [*(process.pid for process in processes), redis_server.process.pid]
        before = _cpu_of(roots)
        result = run_clients(url, "", paths, clients, poll)
        after = _cpu_of(roots)
        return Floor(result, {kind: seconds - before.get(kind, 0.0) for kind, seconds in after.items()})
    finally:
        for process in processes:
            stop_group(process)
        redis_server.stop()


def _cpu_of(roots: list[int]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for root in roots:
        for kind, seconds in tree_cpu(root).items():
            totals[kind] = totals.get(kind, 0.0) + seconds
    return totals


# --- report --------------------------------------------------------------------------------------------------


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Report:
    docs: int
    formats: dict[str, int]
    pages: int
    clients: int
    poll_seconds: float
    processes: int
    compute_seconds: tuple[float, float]  # before the stack started, after it stopped
    e2e_seconds: float
    timings: list[JobTiming]
    memory: UploadMemory
    floor: Floor
    client_cpu: float  # the bench clients' CPU seconds over the end-to-end run
    config: dict[str, str] = field(default_factory=dict)
    load_average: str = ""
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # the stack's, by process kind, end to end

    @property
    def compute_cpu_per_doc(self) -> float:
        """CPU seconds per document of the compute limit: its pool keeps every core busy."""
        return self.processes * min(self.compute_seconds) / self.docs

    @property
    def floor_cpu_per_doc(self) -> float:
        """CPU seconds per document of the design's floor, its clients' included."""
        return (sum(self.floor.cpu_seconds.values()) + self.floor.run.client_cpu) / self.docs

    @property
    def ratio_ceiling(self) -> float:
        """The ratio a stack of the floor's shape reaches at best, if everything it adds to the floor were the
        compute limit's own work: compute CPU / (compute + floor CPU), per document."""
        return self.compute_cpu_per_doc / (self.compute_cpu_per_doc + self.floor_cpu_per_doc)

    @property
    def succeeded(self) -> list[JobTiming]:
        return [t for t in self.timings if t.status == "succeeded"]

    @property
    def step_names(self) -> list[str]:
        return list(self.succeeded[0].step_seconds) if self.succeeded else []

    @property
    def gap_names(self) -> list[str]:
        return list(self.succeeded[0].gaps) if self.succeeded else []

    def summary(self) -> dict[str, float]:
        done = self.succeeded
        latency = [t.latency for t in done]
        e2e_rate = len(done) / self.e2e_seconds
        compute_rate = self.docs / min(self.compute_seconds)
        return {
            "e2e_docs_per_s": e2e_rate,
            "compute_docs_per_s": compute_rate,
            "ratio": e2e_rate / compute_rate,
            "latency_p50_s": pct(latency, 50),
            "latency_p95_s": pct(latency, 95),
            "upload_p50_s": pct([t.upload for t in done], 50),
            "upload_p95_s": pct([t.upload for t in done], 95),
            "steps_p50_s": pct([t.steps for t in done], 50),
            "overhead_p50_s": pct([t.latency - t.steps for t in done], 50),
            "server_overhead_p50_s": pct([t.server - t.steps for t in done], 50),
            **{
                f"step_{n}_p50_s": pct([t.step_seconds.get(n, 0.0) for t in done], 50)
                for n in self.step_names
            },
            **{f"gap_{g}_p50_s": pct([t.gaps.get(g, 0.0) for t in done], 50) for g in self.gap_names},
            "client_cpu_ms_per_doc": 1000 * self.client_cpu / self.docs,
            "compute_cpu_ms_per_doc": 1000 * self.compute_cpu_per_doc,
            "floor_docs_per_s": self.floor.docs_per_s,
            "floor_cpu_ms_per_doc": 1000 * self.floor_cpu_per_doc,
            "ratio_ceiling": self.ratio_ceiling,
            "web_rss_idle_mb": self.memory.idle_mb,
            "web_rss_peak_mb": self.memory.peak_mb,
        }


def print_report(report: Report) -> None:
    s = report.summary()
    print(
        f"\nPipeline: {report.docs} generated contracts through scripts/run.sh "
        f"({', '.join(f'{k}={v}' for k, v in report.config.items())})"
    )
    rows = _rows(report, s)
    width = max(len(label) for label, _ in rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 60}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(
        f"Notes: {os.cpu_count()} cores shared by the bench clients and the whole stack; the compute limit ran "
        "with the stack stopped, before and after it (the faster counts). Latency is measured by the client, "
        f"polling every {report.poll_seconds * 1000:.0f} ms with If-None-Match (up to one poll interval is "
        f"included). 1/5/15-min load average before the run: {report.load_average}."
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _cpu(cpu_seconds: dict[str, float], docs: int, seconds: float, cores: int) -> str:
    """CPU seconds per document by process kind (above 0.5 ms), and how much of the cores they used."""
    total = sum(cpu_seconds.values())
    if not total:
        return "not measured"
    parts = ", ".join(
        f"{kind} {1000 * spent / docs:.0f}"
        for kind, spent in sorted(cpu_seconds.items(), key=lambda kv: -kv[1])
        if 1000 * spent / docs >= 0.5
    )
    return f"{1000 * total / docs:.0f} ms/doc ({parts}); {total / (seconds * cores):.0%} of {cores} cores"


def _rows(report: Report, s: dict[str, float]) -> list[tuple[str, str]]:
    mem = report.memory
    failed = [t for t in report.timings if t.status != "succeeded"]
    fmt = ", ".join(f"{n} {k.upper()}" for k, n in report.formats.items())
    before, after = (report.docs / seconds for seconds in report.compute_seconds)
    steps = ", ".join(f"{n} {_ms(s[f'step_{n}_p50_s'])}" for n in report.step_names)
    gaps = ", ".join(f"{g} {_ms(s[f'gap_{g}_p50_s'])}" for g in report.gap_names)
    return [
        ("documents", f"{report.docs} ({fmt}; {report.pages} pages)"),
        (f"end to end, {report.clients} clients", f"{s['e2e_docs_per_s']:.2f} docs/s"),
        (
            f"compute limit, Pool({report.processes})",
            f"{s['compute_docs_per_s']:.2f} docs/s  (before {before:.2f}, after {after:.2f})",
        ),
        ("ratio end to end / compute limit", f"{s['ratio']:.3f}"),
        ("upload -> succeeded p50 / p95", f"{_ms(s['latency_p50_s'])} / {_ms(s['latency_p95_s'])} ms"),
        ("  the POST alone p50 / p95", f"{_ms(s['upload_p50_s'])} / {_ms(s['upload_p95_s'])} ms"),
        ("  steps p50", f"{_ms(s['steps_p50_s'])} ms  ({steps})"),
        ("orchestration overhead p50", f"{_ms(s['overhead_p50_s'])} ms  (upload->succeeded - steps)"),
        ("  server side p50", f"{_ms(s['server_overhead_p50_s'])} ms  (updated_at - created_at - steps)"),
        ("  server-side gaps p50 (ms)", gaps),
        (
            "stack CPU, end to end",
            _cpu(report.cpu_seconds, report.docs, report.e2e_seconds, report.processes),
        ),
        ("  the bench clients' CPU", f"{s['client_cpu_ms_per_doc']:.0f} ms/doc"),
        (
            "compute limit's CPU",
            f"{s['compute_cpu_ms_per_doc']:.0f} ms/doc  ({report.processes} x its wall time)",
        ),
        (
            f"design floor, {report.clients} clients",
            f"{s['floor_docs_per_s']:.2f} docs/s; "
            + _cpu(report.floor.cpu_seconds, report.docs, report.floor.run.seconds, report.processes)
            + f"; clients {1000 * report.floor.run.client_cpu / report.docs:.0f} ms/doc",
        ),
        (
            "ratio ceiling over the floor",
            f"{s['ratio_ceiling']:.3f}  (compute / (compute + floor), CPU per document, clients included)",
        ),
        ("jobs not succeeded", f"{len(failed)}" + (f" ({_errors(failed)})" if failed else "")),
        (
            f"web RSS, {mem.clients} x {mem.file_mb:.0f} MB uploads",
            f"idle {mem.idle_mb:.0f} MB, peak {mem.peak_mb:.0f} MB "
            f"({mem.samples} samples, {mem.seconds:.1f} s, HTTP {mem.statuses})",
        ),
    ]


def _errors(failed: list[JobTiming]) -> str:
    codes = [t.error or t.status for t in failed]
    return ", ".join(f"{c} x{codes.count(c)}" for c in sorted(set(codes)))


# --- main ----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=200, help="generated contracts to push through (200)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent upload clients (8)")
    parser.add_argument("--poll", type=float, default=0.1, help="job poll interval in seconds (0.1)")
    parser.add_argument("--big-clients", type=int, default=20, help="simultaneous big uploads (20)")
    parser.add_argument("--big-mb", type=float, default=10.0, help="size of each big upload in MB (10)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kraftd-bench-pipeline-") as tmp:
        report = run(Path(tmp), args)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(_json(report), indent=2))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(workdir: Path, args: argparse.Namespace) -> Report:
    load = load_average()
    _say(f"generating {args.docs} contracts and {args.big_clients} x {args.big_mb:.0f} MB in {workdir}")
    paths = write_corpus(workdir / "corpus", args.docs)
    warmup = write_corpus(workdir / "warmup", 3, seed=99)
    big = big_files(workdir, args.big_clients, args.big_mb)
    processes = os.cpu_count() or 2
    _say(f"compute limit: extract + analyze in Pool({processes}), before starting the stack")
    before, pages = compute_limit(paths, warmup, processes)
    _say("starting scripts/run.sh")
    with running_stack(workdir) as stack:
        token = sign_up(stack, "bench-pipeline@example.com")
        _say("warm-up: one document of each format")
        run_clients(stack.url, token, warmup, len(warmup), args.poll)
        _say(f"end to end: {args.docs} documents, {args.clients} clients")
        cpu_before = tree_cpu(stack.process.pid)
        e2e = run_clients(stack.url, token, paths, args.clients, args.poll)
        cpu = {
            name: seconds - cpu_before.get(name, 0.0) for name, seconds in tree_cpu(stack.process.pid).items()
        }
        _say(f"web memory: {args.big_clients} simultaneous {args.big_mb:.0f} MB uploads")
        memory = upload_memory(stack, token, big)
        _say("stopping the stack")
    _say(f"the design's floor (bench/floor_app.py): {args.docs} documents, {args.clients} clients")
    floor_run = floor(workdir, paths, warmup, args.clients, args.poll)
    _say("compute limit again, with the stack stopped")
    after, _ = compute_limit(paths, warmup, processes)
    formats = {kind: sum(p.suffix == f".{kind}" for p in paths) for kind in ("pdf", "docx", "txt")}
    config = {**STACK_DEFAULTS, **BENCH_ENV}
    return Report(
        args.docs,
        formats,
        pages,
        args.clients,
        args.poll,
        processes,
        (before, after),
        e2e.seconds,
        e2e.timings,
        memory,
        floor_run,
        e2e.client_cpu,
        config,
        load,
        cpu,
    )


def _json(report: Report) -> dict[str, Any]:
    return {
        "summary": report.summary(),
        "docs": report.docs,
        "formats": report.formats,
        "pages": report.pages,
        "clients": report.clients,
        "poll_seconds": report.poll_seconds,
        "compute_processes": report.processes,
        "compute_seconds": report.compute_seconds,
        "e2e_seconds": report.e2e_seconds,
        "memory": asdict(report.memory),
        "config": report.config,
        "load_average_before": report.load_average,
        "jobs": [asdict(t) for t in report.timings],
    }


def _say(text: str) -> None:
    print(f"[pipeline] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
