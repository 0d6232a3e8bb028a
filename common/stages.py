"""The stages a job runs through, each declared once in `STAGES`; everything that lists stages or queues
derives from it.

A `Stage` names its step on the job (also its Celery queue, and its task `kraftd.<name>`), the job kind
whose pipeline it belongs to, its soft and hard time limits, where the job's progress stands when it
starts and when it ends, and its step function as `module:function` (only the worker resolves it, so
`web` never imports `worker`). Derived from it: Celery's queues, routes, annotations and visibility
timeout (`celeryconfig`), the enqueue mapping (`common.queue`), the steps a new job gets
(`common.models.Job.new`), progress and the hand-over (`worker.runner`), the Celery tasks
(`worker.tasks`), the worker processes `make run` starts (`python -m common.stages procfile`, read by
`scripts/run.sh`), and the tests' one-worker-per-queue helpers.

What runs next. A job runs the stages of its kind in the order they are declared here. A step function
that returns nothing hands the job to the next *required* stage; the optional stages in between are
marked skipped. A step that wants an optional stage to run returns that stage's name, and only the
optional stages before it are skipped. A step can never skip a required stage: naming one that is not
later in its own kind's order, or that lies past a required stage, is an error (`passed_over`).

Adding a stage is one entry here, in its place in the order, plus its step function. OCR is such a stage:
optional, run only when extraction found pages without text (`extract_step` returns `"ocr"` then), on
its own queue.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum


class JobKind(StrEnum):
    ANALYSIS = "analysis"
    EXPORT = "export"


@dataclass(frozen=True)
class Stage:
    name: str
    kind: JobKind
    soft_time_limit: int  # seconds: raised inside the task, so it can fail the job cleanly
    time_limit: int  # seconds: the pool child is killed
    progress: tuple[int, int]  # the job's progress when this stage starts, and when it ends
    work: str  # the step function, "module:function", resolved by the worker alone
    optional: bool = False  # runs only when the step before names it

    @property
    def queue(self) -> str:
        """One queue per stage, so each scales and drains on its own."""
        return self.name

    @property
    def task(self) -> str:
        return f"kraftd.{self.name}"


STAGES: tuple[Stage, ...] = (
    # Parsing a file: quick, though a long PDF takes a while.
    Stage(
        "extract",
        JobKind.ANALYSIS,
        soft_time_limit=120,
        time_limit=150,
        progress=(5, 10),
        work="worker.stages:extract_step",
    ),
    # OCR of scanned pages and photos, only when extraction left pages for it: the heaviest CPU work we have
    # (2-3 CPU s a page at 300 dpi), so it has its own queue to scale on, and the longest limit: about 300
    # pages, more than a 25 MiB upload of page images holds. It moves the progress on after every page.
    Stage(
        "ocr",
        JobKind.ANALYSIS,
        soft_time_limit=900,
        time_limit=960,
        progress=(10, 40),
        work="worker.stages:ocr_step",
        optional=True,
    ),
    # Analysis may call an LLM over several chunks, so it gets the most.
    Stage(
        "analyze",
        JobKind.ANALYSIS,
        soft_time_limit=600,
        time_limit=660,
        progress=(45, 100),
        work="worker.stages:analyze_step",
    ),
    Stage(
        "export",
        JobKind.EXPORT,
        soft_time_limit=300,
        time_limit=330,
        progress=(10, 100),
        work="worker.stages:export_step",
    ),
)

# Periodic housekeeping (the watchdog, the export sweep) has a queue of its own, so draining a stage's queue
# never holds it up and its messages never count as a stage's backlog. It rides on the worker of
# `MAINTENANCE_HOST`, which always keeps one replica, so it needs no process of its own.
MAINTENANCE_QUEUE = "maintenance"
MAINTENANCE_TASKS = ("kraftd.watchdog", "kraftd.expire_exports")
MAINTENANCE_HOST = "extract"

QUEUES: tuple[str, ...] = tuple(stage.queue for stage in STAGES)
LONGEST_HARD_LIMIT = max(stage.time_limit for stage in STAGES)
_BY_NAME = {stage.name: stage for stage in STAGES}


def stage(name: str) -> Stage:
    return _BY_NAME[name]


def stages_of(kind: JobKind, registry: tuple[Stage, ...] = STAGES) -> tuple[Stage, ...]:
    """The stages a job of `kind` runs, in order."""
    return tuple(s for s in registry if s.kind is kind)


def passed_over(done: str, asked: str | None = None, registry: tuple[Stage, ...] = STAGES) -> tuple[str, ...]:
    """The optional stages to mark skipped once `done` has finished and its step asked for `asked`
    (None: the next required stage)."""
    kind = next(s.kind for s in registry if s.name == done)
    order = stages_of(kind, registry)
    later = order[[s.name for s in order].index(done) + 1 :]
    if asked is not None and asked not in {s.name for s in later}:
        raise ValueError(f"stage {done!r} cannot hand over to {asked!r}: not a later stage of its kind")
    skipped: list[str] = []
    for following in later:
        if following.name == asked or (asked is None and not following.optional):
            break
        if not following.optional:
            raise ValueError(f"stage {done!r} cannot skip the required stage {following.name!r}")
        skipped.append(following.name)
    return tuple(skipped)


def consumed_queues(stage_name: str) -> tuple[str, ...]:
    """The queues the worker started for `stage_name` consumes."""
    own = stage(stage_name).queue
    return (own, MAINTENANCE_QUEUE) if stage_name == MAINTENANCE_HOST else (own,)


def worker_command(stage_name: str, host: str = "%h") -> str:
    """The command line of the worker for one stage, as `make run` (Procfile), compose and infra run it.
    `host` is the node name's part after the `@` (a blue-green release puts its colour there)."""
    return (
        f".venv/bin/celery --app worker.tasks worker --queues {','.join(consumed_queues(stage_name))}"
        f' --hostname "{stage_name}@{host}" --concurrency "$WORKER_CONCURRENCY" --loglevel "$LOG_LEVEL"'
    )


def procfile_lines() -> list[str]:
    """One Procfile line per stage's worker."""
    return [f"{s.name}: {worker_command(s.name)}" for s in STAGES]


if __name__ == "__main__":
    if sys.argv[1:] != ["procfile"]:
        raise SystemExit("usage: python -m common.stages procfile")
    print("\n".join(procfile_lines()))
