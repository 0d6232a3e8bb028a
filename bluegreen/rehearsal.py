"""`python scripts/release.py rehearse`: the whole blue-green procedure for real on this machine.

In a temporary folder: a private redis-server, one Celery beat, the blue stack behind our nginx, and
signed-up users uploading and polling through nginx the whole time; then the procedure deploys green,
smoke-checks it, switches, watches and retires blue (or, with `break_green`, watches green fail its smoke
and rolls back). Afterwards every job the API accepted is followed to its end: a job that did not succeed
is lost. Everything started here is stopped here.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from bluegreen.load import Load, User, settle
from bluegreen.local import ROOT, LocalProvider, Process, Stack, free_port, procfile_command, spawn, stop
from bluegreen.nginx import Nginx
from bluegreen.procedure import Colour, Outcome, ReleaseError, Timeline, release
from bluegreen.smoke import smoke_script
from bluegreen.watch import WatchPolicy
from common.config import Settings

PASSWORD = "Rehearsal-Blue-Green-42"  # noqa: S105 - throwaway users of a temporary stack
# A release that passes /readyz and fails its users: every upload answers 413. The smoke's upload check
# sees it; readiness cannot.
BROKEN_GREEN = {"MAX_UPLOAD_MB": "0"}
_INHERITED_NOT = (
    "COSMOS_",
    "AZURE_",
    "OPENAI_",
    "MAIL_",
    "SENDGRID_",
    "SENTRY_",
    "SMOKE_",
    "RECAPTCHA_",
    "RATE_LIMIT_",
)


@dataclass
class Report:
    outcome: str
    requests: int
    failed_requests: int
    jobs_accepted: int
    jobs_lost: int
    phases: dict[str, float]
    expected: str
    per_phase: dict[str, tuple[int, int]] = field(default_factory=dict)  # phase → (sent, failed)
    failures: dict[str, int] = field(default_factory=dict)
    served_by: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.outcome == self.expected and self.jobs_lost == 0

    def contract(self) -> dict[str, Any]:
        """The JSON the contract names (CONTRACT.md, `scripts/release.py rehearse --json`)."""
        keys = ("outcome", "requests", "failed_requests", "jobs_accepted", "jobs_lost", "phases")
        return {k: v for k, v in asdict(self).items() if k in keys}

    def text(self) -> str:
        lines = [f"{'phase':<12} {'seconds':>8} {'requests':>9} {'failed':>7}"]
        for name, seconds in self.phases.items():
            sent, failed = self.per_phase.get(name, (0, 0))
            lines.append(f"{name:<12} {seconds:>8.2f} {sent:>9} {failed:>7}")
        share = self.failed_requests / self.requests if self.requests else 0.0
        switch = self.per_phase.get("switch", (0, 0))
        lines += [
            *self.notes,
            f"requests: {self.requests} sent, {self.failed_requests} failed ({share:.3%}); during the switch "
            f"{switch[0]} sent, {switch[1]} failed",
            f"served by: {', '.join(f'{k} {v}' for k, v in sorted(self.served_by.items())) or '-'}",
            *(f"failure: {reason} x{n}" for reason, n in sorted(self.failures.items())),
            f"jobs: {self.jobs_accepted} accepted, {self.jobs_lost} lost",
            f"outcome: {self.outcome} (expected {self.expected}): {'PASS' if self.passed else 'FAIL'}",
        ]
        return "\n".join(lines)


def base_env(data_dir: Path, redis_port: int, public_url: str) -> dict[str, str]:
    """What both stacks, beat and the operators' commands share: one Redis, one DATA_DIR, one secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_NOT)}
    env.update(
        PYTHONPATH=str(ROOT),
        ENVIRONMENT="development",
        DATA_DIR=str(data_dir),
        REDIS_PORT=str(redis_port),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        JWT_SECRET_KEY=secrets.token_urlsafe(48),
        PUBLIC_URL=public_url,
        ALLOWED_ORIGINS=public_url,
        LOG_LEVEL="INFO",
        WORKER_CONCURRENCY="1",
        WEB_WORKERS="2",
    )
    return env


def _wait_redis(port: int, timeout: float = 20.0) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            if redis.Redis(port=port, socket_connect_timeout=0.5).ping():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise ReleaseError("redis-server did not start")
        time.sleep(0.05)


def _smoke_env(log: Path) -> dict[str, str]:
    """The smoke reads the verification e-mail from the stack's log; rate limits as the stack has them."""
    return {"SMOKE_LOG": str(log), "SMOKE_TIMEOUT": "30", "RATE_LIMIT_ENABLED": "true"}


