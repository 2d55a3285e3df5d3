"""One alerts run: record every saved search's new results, then e-mail what is due.

Called by `imr alerts run` (for cron), after every `imr index` / `imr serve`
indexing run that changed the index, and by tests. Needs no web server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from indexer import settings
from webapp.saved.delivery import DeliveryReport, compose_due, send_pending
from webapp.saved.mail import SmtpConfigError, parse_smtp_url
from webapp.saved.matching import MatchReport, record_new_matches


@dataclass
class AlertsReport:
    matches: MatchReport
    delivery: DeliveryReport

    def to_json(self) -> dict[str, Any]:
        return {"matches": self.matches.to_json(), "delivery": self.delivery.to_json()}


def base_url_from_env() -> str:
    """Where links in e-mails and feeds point: the address users open the app at."""
    return settings.get("IMR_BASE_URL")


def run_alerts(
    session: Session, service, smtp_url: str | None = None, base_url: str | None = None, send: bool = True
) -> AlertsReport:
    matches = record_new_matches(session, service)
    if not send:
        return AlertsReport(matches, DeliveryReport("not sent (--no-mail)"))
    smtp_url = (settings.get("IMR_SMTP_URL") or "") if smtp_url is None else smtp_url
    if not smtp_url.strip():
        return AlertsReport(matches, DeliveryReport("not configured: set IMR_SMTP_URL to e-mail alerts"))
    try:
        base_url = (base_url or base_url_from_env()).rstrip("/")
        config = parse_smtp_url(smtp_url, settings.get("IMR_SMTP_FROM"))
    except (SmtpConfigError, settings.SettingError) as exc:
        # the new matches are recorded; the mail waits for a setting that works
        return AlertsReport(matches, DeliveryReport(f"not configured: {exc}"))
    compose_due(session)
    results = send_pending(session, config, base_url)
    failed = sum(1 for r in results if r.status != "sent")
    summary = f"{len(results) - failed} sent, {failed} failed (will retry) via {config.describe()}"
    return AlertsReport(matches, DeliveryReport(summary, results))
