"""Letter pages. JSON twin: `/api/letters/<letter_id>`."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file, url_for
from markupsafe import Markup, escape

from indexer.letters.read import text_safe
from webapp.highlights import to_html
from webapp.letters.page import build_letter_page
from webapp.search.state import MAX_QUERY_LENGTH
from webapp.service import get_service
from webapp.urls import back_to_results_url

bp = Blueprint("letters", __name__, url_prefix="/letters")

_MIMETYPES = {".pdf": "application/pdf", ".txt": "text/plain"}


def load_letter_or_404(letter_id: str):
    letter = get_service().get_letter(letter_id)
    if letter is None:
        abort(
            404,
            description=f"There is no letter with the id “{letter_id}” in the index. "
            "It may have been removed from the corpus, or the link is mistyped.",
        )
    return letter


@bp.get("/<letter_id>")
def show(letter_id: str):
    letter = load_letter_or_404(letter_id)
    q = (request.args.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    service = get_service()

    def highlight(text: str) -> Markup:
        if not q or not text:
            return escape(text)
        return to_html(service.highlight(q, text))

    part = request.args.get("part", "1")
    page = build_letter_page(letter, highlight, part=int(part) if part.isdigit() and len(part) < 7 else 1)
    has_source = service.letter_source_path(letter_id) is not None
    return render_template(
        "letters/show.html",
        page=page,
        letter=letter,
        q=q,
        back_url=back_to_results_url(request.args.get("back")) or (url_for("search.search", q=q) if q else None),
        source_url=url_for("letters.source", letter_id=letter_id) if has_source else None,
        api_url=url_for("api.letter", letter_id=letter_id),
    )


@bp.get("/<letter_id>/source")
def source(letter_id: str):
    """The original file as the DWC published it (text or PDF)."""
    load_letter_or_404(letter_id)
    found = get_service().read_letter_source(letter_id)
    if found is None:
        abort(
            404,
            description="The original file of this letter is no longer available as it was indexed "
            "(moved, changed or replaced); the indexed text is still shown on the letter page.",
        )
    path, data = found
    mimetype = _MIMETYPES.get(path.suffix.lower(), "application/octet-stream")
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=False, download_name=text_safe(path.name))
    if mimetype == "text/plain":
        response.content_type = f"text/plain; charset={_text_charset(data)}"
    return response


def _text_charset(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "windows-1252"
