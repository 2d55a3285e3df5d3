"""Flask application factory.

Each area of the app is a package with `init_app(app)` that registers its
blueprint(s): search, letters, citations, api (web issue) and bookmarks/auth
(bookmarks issue). Configuration comes from the environment (`IMR_*`).
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
    from webapp import converters, extensions, proxy, security, templating

    converters.init_app(app)
    proxy.init_app(app)
    extensions.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    for area in ("search", "letters", "citations", "stats", "similar", "api", "auth", "bookmarks", "saved", "errors"):
        module = _optional_area(area)
        if module is not None:
            module.init_app(app)
    return app


def _optional_area(name: str):
    import importlib

    try:
        return importlib.import_module(f"webapp.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"webapp.{name}":
            return None  # area not built yet
        raise
