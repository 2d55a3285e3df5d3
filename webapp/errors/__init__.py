"""Error pages that help: what went wrong in plain words and where to go next.

HTML for pages, JSON (`{"error", "status"}`) for `/api/...`. Unexpected
exceptions are logged with their traceback and shown as a short apology;
no stack trace ever reaches a user.
"""

from __future__ import annotations

from flask import Flask

from webapp.errors.handlers import register


def init_app(app: Flask) -> None:
    register(app)
