"""Delivering a message to a client: the `Notifier` interface and the e-mail one that ships
(an SMS provider would be another implementation of the same interface).

Never twice. A notifier takes a `confirm` callback and calls it at the last moment the
delivery can still be called off; `confirm` commits the message as sent (its key is unique).
SMTP allows exactly that: the whole message is written, and only the line that ends it
(`.`) makes the server accept it. So a worker killed before `confirm` commits leaves the
server a message without its end, which the server throws away, and the job is retried; a
second worker racing for the same message fails in `confirm` on the unique key and drops its
copy. What remains is a message recorded as sent whose ending line never went out: a kill in
the few microseconds between the commit and one socket write. Delivery is at most once. A server
that refuses the message after its end (a content filter) raises `RefusedAfterConfirm`, and the
record is taken back.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Protocol

from microneedling.config import Settings

DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a document's PDF)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """A message ready to go: to whom, what, and the link that stops further messages."""

    to: str
    subject: str
    body: str
    unsubscribe_url: str
    message_id: str
    attachments: tuple[Attachment, ...] = ()


class DeliveryRefused(RuntimeError):
    """The provider refused the message (a retry may succeed, or may not)."""


class RefusedAfterConfirm(DeliveryRefused):
    """The provider refused the message after `confirm` had recorded it as sent: that record
    must be taken back."""


class Notifier(Protocol):
    @property
    def channel(self) -> str:
        """What the messages go by ("email"; an SMS provider would say "sms")."""
        ...

    def new_message_id(self) -> str:
        """An id for the next message (e-mail: a `Message-ID`)."""
        ...

    def deliver(self, message: Outgoing, confirm: Callable[[], None]) -> None:
        """Deliver `message`, calling `confirm` at the last moment delivery can be called off;
        if `confirm` raises, nothing is delivered and the error goes up."""
        ...


@dataclass(frozen=True)
class EmailNotifier:
    """E-mail through the clinic's SMTP server (settings `MICRONEEDLING_SMTP_*`)."""

    host: str
    port: int
    sender: str
    tls: str
    user: str
    password: str
    timeout_seconds: float
    channel: str = "email"

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailNotifier:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            tls=settings.smtp_tls,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value(),
            timeout_seconds=settings.smtp_timeout_seconds,
        )

    def new_message_id(self) -> str:
        domain = self.sender.rpartition("@")[2].strip(">") or None
        return make_msgid(domain=domain)

    def email(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage(policy=SMTP)
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = message.message_id
        # RFC 2369 and RFC 8058: mail programs show their own "unsubscribe" button.
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(message.body)
        for attachment in message.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            email.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return email

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)
        smtp.ehlo()
        if self.tls == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    def deliver(self, message: Outgoing, confirm: Callable[[], None]) -> None:
        """The SMTP conversation by hand, so the message's ending line goes out only after
        `confirm` has committed it as sent."""
        email = self.email(message)
        smtp = self._connect()
        try:
            _expect(smtp.mail(_address(self.sender)), 250)
            _expect(smtp.rcpt(message.to), 250, 251)
            _expect(smtp.docmd("DATA"), 354)
            data = DOT_AT_LINE_START.sub(b"..", email.as_bytes())
            smtp.send(data if data.endswith(b"\r\n") else data + b"\r\n")
        except BaseException:
            smtp.close()
            raise
        try:
            confirm()
        except BaseException:
            smtp.close()  # the server drops a message whose ending line never came
            raise
        try:
            smtp.send(b".\r\n")
            code, text = smtp.getreply()
        finally:
            smtp.close()
        if code != 250:
            reply = text.decode(errors="replace")
            raise RefusedAfterConfirm(f"SMTP server answered {code} {reply}")


def _address(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1]


def _expect(reply: tuple[int, bytes], *codes: int) -> None:
    code, text = reply
    if code not in codes:
        raise DeliveryRefused(f"SMTP server answered {code} {text.decode(errors='replace')}")


def notifier_for(settings: Settings) -> Notifier | None:
    """The notifier the settings configure: e-mail when an SMTP host is set, else none."""
    return EmailNotifier.from_settings(settings) if settings.smtp_host else None
