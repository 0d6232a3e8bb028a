"""A process's own peak memory, for tests that measure a child process."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory since this program started (VmHWM).

    Not `getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries that over fork and exec, so a child of a big pytest
    process would report pytest's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
