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
from indexer.query.tree import DEFAULT_SCOPE
from indexer.query.types import Hit, SearchResponse
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
    "reviewer_guidelines",
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
    letters: int = 0  # letters the `total` passages are in
    scope: str = DEFAULT_SCOPE  # as the results page's
    requests_only: bool = False  # the words name requests: only passages whose request holds them are counted
    discussed: int = 0  # passages with the words only in the reasoning, not counted (requests_only)

    @property
    def counted(self) -> str:
        """What the total counts, as the results page says it."""
        what = f"{self.total:,} passage{'' if self.total == 1 else 's'} in {self.letters:,} letter{'' if self.letters == 1 else 's'}"
        if self.requests_only:
            return (
                f"{what} whose request holds the words ({self.discussed:,} more with them only in the "
                "reasoning are not counted or exported)"
            )
        if self.scope == "letter":
            return f"{what} (words matched the case summaries too)"
        return what


def collect(service, state: SearchState, limit: int = EXPORT_LIMIT) -> ExportResult:
    hits: list[Hit] = []
    total, outcome = 0, None
    first: SearchResponse | None = None
    page = 1
    while len(hits) < limit:
        response = service.search(replace(state, page=page, per_page=PAGE).to_request(facet_limit=5))
        if outcome is None:
            first = response
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
    result = ExportResult(total, hits, passages, outcome or OutcomeSplit(0, 0, 0, 0), datetime.now(UTC))
    if first is not None:
        result.letters, result.scope = first.total_letters, first.scope
        result.requests_only, result.discussed = first.requests_only, first.discussed_total
    return result


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


def _reviewer_guidelines(hit: Hit) -> str:
    """The guidelines the IMR reviewer cited (what precedent rests on), apart from the claims administrator's."""
    return _guidelines(replace(hit, citations=[c for c in hit.citations if c.cited_by != "claims_administrator"]))


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
            "reviewer_guidelines": _reviewer_guidelines(h),
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
                f"# {len(result.hits)} of {result.counted}, exported "
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
            "scope": result.scope,
            "url": permalink,
            "description": describe_search(state),
        },
        "exported_at": result.exported_at.isoformat(timespec="seconds"),
        "total": result.total,
        "total_letters": result.letters,
        "requests_only": result.requests_only,
        "discussed_total": result.discussed,
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
        f"of {md_escape(result.counted)}, in the order shown._",
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
