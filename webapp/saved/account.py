"""The signed-in user's e-mail address (where alert digests go)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from webapp.bookmarks.store import NotFound, ValidationError
from webapp.db.models import User
from webapp.saved.mail import valid_email


def clean_email(address: Any) -> str | None:
    """A valid address, or None for "no e-mail" (empty or null)."""
    if address is None or (isinstance(address, str) and not address.strip()):
        return None
    try:
        return valid_email(address)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:  # removed (imr user remove) while signed in
        raise NotFound("no such user")
    return user


def set_email(session: Session, user_id: int, address: Any) -> User:
    user = _user(session, user_id)
    user.email = clean_email(address)
    session.commit()
    return user


def account_json(session: Session, user_id: int) -> dict[str, Any]:
    user = _user(session, user_id)
    return {"username": None if user.is_local else user.username, "email": user.email}
