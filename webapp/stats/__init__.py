"""Outcome statistics: `/stats` (JSON twin `/api/stats`)."""

from __future__ import annotations

from flask import Flask

from webapp.stats.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
