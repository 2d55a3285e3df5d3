"""JSON API: the twin of every HTML page, under `/api/...`."""

from __future__ import annotations

from flask import Flask

from webapp.api.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
