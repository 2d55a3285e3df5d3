"""Whole-result exports: the passages a search finds (up to EXPORT_LIMIT, in the
order the results page shows them) as CSV, Markdown for a brief, or JSON, each
headed by the search and the date.

Markdown is escaped like the bookmark export (letter text can never become
emphasis, links or HTML), and CSV cells that a spreadsheet would run as a
formula are defused.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from indexer.model import Passage
from indexer.query.types import Hit
from webapp.bookmarks.export import DECISION_WORDS, _cell, _date, citation_text, md_escape, md_quote
from webapp.presentation import OutcomeSplit, citation_line, facet_label, outcome_of, outcome_split
from webapp.search.state import SearchState
from webapp.urls import passage_url

EXPORT_LIMIT = 1_000
PAGE = 100  # the service's largest page
EXPORT_FORMATS = {
    "csv": "text/csv",
    "md": "text/markdown",
    "json": "application/json",
}
EXPORT_FORMAT = "imr-search-export"
EXPORT_VERSION = 1
CSV_COLUMNS = (
    "rank",
    "citation",
    "case_number",
    "letter_id",
    "passage_id",
    "item_number",
    "item",
    "decision",
    "decision_date",
    "date_of_injury",
    "treatment",
    "body_region",
    "reviewer_specialties",
    "guidelines",
    "rationale",
    "url",
)


@dataclass
class ExportResult:
    total: int  # passages the search matches
    hits: list[Hit]  # the first `limit` of them, in order
    passages: dict[str, Passage | None]  # full text of each exported passage
    outcome: OutcomeSplit  # of the whole result set
    exported_at: datetime


def collect(service, state: SearchState, limit: int = EXPORT_LIMIT) -> ExportResult:
    hits: list[Hit] = []
    total, outcome = 0, None
    page = 1
    while len(hits) < limit:
        response = service.search(replace(state, page=page, per_page=PAGE).to_request(facet_limit=5))
        if outcome is None:
            total = response.total
            outcome = outcome_split(
                response.total, response.facets.get("decision", []), state.filter_map.get("decision", [])
            )
        hits.extend(response.hits)
        if len(response.hits) < PAGE or page * PAGE >= total:
            break
        page += 1
    hits = hits[:limit]
    passages = {h.passage_id: service.get_passage(h.passage_id) for h in hits}
    return ExportResult(total, hits, passages, outcome or OutcomeSplit(0, 0, 0, 0), datetime.now(UTC))


def describe_search(state: SearchState) -> str:
    parts = [f"“{state.q}”" if state.q else "all passages"]
    for facet, values in state.filters:
        parts.append(f"{facet_label(facet)}: {', '.join(values)}")
    for name, value in state.dates:
        parts.append(f"{name.replace('_', ' ')} {value}")
    if state.sort != "relevance":
        parts.append(f"sorted by {state.sort.replace('_', ' ')}")
    return "; ".join(parts)


def _guidelines(hit: Hit) -> str:
    cited = (citation_text(c.key) + (f" (p. {c.pages})" if c.pages else "") for c in hit.citations)
    return "; ".join(dict.fromkeys(cited))  # each distinct citation once, in first-cited order


def _line(hit: Hit) -> str:
    return citation_line(hit.case_number, hit.decision_date, hit.ordinal, hit.item, hit.decision, hit.letter_id)


def _rationale(result: ExportResult, hit: Hit) -> str:
    passage = result.passages.get(hit.passage_id)
    return passage.rationale if passage is not None else ""


def _url(root: str, hit: Hit) -> str:
    return root + passage_url(hit.letter_id, hit.ordinal)


def to_rows(result: ExportResult, root: str) -> list[dict[str, Any]]:
    return [
        {
            "rank": n,
            "citation": _line(h),
            "case_number": h.case_number,
            "letter_id": h.letter_id,
            "passage_id": h.passage_id,
            "item_number": h.ordinal,
            "item": h.item,
            "decision": h.decision,
            "decision_date": h.decision_date,
            "date_of_injury": h.date_of_injury,
            "treatment": h.treatment,
            "body_region": h.body_region,
            "reviewer_specialties": "; ".join(h.specialties),
            "guidelines": _guidelines(h),
            "rationale": _rationale(result, h),
            "url": _url(root, h),
        }
        for n, h in enumerate(result.hits, 1)
    ]


def to_csv(result: ExportResult, state: SearchState, permalink: str, root: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    # the header: what was searched and when, as comment rows a reader skips ("#")
    writer.writerow([_cell(f"# IMR Precedent Search export: {describe_search(state)}")])
    writer.writerow(
        [
            _cell(
                f"# {len(result.hits)} of {result.total} passages, exported "
                f"{result.exported_at:%Y-%m-%d %H:%M} UTC; search: {permalink}"
            )
        ]
    )
    dict_writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    dict_writer.writeheader()
    for row in to_rows(result, root):
        dict_writer.writerow({k: _cell(v) for k, v in row.items()})
    return "\ufeff" + buf.getvalue()  # BOM: spreadsheets then read UTF-8 correctly


def to_json(result: ExportResult, state: SearchState, permalink: str, root: str) -> str:
    data = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "search": {
            "q": state.q,
            "filters": state.filter_map,
            "dates": dict(state.dates),
            "sort": state.sort,
            "url": permalink,
            "description": describe_search(state),
        },
        "exported_at": result.exported_at.isoformat(timespec="seconds"),
        "total": result.total,
        "count": len(result.hits),
        "outcome": result.outcome.to_json(),
        "passages": [
            dict(row, citations=[{"key": c.key, "pages": c.pages, "cited_by": c.cited_by} for c in h.citations])
            for row, h in zip(to_rows(result, root), result.hits, strict=True)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def to_markdown(result: ExportResult, state: SearchState, permalink: str, root: str) -> str:
    o = result.outcome
    out = [
        f"# IMR precedents: {md_escape(describe_search(state))}",
        "",
        f"_Exported {result.exported_at:%-d %b %Y} from IMR Precedent Search: the first {len(result.hits)} "
        f"of {result.total:,} passages, in the order shown._",
        "",
        f"Search: <{permalink}>",
        "",
        f"Outcome of all {o.total:,}: Upheld {o.upheld:,} ({o.upheld_pct:g}%), "
        f"Overturned {o.overturned:,} ({o.overturned_pct:g}%)"
        + (f", no decision {o.undecided:,}" if o.undecided else "")
        + ".",
        "",
    ]
    if len(result.hits) < result.total:
        shown = outcome_of(h.decision for h in result.hits)
        out += [f"Of the {len(result.hits)} below: Upheld {shown.upheld}, Overturned {shown.overturned}.", ""]
    for n, h in enumerate(result.hits, 1):
        out += [
            f"## {n}. {md_escape(h.item or '(untitled passage)')}",
            "",
            f"- **Cite as:** {md_escape(_line(h))}",
            f"- **Decision:** {DECISION_WORDS.get(h.decision or '', md_escape(h.decision or 'not stated'))}",
        ]
        ref = f"Case {md_escape(h.case_number)}" if h.case_number else "Case number not stated"
        out.append(f"- **Letter:** {ref} (`{h.letter_id}`), item {h.ordinal}")
        dates = [
            f"{label} {_date(v)}" for label, v in (("decided", h.decision_date), ("injury", h.date_of_injury)) if v
        ]
        if dates:
            out.append(f"- **Dates:** {'; '.join(dates)}")
        if h.specialties:
            out.append(f"- **Reviewer:** {md_escape(', '.join(h.specialties))}")
        if h.citations:
            out.append(f"- **Guidelines cited:** {md_escape(_guidelines(h))}")
        out += [f"- **Permalink:** <{_url(root, h)}>", ""]
        rationale = _rationale(result, h)
        if rationale.strip():
            out += ["**Decision rationale:**", "", md_quote(rationale), ""]
        out += ["---", ""]
    return "\n".join(out).rstrip() + "\n"


RENDERERS = {"csv": to_csv, "md": to_markdown, "json": to_json}


def render_export(
    fmt: str, result: ExportResult, state: SearchState, permalink: str, root: str
) -> tuple[str, str, str]:
    """(text, mimetype, filename)."""
    text = RENDERERS[fmt](result, state, permalink, root)
    stamp = result.exported_at.strftime("%Y-%m-%d")
    return text, EXPORT_FORMATS[fmt] + "; charset=utf-8", f"imr-search-{stamp}.{fmt}"
