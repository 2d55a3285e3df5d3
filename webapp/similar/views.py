"""Similar-rationale pages: one passage's, and "paste your denial"."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from indexer.search.similar import MAX_TEXT_CHARS
from webapp.search.page import hit_view
from webapp.search.state import SearchState
from webapp.service import get_service
from webapp.similar.data import TextTooLong, clamp_limit, similar_to_passage, similar_to_text

bp = Blueprint("similar", __name__)


def _views(result):
    state = SearchState()
    return [hit_view(state, h) for h in result.hits]


@bp.get("/passages/<passage_id>/similar")
def passage(passage_id: str):
    service = get_service()
    found = service.get_passage(passage_id)
    if found is None:
        abort(404, description=f"There is no passage with the id “{passage_id}” in the index.")
    result = similar_to_passage(service, passage_id, clamp_limit(request.args.get("limit")))
    assert result is not None  # the passage exists (checked above)
    return render_template(
        "similar/passage.html",
        passage=found,
        result=result,
        hits=_views(result),
        search_url=url_for("search.search", q=result.query) if result.query else None,
        api_url=url_for("api.passage_similar", passage_id=passage_id),
    )


@bp.route("/similar", methods=["GET", "POST"])
def paste():
    text = ""
    result = None
    problem = None
    if request.method == "POST":
        text = request.form.get("text", "")
        if not text.strip():
            problem = "Paste the text of a denial, an RFA or an appeal draft first."
        else:
            try:
                result = similar_to_text(get_service(), text, clamp_limit(request.form.get("limit")))
            except TextTooLong as exc:
                problem = str(exc)
                text = text[:MAX_TEXT_CHARS]
    response = render_template(
        "similar/paste.html",
        text=text,
        result=result,
        problem=problem,
        max_chars=MAX_TEXT_CHARS,
        hits=_views(result) if result else [],
        search_url=url_for("search.search", q=result.query) if result and result.query else None,
    )
    # the pasted text is in this page: never let a shared cache or the browser's history keep it
    return response, (400 if problem and request.method == "POST" else 200), {"Cache-Control": "no-store"}
