from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from tests.smtp import Inbox, _use_smtp, free_port


@dataclass
class RejectingInbox(Inbox):
    """An SMTP server that answers "550 no such user" for the addresses in ``rejected``."""

    rejected: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's hook name
        if address in self.rejected:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_rejecting(settings):
    inbox = RejectingInbox(port=free_port(), rejected={"inconnu@ville.test"})
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    _use_smtp(settings, inbox.port)
    yield inbox
    controller.stop()
