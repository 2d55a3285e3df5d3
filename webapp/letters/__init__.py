"""Letters area: one letter laid out by section, and its original file."""

from __future__ import annotations

from flask import Flask

from webapp.letters.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
