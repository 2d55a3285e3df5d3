"""JSON twins of the HTML pages.

`/api/search` returns exactly `SearchResponse.to_json()`, the same document
as `imr search --json`; the other endpoints return the data their page shows.
Parameters are read by the same code as the pages; where a page would quietly
fall back to a default (a non-numeric page, an unknown sort), the API answers
400 with the reason, since a program should learn about its mistake.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, url_for

from indexer.query.types import FACETS, SORTS
from webapp.citations.data import citation_detail, citation_index
from webapp.citations.views import cited_by_param, filter_text, index_sort_param
from webapp.search.state import DATE_PARAMS, parse_state
from webapp.search.syntax import syntax_json
from webapp.service import get_service
from webapp.similar.data import TextTooLong, clamp_limit, similar_to_passage, similar_to_text
from webapp.stats.page import build_stats

bp = Blueprint("api", __name__, url_prefix="/api")


def _parsed_or_400():
    parsed = parse_state(request.args)
    if parsed.problems:
        abort(400, description=" ".join(parsed.problems))
    return parsed.state


@bp.get("")
@bp.get("/")
def index():
    return jsonify(
        {
            "endpoints": {
                "search": url_for("api.search"),
                "letter": url_for("api.letter", letter_id="LETTER_ID"),
                "citations": url_for("api.citations"),
                "citation": url_for("api.citation", key="SOURCE | CHAPTER | TOPIC"),
                "openapi": url_for("api.openapi"),
                "stats": url_for("api.stats"),
                "similar_to_passage": url_for("api.passage_similar", passage_id="PASSAGE_ID"),
                "similar_to_text": url_for("api.similar") + ' (POST {"text": ...})',
                **_saved_endpoints(),
            },
            "search_parameters": {
                "q": "query in the query language",
                "facets": list(FACETS),
                "sort": list(SORTS),
                "scope": (
                    "request (default: when the words name requests, the passages whose request matches are "
                    "counted and the rationales that only discuss them listed apart in `discussed`; otherwise "
                    "as passage), passage (every passage whose own text matches) or letter (also the case summary)"
                ),
                "group": "passage (default) or letter (a page of letters, each with its matching passages)",
                "page": "1-based page number (past the last page: the last page, with a message)",
                "per_page": "1-100",
                "dates": dict.fromkeys(DATE_PARAMS, "a year, month or day: 2016, 2016-01, 2016-01-31"),
                "syntax": url_for("api.syntax"),
            },
        }
    )


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of every endpoint (see webapp/api/openapi.py)."""
    from webapp.api.openapi import spec

    return jsonify(spec())


def _saved_endpoints() -> dict[str, str]:
    """Saved searches, history and account (when that area is installed)."""
    if "saved_api.saved_list" not in current_app.view_functions:
        return {}
    return {
        "saved": url_for("saved_api.saved_list") + " (GET list, POST {name, q, filters, scope, sort, alert})",
        "saved_search": url_for("saved_api.saved", saved_id=0).replace("/0", "/ID") + " (GET, PATCH, DELETE)",
        "saved_new": url_for("saved_api.new", saved_id=0).replace("/0/", "/ID/") + " (GET; ?all=1 every result)",
        "history": url_for("saved_api.history") + " (GET, DELETE)",
        "account": url_for("saved_api.account") + " (GET, PATCH {email})",
        "export": url_for("search.export", fmt="csv") + " (.csv, .md, .json; the search parameters, limit<=1000)",
    }


@bp.get("/search")
def search():
    state = _parsed_or_400()
    return jsonify(get_service().search(state.to_request()).to_json())


@bp.get("/syntax")
def syntax():
    """The query language: every operator with an example (the /search/syntax page's data)."""
    return jsonify({"operators": syntax_json()})


@bp.get("/letters/<letter_id>")
def letter(letter_id: str):
    service = get_service()
    found = service.get_letter(letter_id)
    if found is None:
        abort(404, description=f"There is no letter with the id “{letter_id}” in the index.")
    has_source = service.letter_source_path(letter_id) is not None
    return jsonify(
        {
            "letter": found.to_dict(),
            "html_url": url_for("letters.show", letter_id=letter_id),
            "source_url": url_for("letters.source", letter_id=letter_id) if has_source else None,
        }
    )


@bp.get("/citations")
def citations():
    return jsonify(
        citation_index(get_service(), filter_text(), cited_by=cited_by_param(), sort=index_sort_param()).to_json()
    )


@bp.get("/citations/<path:key>")
def citation(key: str):
    state = _parsed_or_400()
    detail = citation_detail(
        get_service(), key, page=state.page, per_page=state.per_page, sort=state.sort, cited_by=cited_by_param()
    )
    if detail is None:
        abort(404, description=f"No passage in the index cites “{key}”.")
    return jsonify(detail.to_json())


@bp.get("/stats")
def stats():
    """Outcome statistics of a search: `by` one facet (see `available_by`)."""
    page = build_stats(get_service(), request.args)
    if page.problems:
        abort(400, description=" ".join(page.problems))
    return jsonify(page.stats.to_json())


@bp.get("/passages/<passage_id>/similar")
def passage_similar(passage_id: str):
    """Passages whose rationale says the same things as this one's (never itself)."""
    result = similar_to_passage(get_service(), passage_id, clamp_limit(request.args.get("limit")))
    if result is None:
        abort(404, description=f"There is no passage with the id “{passage_id}” in the index.")
    return jsonify(result.to_json())


@bp.post("/similar")
def similar():
    """Similar decided rationales and a cite-check for a pasted text. Nothing is kept.

    A POST like every other: a program sends its API token (`Authorization: Bearer`),
    a page script the page's CSRF token (`X-CSRFToken`), see webapp/extensions.py."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        payload = {}
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        abort(400, description='Send JSON {"text": "..."} with the denial, RFA or appeal text.')
    try:
        result = similar_to_text(get_service(), text, clamp_limit(payload.get("limit")))
    except TextTooLong as exc:
        abort(413, description=str(exc))
    return jsonify(result.to_json())
