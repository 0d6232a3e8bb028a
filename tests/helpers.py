"""Steps many tests take: an account that is registered, verified and signed in."""

from __future__ import annotations

import re
import time
from typing import Any

from flask.testing import FlaskClient

from tests.servers import Mailbox

PASSWORD = "Correct-Horse-42-battery"
_LINK = re.compile(r"http://127\.0\.0\.1:8000/verify-email\?token=([\w.\-]+)")


def verification_token(mailbox: Mailbox, email: str, timeout: float = 30.0) -> str:
    """The token of the newest verification e-mail sent to `email`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = mailbox.for_address(email)
        if messages:
            found = _LINK.search(Mailbox.text(messages[-1]))
            assert found, "the verification e-mail has no link"
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no e-mail reached {email}")


def register(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/register", json={"email": email, "password": password})


def signed_in(client: FlaskClient, mailbox: Mailbox, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Register, verify and sign in; answers the login body (tokens)."""
    assert register(client, email, password).status_code == 201
    token = verification_token(mailbox, email)
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.json
    body: dict[str, Any] = answer.json
    return body


def bearer(tokens: dict[str, Any], kind: str = "access_token") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[kind]}"}
