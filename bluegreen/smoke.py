"""The smoke checks a release must pass before it takes traffic: `tests/smoke.sh` against its own address."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from bluegreen.procedure import Smoke

SCRIPT = Path(__file__).resolve().parent.parent / "tests" / "smoke.sh"


def smoke_script(
    env: Mapping[str, str], transcript: list[str] | None = None, timeout: float = 600.0
) -> Smoke:
    """tests/smoke.sh with the caller's environment plus `env` (SMOKE_LOG, SMOKE_MAILBOX_CMD, …); its output
    goes to `transcript` when given, to stdout otherwise."""

    def smoke(url: str) -> bool:
        done = subprocess.run(
            ["bash", str(SCRIPT), url],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if transcript is None:
            print(done.stdout + done.stderr, end="")
        else:
            transcript.append(done.stdout + done.stderr)
        return done.returncode == 0

    return smoke
