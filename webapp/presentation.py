"""Words and numbers for people: facet labels, decision explanations, the
outcome split. Shared by the HTML pages (as Jinja globals/filters) and, where
it is data rather than wording, by their JSON twins."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from indexer.model import CitationKey
from indexer.query import facets
from indexer.query.types import FacetValue

# facet wording from the facet registry (indexer.query.facets)
FACET_LABELS: dict[str, str] = {f.name: f.label for f in facets.REGISTRY.values()}
FACET_HELP: dict[str, str] = {f.name: f.help for f in facets.REGISTRY.values() if f.help}

DECISION_HELP: dict[str, str] = {
    "Upheld": "Upheld: the denial stands; the reviewer found the treatment not medically necessary.",
    "Overturned": "Overturned: the denial was reversed; the reviewer found the treatment medically necessary.",
}

SORT_LABELS: dict[str, str] = {
    "relevance": "Relevance",
    "decision_date": "Decided, newest first",
    "decision_date_asc": "Decided, oldest first",
    "injury_date": "Injured, newest first",
    "injury_date_asc": "Injured, oldest first",
}

FIELD_LABELS: dict[str, str] = {
    "item": "Item",
    "rationale": "Decision rationale",
    "claims_administrator_guideline": "Claims administrator guideline",
    "reviewer_guideline": "Reviewer guideline",
    "summary": "Case summary",
}

# Order in which a hit's highlighted fragments are shown (the rationale is what users came for).
FRAGMENT_ORDER = ("rationale", "reviewer_guideline", "claims_administrator_guideline", "summary")

_BOOL_LABELS = {"true": "Yes", "false": "No", "1": "Yes", "0": "No"}


def facet_label(name: str) -> str:
    return FACET_LABELS.get(name, name.replace("_", " ").capitalize())


def facet_value_label(name: str, value: Any) -> str:
    text = str(value)
    facet = facets.REGISTRY.get(name)
    if facet is not None and facet.kind == "boolean":
        return _BOOL_LABELS.get(text.lower(), text)
    if facet is not None and facet.kind == "citation":
        return citation_label(text)
    return text


def citation_parts(key: str) -> list[str]:
    return list(CitationKey.parse(key).parts)


def citation_label(key: str) -> str:
    """`ODG | Neck and Upper Back | Facet joint diagnostic blocks` -> `ODG › Neck … › Facet …`."""
    return " › ".join(citation_parts(key)) or str(key)


def format_date(iso: str | None) -> str:
    """`2015-03-12` -> `12 Mar 2015`; anything unparseable is shown as given."""
    if not iso:
        return ""
    try:
        return date.fromisoformat(str(iso)[:10]).strftime("%-d %b %Y")
    except ValueError:
        return str(iso)


@dataclass
class OutcomeSplit:
    """How the requests in a result set fared: the first thing an attorney asks."""

    upheld: int
    overturned: int
    undecided: int  # passages without a decision (letters that could not be parsed)
    total: int

    @property
    def decided(self) -> int:
        return self.upheld + self.overturned

    def percent(self, part: int) -> float:
        return round(100.0 * part / self.decided, 1) if self.decided else 0.0

    @property
    def upheld_pct(self) -> float:
        return self.percent(self.upheld)

    @property
    def overturned_pct(self) -> float:
        return round(100.0 - self.upheld_pct, 1) if self.decided else 0.0

    @property
    def upheld_ci(self) -> tuple[float, float] | None:
        """Wilson 95% interval of the upheld share, in percent (small samples only)."""
        return rate_interval(self.upheld, self.decided)

    @property
    def overturned_ci(self) -> tuple[float, float] | None:
        return rate_interval(self.overturned, self.decided)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["upheld_pct"] = self.upheld_pct
        d["overturned_pct"] = self.overturned_pct
        d["upheld_ci95"] = list(self.upheld_ci) if self.upheld_ci else None
        d["overturned_ci95"] = list(self.overturned_ci) if self.overturned_ci else None
        return d


# Rates from fewer decided passages than this carry their 95% interval: "8 of 10
# overturned" is not "80% overturned" in the way 800 of 1,000 is.
INTERVAL_BELOW = 1_000
Z95 = 1.959964


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials, as proportions.

    Chosen over the normal approximation because it stays inside [0, 1] and is
    honest at the small counts and extreme rates precedent searches produce."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def rate_interval(k: int, n: int) -> tuple[float, float] | None:
    """The Wilson 95% interval in percent (one decimal) when n is small enough to need it."""
    if n <= 0 or n >= INTERVAL_BELOW:
        return None
    lo, hi = wilson_interval(k, n)
    return (round(100 * lo, 1), round(100 * hi, 1))


def outcome_split(
    total: int, decision_facet: Iterable[FacetValue], decision_filter: Iterable[str] = ()
) -> OutcomeSplit:
    """The split of the whole result set (not the page), from the decision facet.

    Facet counts of a multi-select facet ignore that facet's own filter, so
    when the user filtered by decision only the selected values belong to the
    result set.
    """
    selected = {v.lower() for v in decision_filter}
    counts = {str(fv.value).lower(): int(fv.count) for fv in decision_facet}
    if selected:
        counts = {k: v for k, v in counts.items() if k in selected}
    upheld = counts.get("upheld", 0)
    overturned = counts.get("overturned", 0)
    return OutcomeSplit(
        upheld=upheld, overturned=overturned, undecided=max(total - upheld - overturned, 0), total=total
    )


# Month abbreviations as legal citation style writes them ("Sept.", "June").
_CITE_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def cite_date(iso: str | None) -> str:
    """`2016-12-09` -> `Dec. 9, 2016`; anything unparseable is returned as given."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{_CITE_MONTHS[d.month - 1]} {d.day}, {d.year}"


def citation_line(
    case_number: str | None,
    decision_date: str | None,
    ordinal: int | None,
    item: str | None,
    decision: str | None,
    letter_id: str = "",
) -> str:
    """One passage's citation, always in one format:
    `IMR CM16-0213037 (Dec. 9, 2016), item 2: MRI of the cervical spine - Upheld`.
    The letter id stands in for a missing case number; missing parts are left out."""
    line = f"IMR {' '.join((case_number or letter_id or 'letter').split())}"
    when = cite_date(decision_date)
    if when:
        line += f" ({when})"
    if ordinal:
        line += f", item {ordinal}"
    item = " ".join((item or "").split())
    if item:
        line += f": {item}"
    if decision:
        line += f" - {decision}"
    return line


def outcome_of(decisions: Iterable[str | None]) -> OutcomeSplit:
    """The outcome split of a list of passages' decisions (a digest, an export)."""
    values = [str(d or "").lower() for d in decisions]
    upheld, overturned = values.count("upheld"), values.count("overturned")
    return OutcomeSplit(upheld, overturned, len(values) - upheld - overturned, len(values))
