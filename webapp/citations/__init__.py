"""Citator area: every guideline citation, and how letters citing one fared."""

from __future__ import annotations

from flask import Flask

from webapp.citations.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
