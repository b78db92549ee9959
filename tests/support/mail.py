"""A real SMTP server for the tests that send mail: aiosmtpd in a thread, on a free loopback port,
keeping every message it receives.

`SMTPServer` is a context manager (or `start()` and `stop()`); a test module's `smtp` fixture is
`with SMTPServer() as server: yield server`. Keyword options go to aiosmtpd's Controller, e.g.
`SMTPServer(authenticator=..., auth_require_tls=False)` for a server that asks to sign in.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nobody listens on (the kernel's pick, closed again at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the SMTP server received: one entry per message, as (envelope recipients, bytes)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        """The messages received so far, parsed."""
        with self.lock:
            raw = [content for _rcpt, content in self.received]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]


class SMTPServer:
    """A real SMTP server (aiosmtpd) in a thread, on a free loopback port; what it receives is in
    `inbox`. Keyword options go to aiosmtpd's Controller (an authenticator, for example)."""

    def __init__(self, **smtp_options: Any) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **smtp_options
        )

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SMTPServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
