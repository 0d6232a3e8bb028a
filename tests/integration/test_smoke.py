"""tests/smoke.sh passes against `make run`'s stack (scripts/run.sh), started here on a free port."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.load.run_load import ROOT, Stack

pytestmark = pytest.mark.integration

CHECKS = ["health", "readiness", "register", "verify", "login", "upload", "analysis", "export", "cleanup",
          "rate-limit"]  # fmt: skip


def _export_routes_exist() -> bool:
    """Whether the app has the export routes yet (they were being finished while this test was written)."""
    from web import documents, jobs

    return hasattr(documents, "create_export") and hasattr(jobs, "download")


def test_smoke_script_passes_against_make_run(tmp_path: Path) -> None:
    log = tmp_path / "stack.log"
    # Rate limits on (the default), e-mails to the log, where the smoke script reads the verification link.
    stack = Stack.start(tmp_path / "data", log)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMOKE_", "RATE_LIMIT_"))}
        done = subprocess.run(
            ["bash", str(ROOT / "tests" / "smoke.sh"), stack.base_url],
            env={**env, "SMOKE_LOG": str(log), "SMOKE_TIMEOUT": "30"},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        stack.stop()

    output = done.stdout + done.stderr
    verdicts = {name: verdict for verdict, name in re.findall(r"^(PASS|FAIL|SKIP) (\S+)", done.stdout, re.M)}
    assert list(verdicts) == CHECKS, output
    if not _export_routes_exist() and verdicts["export"] == "FAIL":
        # Tolerated only while the routes do not exist; the script then exits 1 for that check alone.
        assert "routes are missing" in done.stdout, output
        verdicts.pop("export")
    assert set(verdicts.values()) == {"PASS"}, output
    if "export" in verdicts:
        assert done.returncode == 0, output
        assert re.search(r"^smoke: 10 PASS, 0 FAIL, 0 SKIP$", done.stdout, re.M), output
