"""The stage registry (common/stages.py) and what derives from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import celeryconfig
from common.models import Job
from common.stages import (
    LONGEST_HARD_LIMIT,
    MAINTENANCE_QUEUE,
    QUEUES,
    STAGES,
    JobKind,
    Stage,
    passed_over,
    procfile_lines,
    stages_of,
)

ROOT = Path(__file__).resolve().parents[2]

# The registry as it will be once OCR lands: an optional stage between extraction and analysis.
WITH_OCR = (
    Stage("extract", JobKind.ANALYSIS, 120, 150, (5, 40), "worker.stages:extract_step"),
    Stage("ocr", JobKind.ANALYSIS, 300, 330, (40, 45), "worker.stages:ocr_step", optional=True),
    Stage("analyze", JobKind.ANALYSIS, 600, 660, (45, 100), "worker.stages:analyze_step"),
    Stage("export", JobKind.EXPORT, 300, 330, (10, 100), "worker.stages:export_step"),
)


def test_a_new_job_carries_the_stages_of_its_kind_in_order() -> None:
    for kind in JobKind:
        steps = Job.new("a@example.com", kind, "d").steps
        assert [s.name for s in steps] == [s.name for s in STAGES if s.kind is kind]
    assert [s.name for s in Job.new("a@example.com", JobKind.EXPORT, "d").steps] == ["export"]


def test_each_stage_has_its_own_queue_and_task() -> None:
    assert tuple(s.name for s in STAGES) == QUEUES
    assert len({s.task for s in STAGES}) == len(STAGES)
    assert MAINTENANCE_QUEUE not in QUEUES


def test_progress_only_moves_forward_through_each_kind() -> None:
    for kind in JobKind:
        marks = [mark for stage in stages_of(kind) for mark in stage.progress]
        assert marks == sorted(marks), kind
        assert marks[-1] == 100


def test_celery_routes_limits_and_visibility_timeout_come_from_the_registry() -> None:
    for stage in STAGES:
        assert celeryconfig.task_routes[stage.task] == {"queue": stage.queue}
        assert celeryconfig.task_annotations[stage.task] == {
            "soft_time_limit": stage.soft_time_limit,
            "time_limit": stage.time_limit,
        }
        assert stage.soft_time_limit < stage.time_limit
    assert {q.name for q in celeryconfig.task_queues} == {*QUEUES, MAINTENANCE_QUEUE}
    assert celeryconfig.broker_transport_options["visibility_timeout"] > LONGEST_HARD_LIMIT


def test_the_worker_registers_one_task_per_stage() -> None:
    from worker.tasks import STAGE_TASKS, app

    assert set(STAGE_TASKS) == {s.name for s in STAGES}
    for stage in STAGES:
        task = app.tasks[stage.task]
        assert (task.soft_time_limit, task.time_limit) == (stage.soft_time_limit, stage.time_limit)


def test_make_run_starts_one_worker_per_stage_and_the_housekeeping_rides_on_one() -> None:
    lines = procfile_lines()
    assert [line.split(":", 1)[0] for line in lines] == [s.name for s in STAGES]
    assert sum(f",{MAINTENANCE_QUEUE} " in line for line in lines) == 1
    printed = subprocess.run(
        [sys.executable, "-m", "common.stages", "procfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout.splitlines() == lines


def test_a_step_that_names_nothing_skips_the_optional_stages_before_the_next_required_one() -> None:
    assert passed_over("extract", registry=WITH_OCR) == ("ocr",)
    assert passed_over("ocr", registry=WITH_OCR) == ()
    assert passed_over("analyze", registry=WITH_OCR) == ()


def test_a_step_can_ask_for_an_optional_stage_or_name_the_next_required_one() -> None:
    assert passed_over("extract", "ocr", registry=WITH_OCR) == ()
    assert passed_over("extract", "analyze", registry=WITH_OCR) == ("ocr",)


@pytest.mark.parametrize(
    ("done", "asked"),
    [("extract", "export"), ("analyze", "extract"), ("analyze", "analyze"), ("extract", "nonesuch")],
)
def test_a_step_cannot_hand_over_to_an_earlier_stage_or_another_kind(done: str, asked: str) -> None:
    with pytest.raises(ValueError, match="not a later stage"):
        passed_over(done, asked, registry=WITH_OCR)


def test_a_step_cannot_skip_a_required_stage() -> None:
    three = (
        WITH_OCR[0],
        WITH_OCR[2],
        Stage("report", JobKind.ANALYSIS, 60, 90, (100, 100), "worker.stages:report_step"),
    )
    with pytest.raises(ValueError, match="cannot skip the required stage 'analyze'"):
        passed_over("extract", "report", registry=three)


def test_importing_the_web_and_worker_sides_reads_no_settings() -> None:
    """With unsafe production settings, `import web` and `import worker.tasks` succeed; the app factory and the
    worker's configuration are what refuse, with the reason."""
    env = {"PATH": os.environ.get("PATH", ""), "ENVIRONMENT": "production", "PYTHONPATH": str(ROOT)}
    script = (
        "import web, worker.tasks\n"
        "print('imported')\n"
        "try:\n"
        "    worker.tasks.app.conf.broker_url\n"
        "except Exception as exc:\n"
        "    print('worker refuses:', exc)\n"
        "web.create_app()\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert ran.stdout.splitlines()[0] == "imported", ran.stderr
    assert "worker refuses: Refusing to start in production: JWT_SECRET_KEY" in ran.stdout
    assert ran.returncode != 0
    assert "kraftd: Refusing to start in production" in ran.stderr
