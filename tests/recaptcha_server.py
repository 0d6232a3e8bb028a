"""A real reCAPTCHA v3 verify endpoint on 127.0.0.1, answering `{success, score}` by token, for the tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

# What the endpoint answers for a token `KIND` or `KIND:anything` (so each test can tell its own requests
# apart); anything else is `{"success": false}`, as Google answers an unknown token.
VERDICTS: dict[str, Any] = {
    "human": {"success": True, "score": 0.9, "action": "register"},
    "borderline": {"success": True, "score": 0.5, "action": "register"},
    "bot": {"success": True, "score": 0.1, "action": "register"},
    "not-an-object": ["success", True],
}


@dataclass
class RecaptchaServer:
    """The verify endpoint; `received` holds the form fields of every request it got."""

    received: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/siteverify"

    def start(self) -> RecaptchaServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with owner._lock:
                    owner.received.append(form)
                kind = form.get("response", "").split(":", 1)[0]
                verdict = VERDICTS.get(kind, {"success": False, "error-codes": ["invalid-input-response"]})
                body = json.dumps(verdict).encode()
                self.send_response(200 if self.path == "/siteverify" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="recaptcha-verify", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def requests_for(self, token: str) -> list[dict[str, str]]:
        with self._lock:
            return [form for form in self.received if form.get("response") == token]
