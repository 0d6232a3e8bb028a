"""`python scripts/release.py rehearse`, for real: blue and green stacks of this checkout behind our own
nginx, users uploading and polling through it the whole time. A switch loses no job and fails at most
0.1 % of requests; a green that fails its smoke is rolled back and blue keeps serving, losing nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def rehearse(*flags: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "release.py"), "rehearse", "--json", *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=420,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    return done.returncode, json.loads(lines[-1]), done.stdout + done.stderr[-3000:]


def test_a_release_switches_to_green_with_no_job_lost() -> None:
    code, result, output = rehearse()
    assert result["outcome"] == "switched", output
    assert result["jobs_accepted"] > 0
    assert result["jobs_lost"] == 0, output
    assert result["requests"] >= 200, "traffic flowed through the whole release"
    assert result["failed_requests"] <= 0.001 * result["requests"], output
    assert list(result["phases"]) == ["deploy", "ready", "smoke", "switch", "watch", "retire_blue"]
    assert result["phases"]["switch"] < 5
    assert code == 0, output


def test_a_green_that_fails_its_smoke_is_rolled_back_in_seconds_with_no_job_lost() -> None:
    code, result, output = rehearse("--break-green")
    assert result["outcome"] == "rolled_back", output
    assert result["jobs_lost"] == 0, output
    assert result["failed_requests"] <= 0.001 * result["requests"], output
    assert list(result["phases"]) == ["deploy", "ready", "smoke", "rollback", "retire_green"]
    assert result["phases"]["rollback"] + result["phases"]["retire_green"] < 60
    assert code == 0, output


def test_a_breached_watch_after_the_switch_sends_traffic_back_to_blue_in_seconds() -> None:
    code, result, output = rehearse("--fail-watch")
    assert result["outcome"] == "rolled_back", output
    assert result["jobs_lost"] == 0, output
    assert result["failed_requests"] <= 0.001 * result["requests"], output
    assert list(result["phases"]) == [
        "deploy",
        "ready",
        "smoke",
        "switch",
        "watch",
        "rollback",
        "retire_green",
    ]
    assert result["phases"]["rollback"] < 5, "traffic is back on blue within seconds"
    assert code == 0, output
