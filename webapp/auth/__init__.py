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
from webapp.auth.policy import check_host, login_required_now
from webapp.auth.sessions import session_user, token_user
from webapp.db import get_session, init_db
from webapp.db.models import User
from webapp.extensions import bearer_token

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"

# Endpoints reachable without signing in.
# A private feed's token is its own key (feed readers cannot sign in).
OPEN_ENDPOINTS = {"static", "auth.login", "auth.logout", "api.openapi", "saved.feed"}


@dataclass
class Account(UserMixin):
    """The signed-in account as Flask-Login sees it. The cookie carries
    `id:token:session`: rotating the account's token (new password, removed user)
    signs out every session, and deleting the session row (sign-out) this one."""

    user_id: int
    username: str
    token: str
    session_secret: str = ""
    via_api_token: bool = False

    def get_id(self) -> str:
        return f"{self.user_id}:{self.token}:{self.session_secret}"

    @classmethod
    def from_user(cls, user: User, session_secret: str = "", via_api_token: bool = False) -> Account:
        return cls(user.id, user.username, user.session_token, session_secret, via_api_token)


@login_manager.user_loader
def _load_account(cookie_id: str) -> Account | None:
    uid, token, secret = ((cookie_id or "").split(":") + ["", ""])[:3]
    if not uid.isdigit() or len(uid) > 18 or not token or not secret:
        return None
    session = get_session()
    user = session.scalar(select(User).where(User.id == int(uid), User.is_local.is_(False)))
    if user is None or user.session_token != token or not session_user(session, user.id, secret):
        return None
    return Account.from_user(user, secret)


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


def _api_token():
    """Before every request: a request with `Authorization: Bearer <token>` is that
    token's user, whatever cookie it carries; a bad token is refused outright."""
    token = bearer_token()
    if token is None:
        return None
    user = token_user(get_session(), token)
    if user is None:
        response = jsonify(error="invalid or revoked API token (create one with `imr token create USER`)", status=401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="imr"'
        return response, 401
    g._login_user = Account.from_user(user, via_api_token=True)  # where Flask-Login keeps the request's user
    return None


def _gate():
    """Before every request: in login mode, anyone not signed in goes to /login
    (pages) or gets 401 JSON (API)."""
    if request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if not login_required() or current_user.is_authenticated:
        return None
    if request.path == "/api" or request.path.startswith("/api/"):
        return jsonify(error="sign in required", status=401), 401
    from webapp.templating import here

    return redirect(url_for("auth.login", next=here()))


def _private_responses_not_stored(response):
    """A response built from someone's own data (bookmarks, notes, the saved marks on
    a search page) or carrying a sign-in form is never kept by a browser or proxy
    cache: a shared computer's back button or a proxy must not show it to another."""
    if g.get("_imr_owner_id") is not None or current_user.is_authenticated or request.endpoint == "auth.login":
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Pragma", "no-cache")
        response.vary.add("Cookie")
    return response


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
    app.before_request(check_host)
    app.before_request(_api_token)
    app.before_request(_gate)
    app.after_request(_private_responses_not_stored)
    app.context_processor(_template_globals)
