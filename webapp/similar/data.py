"""Similar rationales and the cite-check, as the pages and the API show them.

Nothing here keeps pasted text: it is analysed in memory for one request and
dropped (no log line, no store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.passages.citations import extract_citations
from indexer.query.types import Hit, SearchRequest
from indexer.search.similar import MAX_TEXT_CHARS

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
# how reviewers fared when *they* relied on the guideline (the citator's default too)
CITE_FACET = "reviewer_citation"


class TextTooLong(ValueError):
    pass


@dataclass
class CiteCheck:
    key: str
    raw: str
    n: int
    upheld: int
    overturned: int

    @property
    def overturn_rate(self) -> float | None:
        return round(self.overturned / self.n, 4) if self.n else None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "raw": self.raw,
            "n": self.n,
            "upheld": self.upheld,
            "overturned": self.overturned,
            "overturn_rate": self.overturn_rate,
            "counted_by": CITE_FACET,
        }


@dataclass
class Similar:
    hits: list[Hit]
    upheld: int
    overturned: int
    query: str  # the similarity query in the query language ("" when nothing distinctive)
    terms: list[str] = field(default_factory=list)
    citations: list[CiteCheck] | None = None  # pasted text only

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        out: dict[str, Any] = {
            "hits": [asdict(h) for h in self.hits],
            "split": {"upheld": self.upheld, "overturned": self.overturned},
            "query": self.query,
            "terms": self.terms,
        }
        if self.citations is not None:
            out["citations"] = [c.to_json() for c in self.citations]
        return out


def clamp_limit(raw: Any) -> int:
    try:
        n = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT
    return max(1, min(MAX_LIMIT, n))


def _similar(service: Any, text: str, exclude: str | None, limit: int) -> Similar:
    found = service.similar(text, exclude=exclude, limit=limit)
    decided = [h.decision for h in found.hits]
    return Similar(
        hits=found.hits,
        upheld=decided.count("Upheld"),
        overturned=decided.count("Overturned"),
        query=found.query,
        terms=[t.word for t in found.terms],
    )


def similar_to_passage(service: Any, passage_id: str, limit: int = DEFAULT_LIMIT) -> Similar | None:
    """None when there is no such passage."""
    passage = service.get_passage(passage_id)
    if passage is None:
        return None
    return _similar(service, passage.rationale or passage.item or "", passage.passage_id, limit)


def similar_to_text(service: Any, text: str, limit: int = DEFAULT_LIMIT) -> Similar:
    if len(text) > MAX_TEXT_CHARS:
        raise TextTooLong(
            f"The text is {len(text):,} characters; paste at most {MAX_TEXT_CHARS:,} "
            "(the denial's rationale and guideline paragraphs are what matter)."
        )
    result = _similar(service, text, None, limit)
    result.citations = cite_check(service, text)
    return result


def cite_check(service: Any, text: str) -> list[CiteCheck]:
    """Every guideline citation the parser recognises in `text`, canonicalised, with
    how reviewers fared when they relied on it (exact counts over the whole index)."""
    out = []
    for key, raw in recognised_citations(text).items():
        counts = service.decision_counts(SearchRequest(filters={CITE_FACET: [key]}), [], letters=False)
        upheld, overturned = counts.overall.get("upheld", 0), counts.overall.get("overturned", 0)
        out.append(CiteCheck(key=key, raw=raw, n=upheld + overturned, upheld=upheld, overturned=overturned))
    return out


def recognised_citations(text: str) -> dict[str, str]:
    """Canonical key -> the wording first used, for every citation in `text`.

    The parser's guideline-paragraph reading knows every citation form; its prose
    reading adds guidelines named in running text ("per the ODG, ...")."""
    found: dict[str, str] = {}
    for cited_by in ("claims_administrator", "rationale"):
        for c in sorted(extract_citations(text, "pasted", cited_by), key=lambda c: c.start or 0):
            found.setdefault(c.key, c.raw)
    return found