def sign_up(base_url: str, log: Path, count: int) -> list[User]:
    """`count` users registered, verified (the link from the e-mail in blue's log) and signed in."""
    api = f"{base_url}/api/v1"
    users = []
    for i in range(count):
        email = f"rehearsal-{i}-{secrets.token_hex(4)}@example.com"
        credentials = {"email": email, "password": PASSWORD}
        requests.post(f"{api}/auth/register", json=credentials, timeout=30).raise_for_status()
        token = _mailed_token(log, email)
        requests.post(f"{api}/auth/verify-email", json={"token": token}, timeout=30).raise_for_status()
        answer = requests.post(f"{api}/auth/login", json=credentials, timeout=30)
        answer.raise_for_status()
        users.append(User(email, answer.json()["access_token"]))
    return users


def _mailed_token(log: Path, email: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        start = text.rfind(f"to {email}:")
        if start >= 0 and (found := re.search(r"verify-email\?token=([A-Za-z0-9._~-]+)", text[start:])):
            return found.group(1)
        time.sleep(0.1)
    raise ReleaseError(f"no verification e-mail for {email} in {log}")


def rehearse(
    break_green: bool = False,
    users: int = 4,
    policy: WatchPolicy | None = None,
    keep: bool = False,
    fail_watch: bool = False,
) -> Report:
    policy = policy or WatchPolicy(window_seconds=6.0, min_requests=20)
    workdir = Path(tempfile.mkdtemp(prefix="kraftd-release-"))
    # nginx's workers run as `nobody` when we are root and buffer large request bodies in a folder under it:
    # they must be able to pass through (not list) this one.
    workdir.chmod(0o711)
    run_dir = workdir / "run"
    run_dir.mkdir()
    nginx = Nginx(workdir / "nginx", free_port())
    env = base_env(workdir / "data", free_port(), nginx.url)
    (workdir / "data" / "redis").mkdir(parents=True)
    shared: list[Process] = []
    stacks = {
        Colour.BLUE: Stack(Colour.BLUE, free_port(), env, run_dir),
        Colour.GREEN: Stack(
            Colour.GREEN, free_port(), {**env, **(BROKEN_GREEN if break_green else {})}, run_dir
        ),
    }
    settings = Settings(redis_url=env["REDIS_URL"], data_dir=Path(env["DATA_DIR"]))
    provider = LocalProvider(stacks, nginx, env, settings)
    timeline = Timeline()
    smoke_output: list[str] = []
    load: Load | None = None
    try:
        shared.append(spawn("redis", procfile_command("redis"), env, run_dir / "redis.log"))
        _wait_redis(int(env["REDIS_PORT"]))
        shared.append(spawn("beat", procfile_command("beat"), env, run_dir / "beat.log"))
        provider.deploy(Colour.BLUE)
        provider.wait_ready(Colour.BLUE, 120)
        nginx.start(stacks[Colour.BLUE].port)
        load = Load(
            nginx.url, sign_up(nginx.url, stacks[Colour.BLUE].web_log, users), lambda: timeline.current
        )
        load.start()
        smoke = smoke_script(_smoke_env(stacks[Colour.GREEN].web_log), smoke_output)
        result = release(provider, smoke, policy, timeline)
        load.stop()
        ended = settle(nginx.url, load.tally.jobs, timeout=90)
    finally:
        if load is not None:
            load.stop()
        for stack in stacks.values():
            stop(stack.processes())
        nginx.stop()
        stop(list(reversed(shared)))
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    tally = load.tally
    notes = list(timeline.notes)
    if result.outcome is Outcome.ROLLED_BACK and smoke_output:
        notes.append(
            "green's smoke checks:\n" + "\n".join("  " + line for line in smoke_output[-1].splitlines())
        )
    notes += [f"drain of the outgoing release:\n{d.strip()}" for d in provider.drains]
    if keep:
        notes.append(f"logs kept in {workdir}")
    return Report(
        outcome=str(result.outcome),
        requests=sum(tally.sent.values()),
        failed_requests=sum(tally.failed.values()),
        jobs_accepted=len(tally.jobs),
        jobs_lost=len(tally.jobs) - ended["succeeded"],
        phases=result.phases,
        expected=str(Outcome.ROLLED_BACK if break_green or fail_watch else Outcome.SWITCHED),
        per_phase={p: (tally.sent[p], tally.failed[p]) for p in tally.sent},
        failures=dict(tally.reasons),
        served_by=dict(Counter(_colour_of(addr, stacks) for addr in tally.served_by.elements())),
        notes=notes,
    )


def _colour_of(upstream: str, stacks: dict[Colour, Stack]) -> str:
    for colour, stack in stacks.items():
        if upstream.endswith(f":{stack.port}"):
            return str(colour)
    return upstream
