"""Saved-search, history and account pages, and the private feeds.

Every action is a plain form POST that redirects back (works with scripting
off); the JSON twins live in `webapp.saved.api`.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from indexer.query.types import FACETS
from webapp.auth import current_user_id
from webapp.bookmarks.views import back
from webapp.db import get_session
from webapp.presentation import citation_label, facet_label
from webapp.saved import store
from webapp.saved.account import account_json, set_email
from webapp.saved.feed import atom_feed
from webapp.saved.serialize import feed_url, history_json, hit_citation, saved_json, search_link
from webapp.saved.store import ALERTS, NotFound, ValidationError
from webapp.search.state import parse_state
from webapp.service import IndexUnavailable, get_service

bp = Blueprint("saved", __name__)

# one-click alerts: the facets offered, and how the alert is named
QUICK_FACETS = {"citation": "citing", "treatment": "decisions on"}
QUICK_ALERT = "daily"


def index_position() -> tuple[str | None, int]:
    """Where the live index stands, so a new saved search counts only later passages as new."""
    try:
        service = get_service()
        service.reload()  # the live generation, not the one this server last looked at
        return service.history_position()
    except (IndexUnavailable, AttributeError):  # no index yet, or a test double without history
        return None, 0


def _owned(fn, *args):
    try:
        return fn(get_session(), current_user_id(), *args)
    except NotFound:
        abort(404, description="There is no such saved search in your account.")


def default_name(q: str, filters: dict[str, list[str]]) -> str:
    parts = [q] if q else []
    for facet, values in filters.items():
        shown = ", ".join(citation_label(v) if facet == "citation" else v for v in values)
        parts.append(f"{facet_label(facet)}: {shown}")
    return ("; ".join(parts) or "All passages")[:200]


# --- /saved --------------------------------------------------------------------------


@bp.get("/saved")
def index():
    session, uid = get_session(), current_user_id()
    rows = store.list_saved(session, uid)
    account = account_json(session, uid)
    return render_template(
        "saved/index.html",
        rows=rows,
        alerts=ALERTS,
        account=account,
        api_url=url_for("saved_api.saved_list"),
        views=[saved_json(r) for r in rows],
    )


@bp.post("/saved")
def create():
    """Save the search whose state the form carries (the results page's "Save this search")."""
    state = parse_state(request.form).state
    filters = state.filter_map
    data = {
        "name": request.form.get("name") or default_name(state.q, filters),
        "q": state.q,
        "filters": filters,
        "dates": dict(state.dates),
        "scope": request.form.get("scope") or None,
        "sort": state.sort,
        "alert": request.form.get("alert") or "off",
    }
    try:
        saved = store.create_saved(get_session(), current_user_id(), data, position=index_position())
    except ValidationError as exc:
        get_session().rollback()
        flash(f"Not saved: {exc}.", "error")
        return back(url_for("saved.index"))
    flash(
        f"Saved “{saved.name}”. New results will show on this page"
        + ("" if saved.alert == "off" else f" and by e-mail ({ALERTS[saved.alert].lower()})")
        + ".",
        "info",
    )
    return redirect(url_for("saved.index") + f"#saved-{saved.id}", code=303)


@bp.post("/saved/quick")
def quick():
    """One click: alert me on new letters citing this guideline / on new decisions for this treatment."""
    facet = request.form.get("facet", "")
    value = " ".join((request.form.get("value") or "").split())
    if facet not in QUICK_FACETS or not value:
        flash("Choose a guideline or a treatment to be alerted about.", "error")
        return back(url_for("saved.index"))
    session, uid = get_session(), current_user_id()
    label = citation_label(value) if facet == "citation" else value
    for row in store.list_saved(session, uid):
        s = row.search
        if not s.q and (s.filters or {}) == {facet: [value]}:
            if s.alert == "off":
                store.update_saved(session, uid, s.id, {"alert": QUICK_ALERT})
            flash(f"You already have this alert: “{s.name}”.", "info")
            return back(url_for("saved.index"))
    name = store.unique_name(session, uid, f"New decisions {QUICK_FACETS[facet]} {label}")
    store.create_saved(
        session, uid, {"name": name, "filters": {facet: [value]}, "alert": QUICK_ALERT}, position=index_position()
    )
    hint = (
        ""
        if account_json(session, uid)["email"]
        else " Add your e-mail address on the saved searches page to get it by e-mail."
    )
    flash(f"Alert created: “{name}” ({ALERTS[QUICK_ALERT].lower()}).{hint}", "info")
    return back(url_for("saved.index"))


@bp.get("/saved/<id:saved_id>/open")
def open_search(saved_id: int):
    s = _owned(store.get_saved, saved_id)
    return redirect(search_link(s.q, s.filters, s.sort, s.scope, s.dates), code=303)


@bp.get("/saved/<id:saved_id>/new")
def new(saved_id: int):
    session, uid = get_session(), current_user_id()
    row = _owned(store.saved_row, saved_id)
    hits = store.hits_of(session, uid, saved_id, only_new=False)
    seen = row.search.last_viewed_at
    fresh = [h for h in hits if h.found_at > seen]
    earlier = [h for h in hits if h.found_at <= seen]
    html = render_template(
        "saved/new.html",
        row=row,
        fresh=fresh,
        earlier=earlier,
        citation_of=hit_citation,
        search_url=search_link(row.search.q, row.search.filters, row.search.sort, row.search.scope, row.search.dates),
        api_url=url_for("saved_api.new", saved_id=saved_id),
    )
    store.mark_viewed(session, uid, saved_id)  # shown now: no longer new
    return html


@bp.post("/saved/<id:saved_id>/rename")
def rename(saved_id: int):
    return _update(saved_id, {"name": request.form.get("name", "")}, "Renamed.")


@bp.post("/saved/<id:saved_id>/alert")
def alert(saved_id: int):
    choice = request.form.get("alert", "")
    return _update(saved_id, {"alert": choice}, f"Alerts: {ALERTS.get(choice, choice).lower()}.")


def _update(saved_id: int, data: dict, message: str):
    _owned(store.get_saved, saved_id)
    try:
        store.update_saved(get_session(), current_user_id(), saved_id, data)
    except ValidationError as exc:
        get_session().rollback()
        flash(f"Not changed: {exc}.", "error")
        return back(url_for("saved.index"))
    flash(message, "info")
    return redirect(url_for("saved.index") + f"#saved-{saved_id}", code=303)


@bp.post("/saved/<id:saved_id>/delete")
def delete(saved_id: int):
    s = _owned(store.get_saved, saved_id)
    name = s.name
    _owned(store.delete_saved, saved_id)
    flash(f"Deleted the saved search “{name}”.", "info")
    return back(url_for("saved.index"))


@bp.post("/saved/<id:saved_id>/feed")
def feed_on(saved_id: int):
    _owned(store.enable_feed, saved_id)
    flash("New private feed address made; any earlier address no longer works.", "info")
    return redirect(url_for("saved.index") + f"#saved-{saved_id}", code=303)


@bp.post("/saved/<id:saved_id>/feed/revoke")
def feed_off(saved_id: int):
    _owned(store.revoke_feed, saved_id)
    flash("Feed turned off: its address no longer works.", "info")
    return redirect(url_for("saved.index") + f"#saved-{saved_id}", code=303)


@bp.get("/feeds/<token>.atom")
def feed(token: str):
    """No login: the token is the key (see webapp.auth.OPEN_ENDPOINTS)."""
    session = get_session()
    saved = store.saved_by_feed_token(session, token)
    if saved is None:
        abort(404, description="This feed address does not exist or was turned off.")
    hits = store.recent_hits(session, saved.id)
    root = request.url_root.rstrip("/")
    body = atom_feed(
        saved,
        hits,
        feed_url(saved) or request.url,
        root + search_link(saved.q, saved.filters, saved.sort, saved.scope, saved.dates),
        root,
        hit_citation,
    )
    resp = Response(body, mimetype="application/atom+xml")
    resp.headers["Cache-Control"] = "private, max-age=300"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


# --- account e-mail -------------------------------------------------------------------


@bp.post("/account/email")
def email():
    try:
        user = set_email(get_session(), current_user_id(), request.form.get("email"))
    except ValidationError as exc:
        get_session().rollback()
        flash(f"E-mail not changed: {exc}.", "error")
        return back(url_for("saved.index"))
    flash(f"Alerts will be e-mailed to {user.email}." if user.email else "E-mail alerts are off (no address).", "info")
    return back(url_for("saved.index"))


# --- history ------------------------------------------------------------------------


@bp.get("/history")
def history():
    entries = store.list_history(get_session(), current_user_id())
    return render_template(
        "saved/history.html",
        entries=[history_json(e) for e in entries],
        api_url=url_for("saved_api.history"),
        facets=FACETS,
    )


@bp.post("/history/clear")
def clear_history():
    n = store.clear_history(get_session(), current_user_id())
    flash(f"Search history cleared ({n} search{'es' if n != 1 else ''}).", "info")
    return back(url_for("saved.history"))
