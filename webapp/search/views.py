"""Search pages. The JSON twin of `/search` is `/api/search` (same parameters)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from webapp.search.export import EXPORT_FORMATS, EXPORT_LIMIT, collect, render_export
from webapp.search.page import build_page
from webapp.search.state import parse_state
from webapp.search.syntax import SYNTAX
from webapp.service import get_service
from webapp.urls import search_url

bp = Blueprint("search", __name__)

EXAMPLE_QUERIES = (
    ("ODG Neck Facet joint diagnostic blocks", "every letter citing that ODG topic, however worded"),
    ("MBB", "abbreviations expand: medial branch blocks"),
    ('"no more than 2 levels"', "an exact phrase"),
    ("radicular w/5 block", "words within five words of each other"),
    ("opioid* -tramadol", "prefix search, excluding a word"),
    ("decision:overturned", "only the treatments found medically necessary"),
)


@bp.get("/")
def home():
    return search()


@bp.get("/search")
def search():
    parsed = parse_state(request.args)
    response = get_service().search(parsed.state.to_request())
    page = build_page(parsed.state, response, parsed.problems)
    api_url = search_url(parsed.state, endpoint="api.search")
    remember(parsed.state, response.total)
    return render_template(
        "search/index.html",
        page=page,
        state=parsed.state,
        api_url=api_url,
        stats_url=search_url(parsed.state.with_page(1), endpoint="stats.stats"),
        dups_url=search_url(parsed.state.with_grouping(not parsed.state.group_duplicates)),
        examples=EXAMPLE_QUERIES,
        save_name=_default_name(parsed.state),
        export_limit=EXPORT_LIMIT,
    )


@bp.get("/search/syntax")
def syntax():
    """Every operator of the query language with an example (JSON twin: /api/syntax)."""
    groups: dict[str, list] = {}
    for op in SYNTAX:
        groups.setdefault(op.group, []).append(op)
    return render_template("search/syntax.html", groups=groups)


def _default_name(state) -> str:
    from webapp.saved.views import default_name

    return default_name(state.q, state.filter_map)


def remember(state, total: int) -> None:
    """Add a search to the user's history (not the bare landing page). History
    is a convenience: if it cannot be written, the search still answers."""
    if state.is_browse and not state.filters and not state.dates:
        return
    from webapp.auth import NotSignedIn, current_user_id
    from webapp.db import get_session
    from webapp.saved.store import DEFAULT_SCOPE, record_search

    try:
        record_search(
            get_session(),
            current_user_id(),
            state.q,
            state.filter_map,
            state.sort,
            total,
            scope=request.args.get("scope") or DEFAULT_SCOPE,
            dates=dict(state.dates),
        )
    except NotSignedIn:
        return
    except SQLAlchemyError:  # logged; the results page must not fail for it
        get_session().rollback()
        current_app.logger.exception("could not record the search in the history")


@bp.get("/search/export.<fmt>")
def export(fmt: str):
    """The whole result set (up to EXPORT_LIMIT passages, in the page's order)."""
    if fmt not in EXPORT_FORMATS:
        abort(404, description="Export formats are .csv, .md and .json.")
    parsed = parse_state(request.args)
    if parsed.problems:
        abort(400, description=" ".join(parsed.problems))
    limit = _export_limit(request.args.get("limit"))
    result = collect(get_service(), parsed.state, limit)
    permalink = request.url_root.rstrip("/") + search_url(parsed.state)
    text, mimetype, filename = render_export(fmt, result, parsed.state, permalink, request.url_root.rstrip("/"))
    resp = Response(text, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _export_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return EXPORT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= EXPORT_LIMIT:
        abort(400, description=f"limit must be a whole number from 1 to {EXPORT_LIMIT:,}")
    return int(raw)
