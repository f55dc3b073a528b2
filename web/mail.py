"""Sending the few e-mails the site needs (password reset).

With ``ECHOFED_SMTP_HOST`` set, messages go through that SMTP server (STARTTLS unless
``ECHOFED_SMTP_STARTTLS`` is off, or implicit TLS on port 465); without it — development, a
trial instance — the message is written to the log at WARNING so the operator can pass the
link on by hand.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import anyio.to_thread

from echofed.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailConfig:
    host: str | None
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "echofed@localhost"
    starttls: bool = True
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailConfig:
        """The ``ECHOFED_SMTP_*`` settings."""
        return cls(
            host=settings.smtp_host or None,
            port=settings.smtp_port,
            user=settings.smtp_user or None,
            password=settings.smtp_password or None,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )


def _message(config: MailConfig, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def _send_blocking(config: MailConfig, message: EmailMessage) -> None:
    assert config.host is not None
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.port == 465:
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with smtp:
        if config.port != 465 and config.starttls:
            smtp.starttls(context=context)
        if config.user:
            smtp.login(config.user, config.password or "")
        smtp.send_message(message)


async def send_mail(config: MailConfig, *, to: str, subject: str, body: str) -> bool:
    """Send (or, without SMTP, log) a message; True when it left through SMTP.

    A failing SMTP server is logged, never shown to the visitor (who must not learn whether an
    address has an account)."""
    if not config.host:
        log.warning(
            "no SMTP server configured (ECHOFED_SMTP_HOST): message not sent\n"
            "To: %s\nSubject: %s\n\n%s", to, subject, body,
        )
        return False
    message = _message(config, to, subject, body)
    try:
        await anyio.to_thread.run_sync(_send_blocking, config, message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not send e-mail", extra={"to": to, "error": repr(exc)})
        return False
    return True
