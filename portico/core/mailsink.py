"""A local SMTP server for the demo: every message is saved as an .eml file and announced on the console."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToFolder:
    """aiosmtpd handler that writes each received message to a folder."""

    def __init__(self, folder: Path, announce=print):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.announce = announce

    async def handle_DATA(self, server, session, envelope):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{abs(hash(envelope.content)) % 10**8:08d}.eml"
        path.write_bytes(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.announce(f"  mail to {', '.join(envelope.rcpt_tos)}: {message['subject']}  ({path})")
        return "250 Message accepted for delivery"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def start_mail_sink(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller | None:
    """Start the sink unless something already listens on the port (a real SMTP relay, say)."""
    if not port_is_free(host, port):
        return None
    controller = Controller(SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    return controller
