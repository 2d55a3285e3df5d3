"""Saved searches and alerts, search history, and the account's e-mail address.

`init_app` registers the pages (`/saved`, `/history`, private feeds under
`/feeds/`) and the JSON API (`/api/saved`, `/api/history`, `/api/account`).
The work after an indexing run (new results, e-mail digests) is in
`webapp.saved.run`, called by `imr alerts run` and `imr index`.
"""

from __future__ import annotations

from flask import Flask

from webapp.db import init_db


def init_app(app: Flask) -> None:
    init_db(app)
    from webapp.saved.api import bp as api_bp
    from webapp.saved.views import bp as pages_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
