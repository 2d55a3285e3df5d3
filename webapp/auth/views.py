"""Sign in and sign out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from webapp.auth.sessions import end_session, start_session
from webapp.auth.throttle import LoginThrottle
from webapp.db import get_session

bp = Blueprint("auth", __name__)


def _throttle() -> LoginThrottle:
    throttle = current_app.extensions.get("imr_login_throttle")
    if throttle is None:
        throttle = current_app.extensions.setdefault("imr_login_throttle", LoginThrottle())
    return throttle


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: a crafted ?next= must not send users elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    from webapp.auth import Account, login_required
    from webapp.auth.accounts import authenticate, has_real_users

    next_url = safe_next(request.values.get("next"), "/")
    if not login_required():
        return redirect(next_url)
    error = None
    status = 200
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        keys = LoginThrottle.keys(username, request.remote_addr)
        wait = _throttle().retry_after(*keys)
        if wait:
            error = f"Too many failed sign-ins. Try again in {max(1, wait // 60)} minute(s)."
            status = 429
        else:
            user = authenticate(get_session(), username, request.form.get("password") or "")
            if user is None:
                _throttle().failed(*keys)
                error, status = "Wrong user name or password.", 401
            else:
                _throttle().succeeded(*keys)
                session.clear()  # a fresh session for the new identity
                lifetime = current_app.permanent_session_lifetime
                login_user(Account.from_user(user, start_session(get_session(), user, lifetime)))
                return redirect(next_url)
    return render_template(
        "auth/login.html",
        error=error,
        username=username,
        next_url=next_url,
        no_accounts=not has_real_users(get_session()),
    ), status


@bp.route("/logout", methods=["POST"])
def logout():
    from flask_login import current_user

    if current_user.is_authenticated and current_user.session_secret:
        end_session(get_session(), current_user.session_secret)  # the cookie is dead, copies too
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
