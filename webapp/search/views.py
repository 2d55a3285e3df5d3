"""Search pages. The JSON twin of `/search` is `/api/search` (same parameters)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

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
    return render_template(
        "search/index.html",
        page=page,
        state=parsed.state,
        api_url=api_url,
        examples=EXAMPLE_QUERIES,
    )


@bp.get("/search/syntax")
def syntax():
    """Every operator of the query language with an example (JSON twin: /api/syntax)."""
    groups: dict[str, list] = {}
    for op in SYNTAX:
        groups.setdefault(op.group, []).append(op)
    return render_template("search/syntax.html", groups=groups)
