"""Citator pages. JSON twins: `/api/citations` and `/api/citations/<key>`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from indexer.query.limits import PAGING
from webapp.citations.data import CITED_BY, INDEX_SORTS, citation_detail, citation_index
from webapp.search.page import fold_duplicates, hit_view, pagination
from webapp.search.state import SearchState, parse_state
from webapp.service import get_service
from webapp.urls import plain_args, search_url

bp = Blueprint("citations", __name__, url_prefix="/citations")

MAX_FILTER_LENGTH = 200


def filter_text() -> str:
    return " ".join((request.args.get("filter") or "").split())[:MAX_FILTER_LENGTH]


def cited_by_param() -> str:
    """Whose citations the citator counts: the IMR reviewer's (default) or anyone's."""
    value = (request.args.get("cited_by") or "reviewer").strip().lower()
    return value if value in CITED_BY else "reviewer"


def index_sort_param() -> str:
    value = (request.args.get("sort") or "count").strip().lower()
    return value if value in INDEX_SORTS else "count"


def detail_or_404(key: str, page: int, per_page: int, sort: str, cited_by: str = "reviewer"):
    detail = citation_detail(get_service(), key, page=page, per_page=per_page, sort=sort, cited_by=cited_by)
    if detail is None:
        abort(
            404,
            description=f"No passage in the index cites “{key}”. Browse the citator for the citations that are cited.",
        )
    return detail


@bp.get("/", endpoint="index_slash")
def index_slash():
    return redirect(url_for("citations.index", **plain_args(request.args)), code=308)


@bp.get("")
def index():
    text = filter_text()
    cited_by, sort = cited_by_param(), index_sort_param()
    data = citation_index(get_service(), text, cited_by=cited_by, sort=sort)

    def index_url(**changes) -> str:
        values: dict[str, Any] = {
            "filter": text or None,
            "cited_by": None if cited_by == "reviewer" else cited_by,
            "sort": None if sort == "count" else sort,
        }
        values.update(changes)
        return url_for("citations.index", **{k: v for k, v in values.items() if v})

    return render_template(
        "citations/index.html",
        data=data,
        index_url=index_url,
        api_url=url_for(
            "api.citations",
            filter=text or None,
            cited_by=None if cited_by == "reviewer" else cited_by,
            sort=None if sort == "count" else sort,
        ),
    )


@bp.get("/<path:key>")
def show(key: str):
    parsed = parse_state(request.args)
    cited_by = cited_by_param()
    detail = detail_or_404(key, parsed.state.page, parsed.state.per_page, parsed.state.sort, cited_by)
    state = SearchState(q=detail.query, sort=parsed.state.sort, per_page=parsed.state.per_page)
    hits = fold_duplicates(state, [hit_view(state, hit) for hit in detail.response.hits])
    other = "any" if cited_by == "reviewer" else "reviewer"

    def page_url(n: int) -> str:
        return url_for(
            "citations.show",
            key=key,
            page=n if n > 1 else None,
            sort=None if state.sort == "relevance" else state.sort,
            per_page=None if state.per_page == PAGING.per_page else state.per_page,
            cited_by=None if cited_by == "reviewer" else cited_by,
        )

    return render_template(
        "citations/show.html",
        detail=detail,
        hits=hits,
        # past the end the service shows the last page (and says so)
        pagination=pagination(
            min(detail.response.total, detail.response.last_page * parsed.state.per_page),
            detail.response.page,
            parsed.state.per_page,
            page_url,
        ),
        notices=parsed.problems + [m for m in detail.response.messages if "page" in m],
        search_url=search_url(state),
        administrator_url=search_url(SearchState(q=f'citation:"{key}" cited_by:claims_administrator')),
        other_url=url_for("citations.show", key=key, cited_by=None if other == "reviewer" else other),
        api_url=url_for("api.citation", key=key, cited_by=None if cited_by == "reviewer" else cited_by),
    )
