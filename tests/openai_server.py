"""A real OpenAI-compatible HTTP server for the tests: scripted answers, every request recorded.

It answers POST `/v1/chat/completions` (OpenAI and compatible servers) and
`/openai/deployments/{deployment}/chat/completions?api-version=...` (Azure OpenAI). Each request takes the next
scripted `Reply` from the queue; when the queue is empty the `responder` (if any) builds the answer from the
request; with neither, the server answers 418 so a test that forgot a reply fails loudly.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def message(self, role: str) -> str:
        """The content of the (only) message with `role`."""
        found = [m["content"] for m in self.messages if m.get("role") == role]
        assert len(found) == 1, f"expected one {role} message, got {len(found)}"
        return str(found[0])

    @property
    def schema_name(self) -> str:
        return str(self.body.get("response_format", {}).get("json_schema", {}).get("name", ""))


@dataclass
class Reply:
    """What the server answers: a status, headers, a JSON or raw body; `hang` seconds of silence first."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0


def completion(
    content: Any,
    *,
    model: str = "gpt-4o-mini-2024-07-18",
    prompt_tokens: int = 1000,
    completion_tokens: int = 200,
    finish_reason: str = "stop",
) -> Reply:
    """A 200 chat.completion whose message content is `content` (dumped to JSON unless it is a string)."""
    text = content if isinstance(content, str) else json.dumps(content)
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def error(status: int, message: str = "error", code: str | None = None, **headers: str) -> Reply:
    """An OpenAI-style error answer; keyword arguments become headers (`retry_after="1"` → `retry-after: 1`)."""
    body = {"error": {"message": message, "type": "test_error", "param": None, "code": code}}
    return Reply(status=status, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})


Responder = Callable[[Recorded], Reply]


class OpenAIServer:
    """The server, on a thread, on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.responder: Responder | None = None
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="openai-server", daemon=True)

    @property
    def root(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be."""
        return f"{self.root}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.responder = None

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that hang
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _answer(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
            responder = self.responder
        if responder is not None:
            return responder(request)
        return error(418, "no scripted answer for this request")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    method="POST",
                    path=url.path,
                    query=parse_qs(url.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw or b"{}"),
                )
                if not url.path.endswith("/chat/completions"):
                    self._send(error(404, f"no route {url.path}"))
                    return
                self._send(server._answer(recorded))

            def _send(self, reply: Reply) -> None:
                if reply.hang and server._stopping.wait(reply.hang):
                    return
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

        return Handler


@contextmanager
def openai_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
