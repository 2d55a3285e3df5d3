"""JSON API for bookmarks and matters (`/api/bookmarks`, `/api/matters`).

Errors are JSON too: `{"error": message, "status": code}`; bad input is 400,
an unknown id - or one that belongs to another user - is 404. State-changing
calls need the CSRF token in the `X-CSRFToken` header.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.auth import current_user_id
from webapp.bookmarks.export import import_bookmarks
from webapp.bookmarks.listing import listing_json
from webapp.bookmarks.saving import PassageNotFound, save_passage
from webapp.bookmarks.serialize import bookmark_json, matter_json
from webapp.bookmarks.snapshot import SnapshotError, passages_in_index
from webapp.bookmarks.store import (
    BookmarkQuery,
    NotFound,
    ValidationError,
    create_matter,
    delete_bookmark,
    delete_matter,
    get_bookmark,
    get_matter,
    list_matters,
    rename_matter,
    update_bookmark,
)
from webapp.db import get_session
from webapp.service import IndexUnavailable

bp = Blueprint("bookmarks_api", __name__, url_prefix="/api")

BOOKMARK_FIELDS = {"passage_id", "note", "matters"}
PATCH_FIELDS = {"note", "matters"}
MATTER_FIELDS = {"name"}


def error(message: str, status: int = 400):
    return jsonify(error=message, status=status), status


def _invalid(exc: Exception):
    return error(str(exc), 400)


def _not_found(exc: NotFound):
    return error(str(exc), 404)


def _csrf(exc: CSRFError):
    return error(
        f"CSRF check failed: {exc.description} Send the token from the page's "
        "csrf-token meta tag in the X-CSRFToken header.",
        400,
    )


def _no_index(exc: IndexUnavailable):
    return error(str(exc), 503)


def _http(exc: HTTPException):
    from webapp.errors.handlers import handle_http  # the app-wide wording (405, 413, ...), as JSON here

    return handle_http(exc)


def json_errors(blueprint: Blueprint) -> None:
    """Answer a JSON API blueprint's errors in JSON: bad input 400, unknown or
    someone else's id 404, CSRF 400 with how to send the token, no index 503."""
    for exc_type, handler in (
        (ValidationError, _invalid),
        (SnapshotError, _invalid),
        (NotFound, _not_found),
        (CSRFError, _csrf),
        (IndexUnavailable, _no_index),
        (HTTPException, _http),
    ):
        blueprint.register_error_handler(exc_type, handler)


json_errors(bp)


def body(allowed: set[str]) -> dict[str, Any]:
    """The request's JSON object, refusing anything else with a clear message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("the request body must be a JSON object (Content-Type: application/json)")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return data


# --- bookmarks ---------------------------------------------------------------


@bp.get("/bookmarks")
def bookmarks():
    query = BookmarkQuery.from_args(request.args)
    return jsonify(listing_json(get_session(), current_user_id(), query))


@bp.post("/bookmarks")
def create():
    data = body(BOOKMARK_FIELDS)
    passage_id = data.get("passage_id")
    if not isinstance(passage_id, str) or not passage_id.strip():
        raise ValidationError("passage_id is required (the id of a passage from a search result)")
    matters = data.get("matters")
    if matters is not None and not isinstance(matters, list):
        raise ValidationError("matters must be a list of matter ids or names")
    try:
        bm, created = save_passage(
            get_session(), current_user_id(), passage_id.strip(), note=data.get("note", ""), matters=matters or []
        )
    except PassageNotFound as exc:
        raise ValidationError(str(exc)) from None
    resp = jsonify(bookmark_json(bm, True))
    resp.status_code = 201 if created else 200
    resp.headers["Location"] = url_for("bookmarks_api.bookmark", bookmark_id=bm.id)
    return resp


@bp.get("/bookmarks/<id:bookmark_id>")
def bookmark(bookmark_id: int):
    bm = get_bookmark(get_session(), current_user_id(), bookmark_id)
    return jsonify(bookmark_json(bm, passages_in_index([bm.passage_id])[bm.passage_id]))


@bp.patch("/bookmarks/<id:bookmark_id>")
def patch(bookmark_id: int):
    session, uid = get_session(), current_user_id()
    get_bookmark(session, uid, bookmark_id)  # 404 before looking at the body
    data = body(PATCH_FIELDS)
    if not data:
        raise ValidationError("nothing to change: send note and/or matters")
    matters = data.get("matters")
    if "matters" in data and not isinstance(matters, list):
        raise ValidationError("matters must be a list of matter ids or names")
    bm = update_bookmark(
        session,
        uid,
        bookmark_id,
        note=data.get("note"),
        set_note="note" in data,
        matters=matters if "matters" in data else None,
    )
    return jsonify(bookmark_json(bm, passages_in_index([bm.passage_id])[bm.passage_id]))


@bp.delete("/bookmarks/<id:bookmark_id>")
def delete(bookmark_id: int):
    delete_bookmark(get_session(), current_user_id(), bookmark_id)
    return jsonify(deleted=bookmark_id)


@bp.post("/bookmarks/import")
def import_json():
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError("send the exported JSON file as the request body (Content-Type: application/json)")
    result = import_bookmarks(get_session(), current_user_id(), data)
    return jsonify(result.to_json())


# --- matters -----------------------------------------------------------------


@bp.get("/matters")
def matters():
    rows = list_matters(get_session(), current_user_id())
    return jsonify(matters=[matter_json(r.matter, r.count) for r in rows])


@bp.post("/matters")
def create_matter_api():
    data = body(MATTER_FIELDS)
    session, uid = get_session(), current_user_id()
    m, created = create_matter(session, uid, data.get("name"))
    count = 0 if created else next((r.count for r in list_matters(session, uid) if r.matter.id == m.id), 0)
    resp = jsonify(matter_json(m, count))
    resp.status_code = 201 if created else 200  # the existing matter of that name (any case)
    resp.headers["Location"] = url_for("bookmarks_api.matter", matter_id=m.id)
    return resp


@bp.get("/matters/<id:matter_id>")
def matter(matter_id: int):
    session, uid = get_session(), current_user_id()
    m = get_matter(session, uid, matter_id)
    count = next((r.count for r in list_matters(session, uid) if r.matter.id == m.id), 0)
    return jsonify(matter_json(m, count))


@bp.patch("/matters/<id:matter_id>")
def rename(matter_id: int):
    session, uid = get_session(), current_user_id()
    get_matter(session, uid, matter_id)
    data = body(MATTER_FIELDS)
    if "name" not in data:
        raise ValidationError('send the new name as {"name": ...}')
    m = rename_matter(session, uid, matter_id, data["name"])
    return jsonify(matter_json(m))


@bp.delete("/matters/<id:matter_id>")
def remove_matter(matter_id: int):
    delete_matter(get_session(), current_user_id(), matter_id)
    return jsonify(deleted=matter_id)
