"""The bookmarks pages and the plain-HTML forms behind every bookmark action.

Every action is an ordinary form POST that redirects back, so it works with
JavaScript off; `static/bookmarks.js` submits the same forms with fetch()
asking for JSON, and these views answer it in JSON instead of redirecting.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from webapp.auth import current_user_id
from webapp.auth.views import safe_next
from webapp.bookmarks.export import import_bookmarks, to_csv, to_json, to_markdown
from webapp.bookmarks.listing import build_listing
from webapp.bookmarks.saving import PassageNotFound, save_passage
from webapp.bookmarks.snapshot import passages_in_index
from webapp.bookmarks.store import (
    SORTS,
    BookmarkQuery,
    NotFound,
    ValidationError,
    create_matter,
    delete_bookmark,
    delete_matter,
    find_by_passage,
    get_bookmark,
    get_matter,
    list_bookmarks,
    list_matters,
    matters_of,
    rename_matter,
    update_bookmark,
)
from webapp.db import get_session
from webapp.db.models import NOTE_MAX
from webapp.service import IndexUnavailable
from webapp.urls import plain_args

bp = Blueprint("bookmarks", __name__)

EXPORT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def wants_json() -> bool:
    """fetch() from bookmarks.js asks for JSON; a browser's form post asks for HTML."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def back(default: str | None = None):
    target = safe_next(request.form.get("next") or request.args.get("next"), default or url_for("bookmarks.index"))
    return redirect(target, code=303)


def _owned_or_404(fn, *args):
    try:
        return fn(get_session(), current_user_id(), *args)
    except NotFound:
        abort(404, description="There is no such bookmark or matter in your account.")


# --- the bookmarks page --------------------------------------------------------


@bp.get("/bookmarks")
def index():
    try:
        query = BookmarkQuery.from_args(request.args)
        error = None
    except ValidationError as exc:
        query, error = BookmarkQuery(), str(exc)
    listing = build_listing(get_session(), current_user_id(), query)
    return render_template(
        "bookmarks/index.html",
        listing=listing,
        query=query,
        error=error,
        sorts=SORTS,
        api_url=url_for("bookmarks_api.bookmarks", **plain_args(request.args)),
    ), (400 if error else 200)


# --- one-click save / unsave -------------------------------------------------


def _toggle_json(passage_id: str, bookmark_id: int | None, message: str, status: int = 200):
    return jsonify(
        bookmarked=bookmark_id is not None,
        bookmark_id=bookmark_id,
        passage_id=passage_id,
        edit_url=url_for("bookmarks.edit", bookmark_id=bookmark_id) if bookmark_id else None,
        save_url=url_for("bookmarks.save"),
        unsave_url=url_for("bookmarks.unsave"),
        message=message,
    ), status


def _fail(passage_id: str, message: str, status: int):
    if wants_json():
        return jsonify(error=message, status=status, passage_id=passage_id), status
    flash(message, "error")
    return back()


@bp.post("/bookmarks/save")
def save():
    passage_id = (request.form.get("passage_id") or "").strip()
    if not passage_id:
        return _fail(passage_id, "No passage was given to bookmark.", 400)
    try:
        bm, created = save_passage(get_session(), current_user_id(), passage_id, note=request.form.get("note", ""))
    except PassageNotFound:
        return _fail(passage_id, "That passage is no longer in the index, so it cannot be bookmarked.", 400)
    except ValidationError as exc:
        return _fail(passage_id, str(exc), 400)
    except IndexUnavailable as exc:
        return _fail(passage_id, str(exc), 503)
    message = "Bookmarked." if created else "Already bookmarked."
    if wants_json():
        return _toggle_json(passage_id, bm.id, message, 201 if created else 200)
    flash(message, "info")
    return back()


@bp.post("/bookmarks/unsave")
def unsave():
    passage_id = (request.form.get("passage_id") or "").strip()
    session, uid = get_session(), current_user_id()
    bm = find_by_passage(session, uid, passage_id) if passage_id else None
    if bm is not None:
        delete_bookmark(session, uid, bm.id)
    message = "Bookmark removed." if bm is not None else "That passage was not bookmarked."
    if wants_json():
        return _toggle_json(passage_id, None, message)
    flash(message, "info")
    return back()


# --- one bookmark: edit note and matters, delete ----------------------------


def _edit_page(bm, note: str, selected: set[int], error: str | None = None, status: int = 200, new_matter: str = ""):
    in_index = passages_in_index([bm.passage_id])[bm.passage_id]
    return render_template(
        "bookmarks/edit.html",
        bm=bm,
        note=note,
        selected=selected,
        error=error,
        new_matter=new_matter,
        matters=list_matters(get_session(), current_user_id()),
        in_index=in_index,
        note_max=NOTE_MAX,
        api_url=url_for("bookmarks_api.bookmark", bookmark_id=bm.id),
    ), status


