"""gunicorn's own error answers (a malformed request line, a URI or headers over its limits), in our JSON shape.

gunicorn answers these before Flask sees the request, with an HTML page and none of our headers. Its workers
write them through `gunicorn.util.write_error`; `web/gunicorn_conf.py` points that at `write_error` below, so
the edge speaks CONTRACT.md's `{"error": {"code", "message"}}` with nosniff and a referrer policy too.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from web.security import REFERRER_POLICY

CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}
MESSAGES = {
    414: "The request's address is too long.",
    431: "The request's headers are too large.",
}


def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Write the error answer and nothing of the request back (gunicorn's message may echo it)."""
    body = json.dumps(
        {
            "error": {
                "code": CODES.get(status_int, "bad_request"),
                "message": MESSAGES.get(status_int, "The server could not read this request."),
            }
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Referrer-Policy: {REFERRER_POLICY}\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)
