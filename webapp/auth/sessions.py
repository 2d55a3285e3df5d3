"""Server-side sign-in sessions and personal API tokens.

A signed-in browser's cookie carries a random secret whose SHA-256 is a row in
`user_sessions`: signing out deletes the row, so the cookie is dead everywhere at
once (a copy made before sign-out reads nothing), and a session also ends on the
server when it expires. API tokens work the same way, stored only as hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.db import changed_rows
from webapp.db.models import TOKEN_NAME_MAX, ApiToken, User, UserSession, utcnow

TOKEN_PREFIX = "imr_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- browser sessions ----------------------------------------------------------


def start_session(session: Session, user: User, lifetime: timedelta) -> str:
    """A new session for `user`; returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now))
    session.add(UserSession(id=digest(secret), user_id=user.id, created_at=now, expires_at=now + lifetime))
    session.commit()
    return secret


def session_user(session: Session, user_id: int, secret: str) -> bool:
    """Whether `secret` is a live session of `user_id`."""
    row = session.get(UserSession, digest(secret))
    return row is not None and row.user_id == user_id and row.expires_at > utcnow()


def end_session(session: Session, secret: str) -> None:
    session.execute(delete(UserSession).where(UserSession.id == digest(secret)))
    session.commit()


def end_all_sessions(session: Session, user_id: int) -> None:
    """Sign the user out everywhere (new password, removed account). The caller commits."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


# --- API tokens ------------------------------------------------------------------


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token itself (shown once, never stored)."""
    name = " ".join((name or "").split())[:TOKEN_NAME_MAX]
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=digest(token), created_at=utcnow())
    session.add(row)
    session.commit()
    return row, token


def token_user(session: Session, token: str) -> User | None:
    """The account a token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.is_local:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # coarse, so reads do not turn into writes on every call
        session.commit()
    return user


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(session: Session, user_id: int, token_id: int) -> bool:
    deleted = changed_rows(session, delete(ApiToken).where(ApiToken.user_id == user_id, ApiToken.id == token_id))
    session.commit()
    return bool(deleted)


def iso(dt: datetime | None) -> str:
    return dt.isoformat(timespec="seconds") if dt else "never"
