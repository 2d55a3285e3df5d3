"""Search area: the faceted search page (`/search`, also the home page)."""

from __future__ import annotations

from flask import Flask

from webapp.search.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
