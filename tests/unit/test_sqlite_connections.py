"""The SQLite store keeps as many connections as it ran calls at once, not one per thread (or, under gevent,
per greenlet: one for every client connection a web worker served, each with its own page cache)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

from common.models import User
from common.store.sqlite import SqliteStore


def _open_on(path: Path) -> int:
    """This process' file descriptors open on the database file itself."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


def test_threads_that_take_turns_share_one_connection(tmp_path: Path) -> None:
    path = tmp_path / "kraftd.sqlite3"
    store = SqliteStore(path)
    store.create_user(User(email="turns@example.com", password_hash="x"))
    release = threading.Event()

    def read_then_stay(read: threading.Event) -> None:
        store.get_user("turns@example.com")
        read.set()
        release.wait(timeout=30)  # alive, as a worker's thread or greenlet is between requests

    threads = []
    for _ in range(10):  # one after another: each read ends before the next begins
        read = threading.Event()
        threads.append(threading.Thread(target=read_then_stay, args=(read,)))
        threads[-1].start()
        assert read.wait(timeout=30)
    try:
        assert _open_on(path) == 1
    finally:
        release.set()
        for thread in threads:
            thread.join()


def _open_and_read(path: str) -> str:
    try:
        SqliteStore(Path(path)).ping()
    except Exception as exc:  # reported to the test, not raised in the pool
        return f"{type(exc).__name__}: {exc}"
    return ""


def test_many_processes_open_a_new_database_at_once(tmp_path: Path) -> None:
    """`make run` starts the web's and every worker's processes together on a fresh DATA_DIR; each one opens the
    database and none may fail its boot on the others' locks (one trial in five did, before)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(8) as pool:
        for trial in range(25):
            path = str(tmp_path / f"new-{trial}.sqlite3")
            errors = [error for error in pool.map(_open_and_read, [path] * 8, chunksize=1) if error]
            assert errors == [], f"trial {trial}: {errors[0]}"
