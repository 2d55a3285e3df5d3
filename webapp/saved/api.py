"""JSON API for saved searches, search history and the account's e-mail.

    POST   /api/saved               {"name", "q", "filters": {facet: [values]}, "scope", "sort", "alert"} -> 201
    GET    /api/saved               every saved search with new_count
    GET    /api/saved/<id>          one
    PATCH  /api/saved/<id>          any of the fields (rename, change the alert, ...)
    DELETE /api/saved/<id>
    GET    /api/saved/<id>/new      the passages found since the user last looked (?all=1: every one found)
    POST   /api/saved/<id>/seen     mark them looked at
    POST   /api/saved/<id>/feed     a new private feed address (the old one stops working)
    DELETE /api/saved/<id>/feed     no feed
    GET    /api/history             the last 100 searches;  DELETE /api/history clears them
    GET    /api/account             {"username", "email"};  PATCH /api/account {"email": ... or null}

Errors are JSON like the bookmarks API's (400 bad input, 404 unknown or someone
else's id); state-changing calls need the CSRF token in X-CSRFToken.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from webapp.auth import current_user_id
from webapp.bookmarks.api import body, json_errors
from webapp.db import get_session
from webapp.saved import store
from webapp.saved.account import account_json, set_email
from webapp.saved.serialize import history_json, hit_json, saved_json
from webapp.saved.store import FIELDS, ValidationError

bp = Blueprint("saved_api", __name__, url_prefix="/api")
json_errors(bp)


def _index_position() -> tuple[str | None, int]:
    from webapp.saved.views import index_position

    return index_position()


@bp.get("/saved")
def saved_list():
    rows = store.list_saved(get_session(), current_user_id())
    return jsonify(saved=[saved_json(r) for r in rows], total=len(rows))


@bp.post("/saved")
def create():
    data = body(FIELDS)
    saved = store.create_saved(get_session(), current_user_id(), data, position=_index_position())
    resp = jsonify(saved_json(store.saved_row(get_session(), current_user_id(), saved.id)))
    resp.status_code = 201
    resp.headers["Location"] = url_for("saved_api.saved", saved_id=saved.id)
    return resp


@bp.get("/saved/<id:saved_id>")
def saved(saved_id: int):
    return jsonify(saved_json(store.saved_row(get_session(), current_user_id(), saved_id)))


@bp.patch("/saved/<id:saved_id>")
def patch(saved_id: int):
    session, uid = get_session(), current_user_id()
    store.get_saved(session, uid, saved_id)  # 404 before looking at the body
    store.update_saved(session, uid, saved_id, body(FIELDS))
    return jsonify(saved_json(store.saved_row(session, uid, saved_id)))


@bp.delete("/saved/<id:saved_id>")
def delete(saved_id: int):
    store.delete_saved(get_session(), current_user_id(), saved_id)
    return jsonify(deleted=saved_id)


@bp.get("/saved/<id:saved_id>/new")
def new(saved_id: int):
    session, uid = get_session(), current_user_id()
    everything = request.args.get("all", "") in ("1", "true", "yes")
    row = store.saved_row(session, uid, saved_id)
    hits = store.hits_of(session, uid, saved_id, only_new=not everything)
    seen = row.search.last_viewed_at
    return jsonify(saved=saved_json(row), passages=[hit_json(h, h.found_at > seen) for h in hits], count=len(hits))


def _then_show(action, saved_id: int):
    session, uid = get_session(), current_user_id()
    action(session, uid, saved_id)
    return jsonify(saved_json(store.saved_row(session, uid, saved_id)))


@bp.post("/saved/<id:saved_id>/seen")
def seen(saved_id: int):
    return _then_show(store.mark_viewed, saved_id)


@bp.post("/saved/<id:saved_id>/feed")
def feed_on(saved_id: int):
    return _then_show(store.enable_feed, saved_id)


@bp.delete("/saved/<id:saved_id>/feed")
def feed_off(saved_id: int):
    return _then_show(store.revoke_feed, saved_id)


@bp.get("/history")
def history():
    entries = store.list_history(get_session(), current_user_id())
    return jsonify(history=[history_json(e) for e in entries], total=len(entries))


@bp.delete("/history")
def clear_history():
    return jsonify(cleared=store.clear_history(get_session(), current_user_id()))


@bp.get("/account")
def account():
    return jsonify(account_json(get_session(), current_user_id()))


@bp.patch("/account")
def patch_account():
    data = body({"email"})
    if "email" not in data:
        raise ValidationError('send {"email": "name@example.com"} (or null to stop e-mail)')
    set_email(get_session(), current_user_id(), data["email"])
    return jsonify(account_json(get_session(), current_user_id()))
