"""Outgoing e-mail through Flask-Mail over SMTP, or to the log when no MAIL_SERVER is set."""

from __future__ import annotations

import hashlib
import logging
import sys

import redis
from flask import Flask
from flask_mail import Message

from common.config import Settings
from web.extensions import mail

# Account e-mails one address can be sent per hour, whatever the IP asks: no one can mail-bomb an inbox.
MAILS_PER_ADDRESS_PER_HOUR = 3
_QUOTA = "kraftd:mail-quota:"

# The development mailbox: its own plain handler, because the JSON log scrubs the very link it must show.
mailbox = logging.getLogger("kraftd.mailbox")
mailbox.propagate = False
mailbox.addHandler(logging.StreamHandler(sys.stderr))
mailbox.setLevel(logging.INFO)


def init_mail(app: Flask, settings: Settings) -> None:
    app.config.update(
        MAIL_SERVER=settings.mail_server or "localhost",
        MAIL_PORT=settings.mail_port,
        MAIL_USE_TLS=settings.mail_use_tls,
        MAIL_USERNAME=settings.mail_username,
        MAIL_PASSWORD=settings.mail_password,
        MAIL_DEFAULT_SENDER=settings.mail_from,
        # Without a server, Flask-Mail's own switch keeps it from connecting; we log the message instead.
        MAIL_SUPPRESS_SEND=not settings.mail_server,
    )
    mail.init_app(app)


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    if not settings.mail_server:
        mailbox.info(
            "--- e-mail (MAIL_SERVER is not set) to %s: %s ---\n%s--- end of e-mail ---", to, subject, body
        )
        return
    mail.send(Message(subject=subject, recipients=[to], body=body))


def send_verification(settings: Settings, to: str, token: str) -> None:
    link = f"{settings.public_url}/verify-email?token={token}"
    body = (
        "Welcome to Kraftd Docs.\n\n"
        f"Confirm your e-mail address by opening this link within 24 hours:\n\n{link}\n\n"
        "If you did not sign up, ignore this message.\n"
    )
    send_mail(settings, to, "Confirm your e-mail address", body)


def mail_allowed(client: redis.Redis, purpose: str, to: str) -> bool:
    """Count one `purpose` e-mail to `to`; False once the address had its hourly share."""
    key = _QUOTA + purpose + ":" + hashlib.sha256(to.encode()).hexdigest()
    pipe = client.pipeline()
    pipe.incr(key)
    pipe.expire(key, 3600, nx=True)
    sent, _ = pipe.execute()
    return int(sent) <= MAILS_PER_ADDRESS_PER_HOUR


def send_password_reset(settings: Settings, to: str, token: str) -> None:
    link = f"{settings.public_url}/reset-password?token={token}"
    body = (
        "Someone asked to reset the password of your Kraftd Docs account.\n\n"
        f"Choose a new password by opening this link within one hour (it works once):\n\n{link}\n\n"
        "If it was not you, ignore this message: your password stays as it is.\n"
    )
    send_mail(settings, to, "Reset your password", body)
