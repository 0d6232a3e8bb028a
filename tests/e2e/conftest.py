"""The browser tests: the stack as `make run` starts it (scripts/run.sh), driven by Debian's headless Chromium.

One stack and one browser for the session; every test gets a fresh browser context (its own cookies), and a
`Tab` that collects console errors, page errors and dialogs, and saves screenshots at 1440 and 375 px.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.servers import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
WIDE = {"width": 1440, "height": 900}
NARROW = {"width": 375, "height": 812}
# Variables of the developer's shell that would point the stack somewhere else than its embedded defaults.
_FOREIGN_ENV = ("COSMOS_", "AZURE_", "OPENAI_", "REDIS_URL", "MAIL_", "SENDGRID_", "RECAPTCHA_", "PUBLIC_URL",
                "ALLOWED_ORIGINS", "JWT_", "PROMETHEUS_", "DATA_DIR", "SENTRY_", "ENVIRONMENT")  # fmt: skip
_VERIFY_LINK = re.compile(r"https?://[^/\s]+/verify-email\?token=([\w.\-]+)")
_RESET_LINK = re.compile(r"https?://[^/\s]+/reset-password\?token=([\w.\-]+)")


@dataclass
class Stack:
    """The running stack: its base URL, and HTTP helpers for the steps a test need not click through."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One API request outside the browser: (status, JSON body or {})."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else {}


def _wait_ready(stack: Stack, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"scripts/run.sh exited with {stack.process.returncode}:\n{stack.log_tail()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(stack.url + "/readyz", timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"the stack was not ready in {timeout}s:\n{stack.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group run.sh leads (honcho stops its children), then make sure nothing is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    time.sleep(0.5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group, if any


@pytest.fixture(scope="session")
def stack(smtp_sink: tuple[Mailbox, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`scripts/run.sh` as `make run` starts it: web, one worker per queue, beat and a private redis-server."""
    if not (ROOT / ".venv" / "bin" / "honcho").exists():
        pytest.fail(
            "scripts/run.sh needs .venv at the repository root with requirements installed: run `make test`"
        )
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_ENV)}
    env.update(
        DATA_DIR=str(data_dir),
        PORT=str(port),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_sink[1]),
        LOG_LEVEL="WARNING",
        RATE_LIMIT_DEFAULT="1000/minute",  # many sign-ups from one address in a minute; the limiter stays on
        WORKER_CONCURRENCY="1",
        WEB_WORKERS="2",
    )
    log_path = data_dir / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    running = Stack(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_ready(running)
        yield running
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (scripts/system_deps.sh chromium)")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


@dataclass
class Tab:
    """One browser context and page, watched for console errors, page errors and dialogs."""

    page: Page
    context: BrowserContext
    base_url: str
    name: str
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    bearer_tokens: list[str] = field(default_factory=list)
    allowed_failures: set[tuple[int, str]] = field(default_factory=set)
    shots: int = 0

    def goto(self, path: str = "/") -> None:
        self.page.goto(self.base_url + path)

    def allow_failure(self, status: int, path_prefix: str) -> None:
        """The test provokes this error answer on purpose; Chromium logs it as a console error."""
        self.allowed_failures.add((status, path_prefix))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        found = re.match(r"Failed to load resource: the server responded with a status of (\d+)", text)
        if found:
            path = urlsplit(message.location.get("url", "")).path
            status = int(found.group(1))
            if any(status == s and path.startswith(p) for s, p in self.allowed_failures):
                return
            text = f"{text} ({path})"
        self.problems.append(f"console error: {text}")

    def shot(self, screen: str) -> None:
        """Screenshots of the whole page at 1440 and 375 px wide, under test-artifacts/e2e/."""
        self.shots += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for size in (WIDE, NARROW):
            self.page.set_viewport_size(size)
            self.page.evaluate("() => new Promise(requestAnimationFrame)")
            path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{screen}-{size['width']}.png"
            self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(WIDE)

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert self.problems == [], "\n".join(self.problems)

    def cookie(self, name: str) -> dict[str, Any] | None:
        return next((dict(c) for c in self.context.cookies() if c["name"] == name), None)


def _record_bearer(tab: Tab, headers: dict[str, str]) -> None:
    value = headers.get("authorization", "")
    if value.startswith("Bearer ") and value[7:] not in tab.bearer_tokens:
        tab.bearer_tokens.append(value[7:])


# Playwright's `expect` waits 5 s by default whatever the context's timeout; on a loaded machine (load 8 on 2
# cores) a page that answers in 1 s when quiet can take longer. Both wait on the condition, so only a failure
# costs the full wait.
ACTION_TIMEOUT_MS = 15_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


def open_tab(browser: Browser, stack: Stack, name: str) -> Tab:
    context = browser.new_context(viewport=WIDE, accept_downloads=True, base_url=stack.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    tab = Tab(page, context, stack.url, name)
    page.on("console", tab.on_console)
    page.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: _record_bearer(tab, request.headers))
    return tab


@pytest.fixture
def tab(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Tab]:
    opened = open_tab(browser, stack, request.node.name)
    try:
        yield opened
    finally:
        opened.context.close()


def _newest_link(mailbox: Mailbox, email: str, link: re.Pattern[str], path: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(mailbox.for_address(email)):
            found = link.search(Mailbox.text(message))
            if found:
                return f"{path}?token={found.group(1)}"
        time.sleep(0.1)
    raise AssertionError(f"no {path} e-mail reached {email}")


def verification_link(mailbox: Mailbox, email: str, timeout: float = 30.0) -> str:
    """The path and query of the newest verification link sent to `email`."""
    return _newest_link(mailbox, email, _VERIFY_LINK, "/verify-email", timeout)


def reset_link(mailbox: Mailbox, email: str, timeout: float = 30.0) -> str:
    """The path and query of the newest password-reset link sent to `email`."""
    return _newest_link(mailbox, email, _RESET_LINK, "/reset-password", timeout)
