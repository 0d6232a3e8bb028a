"""The one blue-green release procedure, over any provider (this machine's processes behind nginx, or
Container Apps revisions).

    deploy green → wait ready → smoke green → switch traffic → watch → retire blue     (switched)
                                   │ fails                      │ breached
                                   └──────────── roll back: traffic to blue, retire green    (rolled_back)

Retiring a release drains its workers (`flask --app web queues drain --workers …`: they take nothing new,
and finish what they hold) before they stop, while the other release's workers keep consuming the same
queues; messages carry a payload version (`common.queue`), so what one release queued the other reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bluegreen.watch import Sample, Verdict, WatchPolicy, judge, sample


class Colour(StrEnum):
    BLUE = "blue"  # the release serving now
    GREEN = "green"  # the release being deployed


class Outcome(StrEnum):
    SWITCHED = "switched"
    ROLLED_BACK = "rolled_back"


class Provider(Protocol):
    """Where releases run. Each call returns once its step is done, or raises ReleaseError."""

    def deploy(self, colour: Colour) -> None:
        """Start `colour`'s web and workers beside the other release, taking no user traffic yet."""

    def wait_ready(self, colour: Colour, timeout: float) -> None:
        """Until `colour` answers /readyz with 200 and its workers are up."""

    def url(self, colour: Colour) -> str:
        """Where `colour` answers directly (for the smoke checks)."""

    def switch(self, colour: Colour) -> None:
        """Send all user traffic to `colour`; returns once it does."""

    def metrics(self, colour: Colour) -> str:
        """`colour`'s /metrics, Prometheus text."""

    def retire(self, colour: Colour) -> None:
        """Drain `colour`'s workers (they finish what they hold), then stop its web and workers."""


class ReleaseError(Exception):
    """A step could not be done at all (as opposed to a failed check)."""


Smoke = Callable[[str], bool]  # base URL → passed


@dataclass
class Timeline:
    """Each phase's seconds, in the order they ran; `current` is what runs now (the load generator reads it)."""

    phases: dict[str, float] = field(default_factory=dict)
    current: str = "before"
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.current = name
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(time.monotonic() - started, 3)
            self.current = "between"

    def note(self, text: str) -> None:
        self.notes.append(text)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    phases: dict[str, float]
    watch: Verdict | None


def watch(provider: Provider, colour: Colour, policy: WatchPolicy, clock: Callable[[float], None]) -> Verdict:
    """Scrape `colour`'s metrics, let the window pass, scrape again, and judge the difference."""
    before: Sample = sample(provider.metrics(colour))
    clock(policy.window_seconds)
    return judge(before, sample(provider.metrics(colour)), policy)


def release(
    provider: Provider,
    smoke: Smoke,
    policy: WatchPolicy,
    timeline: Timeline | None = None,
    ready_timeout: float = 120.0,
    clock: Callable[[float], None] = time.sleep,
) -> Result:
    """Run the procedure once; leaves exactly one release serving: green when switched, blue otherwise."""
    timeline = timeline or Timeline()
    with timeline.phase("deploy"):
        provider.deploy(Colour.GREEN)
    with timeline.phase("ready"):
        provider.wait_ready(Colour.GREEN, ready_timeout)
    with timeline.phase("smoke"):
        passed = smoke(provider.url(Colour.GREEN))
    if not passed:
        timeline.note("green failed its smoke checks: rolling back")
        _roll_back(provider, timeline)
        return Result(Outcome.ROLLED_BACK, timeline.phases, None)
    with timeline.phase("switch"):
        provider.switch(Colour.GREEN)
    with timeline.phase("watch"):
        verdict = watch(provider, Colour.GREEN, policy, clock)
    timeline.note(f"watch: {verdict.reason} ({verdict.requests} requests, {verdict.errors} 5xx)")
    if verdict.breached:
        _roll_back(provider, timeline)
        return Result(Outcome.ROLLED_BACK, timeline.phases, verdict)
    with timeline.phase("retire_blue"):
        provider.retire(Colour.BLUE)
    return Result(Outcome.SWITCHED, timeline.phases, verdict)


def _roll_back(provider: Provider, timeline: Timeline) -> None:
    """Traffic to blue (again: a no-op when it never left), then green's workers drained and stopped."""
    with timeline.phase("rollback"):
        provider.switch(Colour.BLUE)
    with timeline.phase("retire_green"):
        provider.retire(Colour.GREEN)
