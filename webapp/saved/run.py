"""One alerts run: record every saved search's new results, then e-mail what is due.

Called by `imr alerts run` (for cron), after every `imr index` / `imr serve`
indexing run that changed the index, and by tests. Needs no web server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from webapp.saved.delivery import DeliveryReport, compose_due, send_pending
from webapp.saved.mail import SmtpConfigError, parse_smtp_url
from webapp.saved.matching import MatchReport, record_new_matches

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass
class AlertsReport:
    matches: MatchReport
    delivery: DeliveryReport

    def to_json(self) -> dict[str, Any]:
        return {"matches": self.matches.to_json(), "delivery": self.delivery.to_json()}


def base_url_from_env() -> str:
    """Where links in e-mails and feeds point: the address users open the app at."""
    return (os.environ.get("IMR_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def run_alerts(
    session: Session, service, smtp_url: str | None = None, base_url: str | None = None, send: bool = True
) -> AlertsReport:
    matches = record_new_matches(session, service)
    smtp_url = os.environ.get("IMR_SMTP_URL", "") if smtp_url is None else smtp_url
    base_url = (base_url or base_url_from_env()).rstrip("/")
    if not send:
        return AlertsReport(matches, DeliveryReport("not sent (--no-mail)"))
    if not smtp_url.strip():
        return AlertsReport(matches, DeliveryReport("not configured: set IMR_SMTP_URL to e-mail alerts"))
    try:
        config = parse_smtp_url(smtp_url, os.environ.get("IMR_SMTP_FROM"))
    except SmtpConfigError as exc:
        return AlertsReport(matches, DeliveryReport(f"not configured: {exc}"))
    compose_due(session)
    results = send_pending(session, config, base_url)
    failed = sum(1 for r in results if r.status != "sent")
    summary = f"{len(results) - failed} sent, {failed} failed (will retry) via {config.describe()}"
    return AlertsReport(matches, DeliveryReport(summary, results))
