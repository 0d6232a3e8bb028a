"""What tests, benches (`bench/`) and load runs (`tests/load/`) share to start real servers: a free port,
and an SMTP sink whose Mailbox keeps every message it received."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

_VERIFY_TOKEN = re.compile(r"/verify-email\?token=([\w.~-]+)")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP sink received; also the sink's aiosmtpd handler."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def for_address(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    @staticmethod
    def text(message: Message) -> str:
        payload = message.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode(message.get_content_charset() or "utf-8", "replace")
        return "".join(
            Mailbox.text(part) for part in message.walk() if not part.is_multipart() and part is not message
        )

    def latest_token(self, address: str) -> str | None:
        """The token of the newest verification e-mail to `address`; None while there is none."""
        for message in reversed(self.for_address(address)):
            found = _VERIFY_TOKEN.findall(Mailbox.text(message))
            if found:
                return str(found[-1])
        return None

    def verification_token(self, address: str, timeout: float = 10.0) -> str:
        """The token of the newest verification e-mail to `address`, waiting up to `timeout` for one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            token = self.latest_token(address)
            if token:
                return token
            time.sleep(0.05)
        raise AssertionError(f"no verification e-mail reached {address} within {timeout:.0f}s")


@contextmanager
def smtp_sink() -> Iterator[tuple[Mailbox, int]]:
    """An aiosmtpd server on a free port for as long as the block runs: (its mailbox, its port)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
