"""The server at the edge, as `make run` starts it: slow or stalled clients cannot starve it, and its own
errors (a URI or headers over gunicorn's limits) answer in our JSON shape."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests

from tests.load.run_load import Stack

pytestmark = pytest.mark.integration

SLOW_CLIENTS = 24  # three times what the thread-per-request server had slots for (2 workers x 4 threads)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("edge")
    started = Stack.start(workdir / "data", workdir / "stack.log")
    try:
        yield started
    finally:
        started.stop()


def _slow_client(port: int, upload: bool) -> socket.socket:
    """A connection that starts a request and then stalls: mid-headers, or mid-body of a 10 MB upload."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if upload:
        sock.sendall(
            b"POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
            b'boundary=x\r\nContent-Length: 10485760\r\n\r\n--x\r\nContent-Disposition: form-data; name="file"'
        )
    else:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
    return sock


def _trickle(clients: list[socket.socket], stop: threading.Event) -> None:
    """One more byte on every slow connection each second, so none is ever idle long enough to be dropped."""
    while not stop.wait(1.0):
        for sock in clients:
            with contextlib.suppress(OSError):
                sock.sendall(b"a")


def test_slow_and_stalled_clients_do_not_starve_health_checks(stack: Stack) -> None:
    stop = threading.Event()
    with ExitStack() as held:
        clients = [_slow_client(stack.port, upload=n % 2 == 1) for n in range(SLOW_CLIENTS)]
        for sock in clients:
            held.callback(sock.close)
        trickler = threading.Thread(target=_trickle, args=(clients, stop), daemon=True)
        trickler.start()
        held.callback(stop.set)
        time.sleep(2)  # not an assertion's clock: let the server take up every slow connection first
        answered = []
        for _ in range(10):
            started = time.monotonic()
            try:
                status = requests.get(f"{stack.base_url}/healthz", timeout=10).status_code
            except requests.Timeout:
                status = 0
            answered.append((status, round(time.monotonic() - started, 2)))
    assert all(status == 200 for status, _ in answered), answered
    assert max(seconds for _, seconds in answered) < 5, answered


def test_the_page_make_run_serves_is_the_origin_its_api_allows(stack: Stack) -> None:
    page = f"http://127.0.0.1:{stack.port}"
    reply = requests.get(f"{stack.base_url}/api/v1/jobs/any", headers={"Origin": page}, timeout=10)
    assert reply.status_code == 401
    assert reply.headers["Access-Control-Allow-Origin"] == page


def test_a_uri_over_the_servers_limit_answers_our_json(stack: Stack) -> None:
    reply = requests.get(f"{stack.base_url}/api/v1/documents?q={'a' * 9000}", timeout=10)
    assert reply.status_code == 414
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in reply.headers
    assert reply.json()["error"]["code"] == "uri_too_long"


def test_headers_over_the_servers_limit_answer_our_json(stack: Stack) -> None:
    headers = {f"X-Filler-{n}": "x" * 100 for n in range(120)}
    reply = requests.get(f"{stack.base_url}/healthz", headers=headers, timeout=10)
    assert reply.status_code in (400, 431)
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json()["error"]["message"]


def test_a_malformed_request_line_answers_our_json(stack: Stack) -> None:
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(b"NOT A REQUEST\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"Content-Type: application/json" in head
    assert b'"code": "bad_request"' in body
    assert b"<html" not in answer