@bp.get("/bookmarks/<id:bookmark_id>")
def edit(bookmark_id: int):
    bm = _owned_or_404(get_bookmark, bookmark_id)
    return _edit_page(bm, bm.note, {m.id for m in bm.matters})


@bp.post("/bookmarks/<id:bookmark_id>")
def update(bookmark_id: int):
    bm = _owned_or_404(get_bookmark, bookmark_id)
    note = request.form.get("note", "")
    new_matter = (request.form.get("new_matter") or "").strip()
    try:
        selected = {int(v) for v in request.form.getlist("matters")}
    except ValueError:
        return _edit_page(bm, note, set(), "Matters must be chosen from the list.", 400, new_matter)
    refs: list = sorted(selected)
    if new_matter:
        refs.append(new_matter)
    try:
        update_bookmark(get_session(), current_user_id(), bookmark_id, note=note, set_note=True, matters=refs)
    except ValidationError as exc:
        get_session().rollback()
        bm = _owned_or_404(get_bookmark, bookmark_id)
        return _edit_page(bm, note, selected, str(exc), 400, new_matter)
    flash("Bookmark saved.", "info")
    return redirect(safe_next(request.form.get("next"), url_for("bookmarks.index")) + f"#b-{bookmark_id}", code=303)


@bp.post("/bookmarks/<id:bookmark_id>/delete")
def delete(bookmark_id: int):
    _owned_or_404(delete_bookmark, bookmark_id)
    if wants_json():
        return jsonify(deleted=bookmark_id)
    flash("Bookmark deleted.", "info")
    return back()


# --- matters -------------------------------------------------------------------


@bp.post("/matters")
def new_matter():
    try:
        m, created = create_matter(get_session(), current_user_id(), request.form.get("name", ""))
    except ValidationError as exc:
        flash(str(exc).capitalize() + ".", "error")
        return back()
    flash(f"Matter “{m.name}” created." if created else f"Matter “{m.name}” already exists.", "info")
    return back()


@bp.post("/matters/<id:matter_id>/rename")
def rename(matter_id: int):
    _owned_or_404(get_matter, matter_id)
    try:
        m = rename_matter(get_session(), current_user_id(), matter_id, request.form.get("name", ""))
    except ValidationError as exc:
        flash(str(exc).capitalize() + ".", "error")
        return back()
    flash(f"Matter renamed to “{m.name}”.", "info")
    return back()


@bp.post("/matters/<id:matter_id>/delete")
def remove_matter(matter_id: int):
    m = _owned_or_404(get_matter, matter_id)
    name = m.name
    _owned_or_404(delete_matter, matter_id)
    flash(f"Matter “{name}” deleted; its bookmarks are kept.", "info")
    return back(url_for("bookmarks.index"))


# --- export / import -----------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "matter"


@bp.get("/bookmarks/export.<fmt>")
def export(fmt: str):
    if fmt not in EXPORT_TYPES:
        abort(404, description="Export formats are .md, .csv and .json.")
    try:
        query = BookmarkQuery.from_args(request.args)
    except ValidationError as exc:
        abort(400, description=str(exc))
    session, uid = get_session(), current_user_id()
    matter_name = None
    if query.matter is not None:
        matter_name = _owned_or_404(get_matter, query.matter).name
    rows = list_bookmarks(session, uid, query, paged=False).bookmarks
    in_index = passages_in_index([bm.passage_id for bm in rows])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    filename = f"imr-bookmarks-{_slug(matter_name) if matter_name else 'all'}-{stamp}.{fmt}"
    if fmt == "md":
        title = f"IMR precedents: {matter_name}" if matter_name else "IMR precedents: all bookmarks"
        text = to_markdown(rows, title, in_index)
    elif fmt == "csv":
        text = "\ufeff" + to_csv(rows, in_index)  # BOM: spreadsheets then read UTF-8 correctly
    else:
        matters = (
            [mc.matter for mc in list_matters(session, uid)]
            if matter_name is None and not query.active()
            else matters_of(rows)
        )
        text = json.dumps(to_json(rows, matters, in_index), indent=2, ensure_ascii=False)
    resp = Response(text, mimetype=EXPORT_TYPES[fmt].split(";")[0])
    resp.headers["Content-Type"] = EXPORT_TYPES[fmt]
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.post("/bookmarks/import")
def import_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a JSON file exported from IMR Precedent Search to import.", "error")
        return back()
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        flash("That file is too large to import (limit 20 MB).", "error")
        return back()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        flash(f"That file is not valid JSON ({exc}). Nothing was imported.", "error")
        return back()
    try:
        result = import_bookmarks(get_session(), current_user_id(), data)
    except ValidationError as exc:
        flash(f"Nothing was imported: {exc}.", "error")
        return back()
    flash(result.summary(), "info")
    return back()
