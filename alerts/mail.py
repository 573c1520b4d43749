"""E-mail delivery through an SMTP server: plain text with links.

The server is a URL, `smtp://[user:password@]host[:port]` (STARTTLS when the server offers it) or
`smtps://…` (TLS from the start); default `$MOA_SMTP_URL`, else smtp://127.0.0.1:25. The delivery id is the
Message-ID, so a mail client shows a repeat as the same message.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from moa.errors import UserError

from .webhook import DeliveryError

DEFAULT_SMTP_URL = "smtp://127.0.0.1:25"
DEFAULT_FROM = "moa@localhost"


def smtp_url(value: str | None = None) -> str:
    url = value or os.environ.get("MOA_SMTP_URL") or DEFAULT_SMTP_URL
    if urlsplit(url).scheme not in ("smtp", "smtps") or not urlsplit(url).hostname:
        raise UserError(f"--smtp must be smtp://host[:port] or smtps://host[:port], got {url!r}")
    return url


def send(url: str, mail_from: str, to: str, subject: str, text: str, delivery_id: str, keys: list[str],
         timeout: float = 10.0) -> None:
    """Hand one message to the SMTP server; raise DeliveryError unless it accepted it."""
    parts = urlsplit(url)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = mail_from, to, subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{delivery_id}@moa.alerts>"
    msg["X-Moa-Delivery"] = delivery_id
    msg["X-Moa-Alerts"] = " ".join(keys)  # the alerts' keys, as in the webhook's body and the feeds' entry ids
    msg.set_content(text)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    try:
        cls = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with cls(parts.hostname, port, timeout=timeout) as smtp:
            if not secure:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            refused = smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(f"e-mail to {to} via {parts.hostname}:{port}: {type(e).__name__}: {e}") from None
    if refused:
        raise DeliveryError(f"e-mail to {to}: refused by {parts.hostname}: {refused}")
