"""Jinja helpers every template may use: labels, dates and URL building."""

from __future__ import annotations

from flask import Flask, request

from indexer.query.types import FACETS, SORTS
from webapp import presentation
from webapp.urls import PASSAGES_PER_PART, passage_url

MAX_HERE_BYTES = 4096  # a longer address is not repeated in forms (see here())


def here() -> str:
    """This page's address (path and query) for a form's `next`, to come back to.
    Repeated once per button, so a crafted multi-megabyte URL is not echoed: past
    4 KB only the path is kept (a bounded search state is far shorter)."""
    full = request.full_path.rstrip("?")
    return full if len(full) <= MAX_HERE_BYTES else request.path


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        here=here,
        passage_url=passage_url,
        PASSAGES_PER_PART=PASSAGES_PER_PART,
        FACETS=FACETS,
        SORTS=SORTS,
        facet_label=presentation.facet_label,
        facet_value_label=presentation.facet_value_label,
        facet_help=presentation.FACET_HELP,
        decision_help=presentation.DECISION_HELP,
        sort_labels=presentation.SORT_LABELS,
        field_labels=presentation.FIELD_LABELS,
        citation_label=presentation.citation_label,
        citation_parts=presentation.citation_parts,
        citation_line=presentation.citation_line,
    )
    app.jinja_env.filters["date"] = presentation.format_date
    app.jinja_env.filters["thousands"] = lambda n: f"{int(n):,}"
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
