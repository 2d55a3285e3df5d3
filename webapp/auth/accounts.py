"""Accounts: create, list, remove, verify. Used by `imr user ...` and the login page.

Passwords are stored only as scrypt hashes (werkzeug). Each account has a
session token that is part of its login cookie; changing the password or
removing the account rotates it, which signs out every existing session.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth.sessions import end_all_sessions
from webapp.db.models import ApiToken, Bookmark, Matter, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
LOCAL_USERNAME = "(local)"  # cannot collide: real names may not contain parentheses
HASH_METHOD = "scrypt"

# A real hash to compare against when the name is unknown, so a failed login
# takes as long whether or not the account exists.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=HASH_METHOD)


class AccountError(ValueError):
    """A request about accounts that cannot be done, with a message for the user."""


@dataclass
class AccountInfo:
    username: str
    created_at: str
    bookmarks: int
    matters: int
    email: str | None = None


def new_token() -> str:
    return secrets.token_hex(16)


def validate_username(name: str) -> str:
    name = (name or "").strip()
    if not USERNAME_RE.match(name):
        raise AccountError(
            "a user name is 1-64 characters: letters, digits and . _ @ - (starting with a letter or digit)"
        )
    return name


def validate_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    return password


def has_real_users(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_local.is_(False)).limit(1)) is not None


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username, User.is_local.is_(False)))


def local_user(session: Session) -> User:
    """The implicit owner of bookmarks in single-user mode, created on first use."""
    user = session.scalar(select(User).where(User.is_local.is_(True)))
    if user is not None:
        return user
    user = User(username=LOCAL_USERNAME, password_hash=None, session_token=new_token(), is_local=True)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # another request created it first
        session.rollback()
        user = session.scalar(select(User).where(User.is_local.is_(True)))
        assert user is not None
    return user


def create_user(session: Session, username: str, password: str, email: str | None = None) -> tuple[User, bool]:
    """Create an account. Returns (user, adopted): the first account adopts the
    bookmarks and matters made in single-user mode, so that work is not lost."""
    username = validate_username(username)
    validate_password(password)
    if find_user(session, username) is not None:
        raise AccountError(f"a user named {username!r} already exists")
    adopted = False
    local = session.scalar(select(User).where(User.is_local.is_(True)))
    if local is not None and not has_real_users(session):
        user = local
        user.username = username
        user.is_local = False
        adopted = True
    else:
        user = User(username=username, is_local=False)
        session.add(user)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.session_token = new_token()
    if email is not None:
        user.email = email
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise AccountError(f"a user named {username!r} already exists") from exc
    return user, adopted


def set_password(session: Session, username: str, password: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"no user named {username!r}")
    validate_password(password)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.session_token = new_token()
    end_all_sessions(session, user.id)
    session.commit()
    return user


def remove_user(session: Session, username: str) -> int:
    """Delete the account and everything it owns; returns how many bookmarks went."""
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"no user named {username!r}")
    count = owned_counts(session, user.id)[0]
    end_all_sessions(session, user.id)
    for row in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        session.delete(row)
    for table in (Bookmark, Matter):
        for owned in session.scalars(select(table).where(table.user_id == user.id)):
            session.delete(owned)
    session.delete(user)
    session.commit()
    return count


def owned_counts(session: Session, user_id: int) -> tuple[int, int]:
    bookmarks = session.scalar(select(func.count()).select_from(Bookmark).where(Bookmark.user_id == user_id))
    matters = session.scalar(select(func.count()).select_from(Matter).where(Matter.user_id == user_id))
    return int(bookmarks or 0), int(matters or 0)


def list_users(session: Session) -> list[AccountInfo]:
    out = []
    for user in session.scalars(select(User).where(User.is_local.is_(False)).order_by(User.username)):
        bookmarks, matters = owned_counts(session, user.id)
        out.append(
            AccountInfo(user.username, user.created_at.isoformat(timespec="seconds"), bookmarks, matters, user.email)
        )
    return out


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The account if the password is right, else None (same cost either way)."""
    user = find_user(session, (username or "").strip())
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user
