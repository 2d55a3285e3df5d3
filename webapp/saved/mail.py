"""E-mail for alerts: the SMTP server from IMR_SMTP_URL and the digest message.

    IMR_SMTP_URL=smtps://USER:PASSWORD@smtp.example.com:465/?from=alerts@example.com
    IMR_SMTP_URL=smtp://mail.internal:25/?from=imr@example.com          (no login)
    IMR_SMTP_URL=smtp://USER:PASSWORD@smtp.example.com:587/?from=...&starttls=1

`smtps://` speaks TLS from the first byte (port 465 by default); `smtp://`
is plain (port 25 by default) unless `starttls=1` upgrades it. User and
password are percent-encoded in the URL like any URL credentials. The sender
address comes from `from=` (or IMR_SMTP_FROM).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from markupsafe import Markup

from webapp.presentation import citation_line, format_date, outcome_of

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT = 30.0
MAX_PASSAGES_PER_SEARCH = 200  # in one e-mail; the rest are on /saved


class SmtpConfigError(ValueError):
    """IMR_SMTP_URL cannot be used (the message says why, without the password)."""


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    starttls: bool = False
    timeout: float = TIMEOUT

    def describe(self) -> str:
        who = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{who}{self.host}:{self.port}"


def valid_email(address: Any) -> str:
    """A plain address (`name@example.com`) or a ValueError saying what is wrong."""
    if not isinstance(address, str):
        raise ValueError("an e-mail address must be text")
    address = address.strip()
    _, parsed = parseaddr(address)
    local, at, domain = parsed.rpartition("@")
    if (
        parsed != address
        or not at
        or not local
        or "." not in domain
        or len(address) > 320
        or any(c.isspace() or c in '<>()[],;:"\\' for c in address)
    ):
        raise ValueError(f"{address[:80]!r} is not an e-mail address (name@example.com)")
    return address


def parse_smtp_url(url: str, default_sender: str | None = None) -> SmtpConfig:
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SmtpConfigError("IMR_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpConfigError("IMR_SMTP_URL names no server (smtp://host:port/?from=address)")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise SmtpConfigError("IMR_SMTP_URL has a port that is not a number") from None
    params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    sender = params.get("from") or default_sender
    if not sender:
        raise SmtpConfigError(
            "IMR_SMTP_URL needs the sender address: add ?from=alerts@example.com (or set IMR_SMTP_FROM)"
        )
    try:
        sender = valid_email(sender)
    except ValueError as exc:
        raise SmtpConfigError(f"IMR_SMTP_URL from-address: {exc}") from None
    try:
        timeout = float(params.get("timeout", TIMEOUT))
    except ValueError:
        raise SmtpConfigError("IMR_SMTP_URL timeout must be a number of seconds") from None
    return SmtpConfig(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
        starttls=params.get("starttls", "").lower() in ("1", "true", "yes"),
        timeout=timeout,
    )


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Hand one message to the server; raises OSError/smtplib.SMTPException on failure."""
    context = ssl.create_default_context()
    if config.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        client.ehlo()
        if config.starttls:
            client.starttls(context=context)
            client.ehlo()
        if config.username:
            client.login(config.username, config.password or "")
        client.send_message(message)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the mail server answered {exc.smtp_code}: {text}"[:500]
    if isinstance(exc, (ConnectionRefusedError, socket.timeout, TimeoutError)):
        return f"could not reach the mail server ({exc.__class__.__name__}: {exc})"[:500]
    return f"{exc.__class__.__name__}: {exc}"[:500]


# --- the digest ---------------------------------------------------------------------


@dataclass
class DigestSection:
    """One saved search's new passages in a digest."""

    name: str
    url: str  # absolute: the search's new-results page
    search_url: str  # absolute: the search itself
    hits: Sequence[dict[str, Any]]  # hit snapshots


def passage_link(base_url: str, snap: dict[str, Any]) -> str:
    return f"{base_url}/letters/{quote(str(snap.get('letter_id', '')), safe='')}#p-{snap.get('ordinal', 0)}"


def _line(snap: dict[str, Any]) -> str:
    return citation_line(
        snap.get("case_number"),
        snap.get("decision_date"),
        snap.get("ordinal"),
        snap.get("item"),
        snap.get("decision"),
        snap.get("letter_id", ""),
    )


def _split_text(hits: Iterable[dict[str, Any]]) -> str:
    split = outcome_of(h.get("decision") for h in hits)
    text = f"Upheld {split.upheld} ({split.upheld_pct:g}%) · Overturned {split.overturned} ({split.overturned_pct:g}%)"
    if split.undecided:
        text += f" · no decision {split.undecided}"
    return text


def compose_digest(
    sender: str, recipient: str, sections: Sequence[DigestSection], base_url: str, digest_id: int
) -> EmailMessage:
    total = sum(len(s.hits) for s in sections)
    plural = "s" if total != 1 else ""
    if len(sections) == 1:
        subject = f"IMR alert: {total} new decision{plural} for “{sections[0].name}”"
    else:
        subject = f"IMR alerts: {total} new decision{plural} for {len(sections)} saved searches"
    saved_url = f"{base_url}/saved"
    text = [f"{total} new decision{plural} in IMR Precedent Search.", ""]
    html = [
        Markup('<!doctype html><html><body style="font-family:sans-serif">'),
        Markup("<p>{}</p>").format(f"{total} new decision{plural} in IMR Precedent Search."),
    ]
    for s in sections:
        shown = list(s.hits)[:MAX_PASSAGES_PER_SEARCH]
        split = _split_text(s.hits)
        text += [f"== {s.name} ({len(s.hits)} new) ==", f"Outcome: {split}", f"All new results: {s.url}", ""]
        html.append(
            Markup('<h2><a href="{}">{}</a> ({} new)</h2><p>Outcome: {}</p><ol>').format(
                s.url, s.name, len(s.hits), split
            )
        )
        for snap in shown:
            link = passage_link(base_url, snap)
            cites = "; ".join(
                c["key"] + (f" (p. {c['pages']})" if c.get("pages") else "") for c in snap.get("citations") or []
            )
            text.append(f"- {_line(snap)}")
            if snap.get("decision_date"):
                text.append(f"  Decided {format_date(snap['decision_date'])}")
            if cites:
                text.append(f"  Guidelines: {cites}")
            if snap.get("excerpt"):
                text.append(f"  {snap['excerpt']}")
            text += [f"  {link}", ""]
            html.append(Markup('<li><p><a href="{}"><strong>{}</strong></a></p>').format(link, _line(snap)))
            if cites:
                html.append(Markup("<p>Guidelines: {}</p>").format(cites))
            if snap.get("excerpt"):
                html.append(Markup("<blockquote>{}</blockquote>").format(snap["excerpt"]))
            html.append(Markup("</li>"))
        html.append(Markup("</ol>"))
        if len(s.hits) > len(shown):
            more = len(s.hits) - len(shown)
            text += [f"... and {more} more: {s.url}", ""]
            html.append(Markup('<p><a href="{}">… and {} more</a></p>').format(s.url, more))
    text += ["", f"Manage your saved searches and alerts: {saved_url}"]
    html.append(Markup('<p><a href="{}">Manage your saved searches and alerts</a></p></body></html>').format(saved_url))

    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=f"imr-digest-{digest_id}")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(text) + "\n")
    msg.add_alternative("".join(str(h) for h in html), subtype="html")
    return msg
