"""Extensions shared by every area: CSRF protection on all state-changing requests."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
