"""Accounts and sign-in (Flask-Login), and the gate that decides who owns a request.

Other areas ask `current_user_id()` for the owner of the request's data:
the signed-in account, or the implicit local owner in single-user mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select

from webapp.auth.accounts import local_user
from webapp.auth.policy import login_required_now
from webapp.db import get_session, init_db
from webapp.db.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"

# Endpoints reachable without signing in.
OPEN_ENDPOINTS = {"static", "auth.login", "auth.logout"}


@dataclass
class Account(UserMixin):
    """The signed-in account as Flask-Login sees it. The cookie carries
    `id:token`, so rotating the token (new password, removed user) signs out."""

    user_id: int
    username: str
    token: str

    def get_id(self) -> str:
        return f"{self.user_id}:{self.token}"

    @classmethod
    def from_user(cls, user: User) -> "Account":
        return cls(user.id, user.username, user.session_token)


@login_manager.user_loader
def _load_account(cookie_id: str) -> Account | None:
    uid, _, token = (cookie_id or "").partition(":")
    if not uid.isdigit() or not token:
        return None
    user = get_session().scalar(
        select(User).where(User.id == int(uid), User.is_local.is_(False))
    )
    if user is None or user.session_token != token:
        return None
    return Account.from_user(user)


class NotSignedIn(Exception):
    """Raised when an owner is needed but nobody is signed in (the gate prevents it)."""


def login_required() -> bool:
    """Whether this request's app requires a signed-in user."""
    return login_required_now(current_app)


def current_user_id() -> int:
    """The id of the user who owns this request's bookmarks and matters."""
    uid = g.get("_imr_owner_id")
    if uid is not None:
        return uid
    if login_required():
        if not current_user.is_authenticated:
            raise NotSignedIn()
        uid = current_user.user_id
    else:
        uid = local_user(get_session()).id
    g._imr_owner_id = uid
    return uid


def _gate():
    """Before every request: in login mode, anyone not signed in goes to /login
    (pages) or gets 401 JSON (API)."""
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if not login_required() or current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        return jsonify(error="sign in required", status=401), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _template_globals() -> dict:
    return {
        "auth_login_required": login_required,
        "auth_username": lambda: current_user.username if current_user.is_authenticated else None,
    }


def init_app(app: Flask) -> None:
    init_db(app)
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    # Flask-Login's remember cookie (unused today) gets the session cookie's protections.
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    login_manager.init_app(app)
    from webapp.auth.views import bp

    app.register_blueprint(bp)
    app.before_request(_gate)
    app.context_processor(_template_globals)
