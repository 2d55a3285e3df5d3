"""Extensions shared by every area: CSRF protection on all state-changing requests.

CSRF guards what a browser sends on its own (the cookie). A request that carries
an API token (`Authorization: Bearer ...`) is authenticated by that header, which
another site cannot make a browser send, so it needs no CSRF token; a bad token
is refused by the auth area before any view runs.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def bearer_token() -> str | None:
    """The API token of this request, if it sends one."""
    auth = request.authorization
    if auth is not None and auth.type == "bearer":
        return (auth.token or "").strip()
    return None


def _csrf_unless_token() -> None:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.method in current_app.config["WTF_CSRF_METHODS"] and bearer_token() is None:
        csrf.protect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)  # WTF_CSRF_CHECK_DEFAULT is off (config): the hook below checks instead
    app.before_request(_csrf_unless_token)
