"""Similar rationales: per passage (`/passages/<id>/similar`) and for pasted text
(`/similar`). JSON twins: `/api/passages/<id>/similar` and `POST /api/similar`."""

from __future__ import annotations

from flask import Flask

from webapp.similar.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
