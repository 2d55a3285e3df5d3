"""Bookmarks area: saved passages with Markdown notes, organised by matter.

`init_app` registers the pages (`/bookmarks`, `/matters`), the JSON API
(`/api/bookmarks`, `/api/matters`) and two template globals every page can
use to show a passage's saved state:

- `bookmarked_ids()` -> {passage_id: bookmark_id} for the current user
  (computed once per request; `passage_id in bookmarked_ids()` works);
- `bookmark_for(passage_id)` -> the bookmark id or None.
"""

from __future__ import annotations

from flask import Flask, g

from webapp.db import get_session, init_db


def bookmarked_ids() -> dict[str, int]:
    """The current user's saved passages, looked up once per request."""
    cached = g.get("_imr_bookmarked")
    if cached is None:
        from webapp.auth import NotSignedIn, current_user_id
        from webapp.bookmarks.store import bookmarked_passages

        try:
            cached = bookmarked_passages(get_session(), current_user_id())
        except NotSignedIn:
            cached = {}
        g._imr_bookmarked = cached
    return cached


def bookmark_for(passage_id: str) -> int | None:
    return bookmarked_ids().get(passage_id)


def _template_globals() -> dict:
    from webapp.bookmarks.notes import render_note

    return {"bookmarked_ids": bookmarked_ids, "bookmark_for": bookmark_for, "render_note": render_note}


def init_app(app: Flask) -> None:
    init_db(app)
    from webapp.bookmarks.api import bp as api_bp
    from webapp.bookmarks.views import bp as pages_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.context_processor(_template_globals)
