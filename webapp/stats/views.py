"""The statistics page. JSON twin: `/api/stats` (same parameters)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from indexer.stats.outcomes import MIN_DECISIONS
from webapp.service import get_service
from webapp.stats.page import build_stats
from webapp.urls import search_url

bp = Blueprint("stats", __name__)


@bp.get("/stats")
def stats():
    page = build_stats(get_service(), request.args)
    state = page.state.with_page(1)
    params: dict = state.params().to_dict(flat=False)
    return render_template(
        "stats/index.html",
        page=page,
        state=state,
        results_url=search_url(state),
        by_url=lambda by: url_for("stats.stats", **params, by=by),
        facet_url=lambda facet, value: search_url(state.with_filter(facet, value)),
        min_decisions=MIN_DECISIONS,
        api_url=url_for("api.stats", **params, by=page.stats.by),
    )
