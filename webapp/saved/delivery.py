"""Which new results are due by e-mail, and sending them exactly once.

A search's results are due when its alert is on and, for digests, its last
e-mail is a day (daily) or a week (weekly) old; `instant` is due every run.
The due results of one user go into one digest row, which claims them (a hit
belongs to at most one digest), so they are never put in a second e-mail.
A digest is `pending` until the server accepts it; a failed attempt keeps
it pending with the error (shown on /saved) and the next run sends the same
digest again. Before sending, a run marks the digest `sending` in a single
conditional UPDATE, so two runs at once cannot both send it; a run that dies
mid-send leaves it `sending`, and it is tried again after STALE_SENDING.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from webapp.db import changed_rows
from webapp.db.models import AlertDigest, SavedSearch, SavedSearchHit, User, utcnow
from webapp.saved import mail
from webapp.saved.mail import DigestSection, SmtpConfig

INTERVALS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# cron is not punctual: a digest due "a day later" goes out with the run that comes closest
SLACK = timedelta(minutes=30)
STALE_SENDING = timedelta(hours=1)


@dataclass
class DigestResult:
    digest_id: int
    user: str
    recipient: str
    passages: int
    searches: list[str]
    status: str  # sent or pending
    error: str | None = None


@dataclass
class DeliveryReport:
    mail: str  # "sent", "not configured: ...", ...
    digests: list[DigestResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def is_due(saved: SavedSearch, now: datetime) -> bool:
    if saved.alert == "instant":
        return True
    interval = INTERVALS.get(saved.alert)
    if interval is None:
        return False
    return saved.last_mailed_at is None or now - saved.last_mailed_at >= interval - SLACK


def compose_due(session: Session, now: datetime | None = None) -> list[int]:
    """Create digests for the results that are due; returns their ids."""
    now = now or utcnow()
    rows = session.execute(
        select(SavedSearch, User)
        .join(User, User.id == SavedSearch.user_id)
        .where(SavedSearch.alert != "off", User.email.is_not(None), User.email != "")
        .order_by(User.id, SavedSearch.id)
    ).all()
    by_user: dict[int, list[SavedSearch]] = {}
    users: dict[int, User] = {}
    for saved, user in rows:
        if is_due(saved, now):
            by_user.setdefault(user.id, []).append(saved)
            users[user.id] = user
    created = []
    for uid, searches in by_user.items():
        digest = AlertDigest(user_id=uid, recipient=users[uid].email, status="pending", created_at=now)
        session.add(digest)
        session.flush()
        claimed = 0
        for saved in searches:
            stmt = update(SavedSearchHit).where(
                SavedSearchHit.saved_search_id == saved.id, SavedSearchHit.digest_id.is_(None)
            )
            if saved.last_mailed_at is not None:
                # only what was found since e-mail was turned on (or last sent)
                stmt = stmt.where(SavedSearchHit.found_at >= saved.last_mailed_at)
            n = changed_rows(session, stmt.values(digest_id=digest.id))
            if n:
                saved.last_mailed_at = now
                claimed += n
        if claimed:
            created.append(digest.id)
        else:
            session.delete(digest)
        session.commit()
    return created


def _sections(session: Session, digest: AlertDigest, base_url: str) -> list[DigestSection]:
    hits = session.execute(
        select(SavedSearchHit, SavedSearch)
        .join(SavedSearch, SavedSearch.id == SavedSearchHit.saved_search_id)
        .where(SavedSearchHit.digest_id == digest.id)
        .order_by(SavedSearch.name, SavedSearchHit.seq)
    ).all()
    searches: dict[int, SavedSearch] = {}
    snapshots: dict[int, list[dict]] = {}
    for hit, saved in hits:
        searches.setdefault(saved.id, saved)
        snapshots.setdefault(saved.id, []).append(hit.snapshot or {})
    return [
        DigestSection(
            name=saved.name,
            url=f"{base_url}/saved/{sid}/new",
            search_url=f"{base_url}/saved/{sid}/open",
            hits=snapshots[sid],
        )
        for sid, saved in searches.items()
    ]


def _claim(session: Session, digest_id: int, now: datetime) -> bool:
    claimed = changed_rows(
        session,
        update(AlertDigest)
        .where(
            AlertDigest.id == digest_id,
            or_(
                AlertDigest.status == "pending",
                (AlertDigest.status == "sending") & (AlertDigest.last_attempt_at < now - STALE_SENDING),
            ),
        )
        .values(status="sending", last_attempt_at=now),
    )
    session.commit()
    return bool(claimed)


def send_pending(
    session: Session, config: SmtpConfig, base_url: str, now: datetime | None = None
) -> list[DigestResult]:
    """Send every digest not yet accepted (new ones and earlier failures)."""
    now = now or utcnow()
    ids = list(session.scalars(select(AlertDigest.id).where(AlertDigest.status != "sent").order_by(AlertDigest.id)))
    results = []
    for digest_id in ids:
        if not _claim(session, digest_id, now):
            continue  # sent or being sent by another run
        digest = session.get(AlertDigest, digest_id)
        if digest is None:  # deleted since it was claimed (its user's account was removed)
            continue
        user = session.get(User, digest.user_id)
        sections = _sections(session, digest, base_url)
        passages = sum(len(s.hits) for s in sections)
        result = DigestResult(
            digest.id, user.username if user else "?", digest.recipient, passages, [s.name for s in sections], "pending"
        )
        if not sections:  # its searches were deleted since: nothing left to say
            session.delete(digest)
            session.commit()
            continue
        digest.attempts += 1
        try:
            mail.send(config, mail.compose_digest(config.sender, digest.recipient, sections, base_url, digest.id))
        except Exception as exc:  # noqa: BLE001 - any failure is reported and retried
            digest.status = "pending"
            digest.last_error = mail.describe_error(exc)
            result.error = digest.last_error
        else:
            digest.status, digest.sent_at, digest.last_error = "sent", utcnow(), None
            result.status = "sent"
        session.commit()
        results.append(result)
    return results
