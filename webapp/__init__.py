"""Flask application factory.

Each area of the app is a package with `init_app(app)` that registers its
blueprint(s): search, letters, citations, api, auth, bookmarks, saved searches
and the error pages. Configuration comes from the environment (`IMR_*`, read
and checked by `indexer.settings`, made Flask config by `webapp.config`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from webapp.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    from webapp import (
        api,
        auth,
        bookmarks,
        citations,
        converters,
        errors,
        extensions,
        letters,
        proxy,
        saved,
        search,
        security,
        similar,
        stats,
        templating,
    )

    converters.init_app(app)
    proxy.init_app(app)
    extensions.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    for area in (search, letters, citations, stats, similar, api, auth, bookmarks, saved, errors):
        area.init_app(app)
    return app
