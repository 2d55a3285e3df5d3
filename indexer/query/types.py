"""Search request/response types: the contract between the search service, the
CLI (`imr search --json`) and the web app (`/api/search` returns `to_json()`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.query.facets import REGISTRY, of_kind
from indexer.query.limits import PAGING
from indexer.query.tree import DEFAULT_SCOPE

# Facet names, exactly as users type them in `facet:value` and URL parameters
# (the registry, indexer.query.facets, says what each one is).
FACETS = tuple(f.name for f in REGISTRY.values() if f.counted)
SORTS = ("relevance", "decision_date", "decision_date_asc", "injury_date", "injury_date_asc")
# Facets indexed and filterable but never counted for the sidebar: the near-duplicate
# group of a passage's rationale (see indexer.index.neardup) has ~one value per passage.
GROUP_FACET = "rationale_group"
HIDDEN_FACETS = tuple(f.name for f in REGISTRY.values() if not f.counted)
INDEXED_FACETS = FACETS + HIDDEN_FACETS
# Facets whose values are citation keys: a value also stands for every key below
# it (`ODG | Low Back` takes in `ODG | Low Back | Lumbar supports`).
CITATION_FACETS = of_kind("citation")
GROUPS = ("passage", "letter")  # results listed one per passage, or one per letter with its passages


@dataclass
class SearchRequest:
    query: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> values (OR within, AND across)
    sort: str = "relevance"
    page: int = 1  # 1-based
    per_page: int = PAGING.per_page
    facet_limit: int = PAGING.facet_values  # values per facet returned (counts are always exact)
    scope: str = DEFAULT_SCOPE  # what unrestricted words match: see tree.SCOPES
    group: str = "passage"  # "letter": a page lists letters, each with its matching passages
    # dates, ISO (2016, 2016-01 or 2016-01-31), inclusive; as `decided:` / `injured:` in the query
    decided_from: str | None = None
    decided_to: str | None = None
    injured_from: str | None = None
    injured_to: str | None = None
    group_duplicates: bool = True  # fold near-identical rationales on the page under the first


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class HitCitation:
    key: str
    source: str
    chapter: str | None
    topic: str | None
    pages: str | None
    cited_by: str
    raw: str
    matched: bool  # the query (text or citation filter) matched this citation
    edition: str | None = None  # the guideline edition the letter names ("2016"), not part of `key`


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of a field's text; `marked`: the query matched it (the web marks it,
    the command line stars it; the text itself is plain, never HTML)."""

    text: str
    marked: bool = False


# A highlight: a field's text (whole, or a window of it with " …" where it is cut) as runs.
Fragment = list[Run]


@dataclass
class Hit:
    passage_id: str
    letter_id: str
    ordinal: int
    item: str
    decision: str | None
    score: float
    citations: list[HitCitation]
    highlights: dict[str, list[Fragment]]  # field -> its best fragments, matches marked
    treatment: str | None = None
    body_region: str | None = None
    specialties: list[str] = field(default_factory=list)
    licensure: list[str] = field(default_factory=list)
    date_of_injury: str | None = None
    decision_date: str | None = None
    unparsed: bool = False
    item_context: str = ""  # a partly authorised request's authorisation sentences
    # Who based what on the MTUS: the IMR reviewer (`mtus_based`, the facet) and the claims administrator.
    mtus_based: bool | None = None
    claims_administrator_mtus_based: bool | None = None
    # near-identical rationales (indexer.index.neardup): the passage's group, how many
    # of the search's matches are in it (this one included) and their decisions, and,
    # for a hit folded under an earlier hit of the same group on this page, that hit's id
    group: str | None = None
    group_matches: int = 0
    group_upheld: int = 0
    group_overturned: int = 0
    folded_under: str | None = None
    case_number: str | None = None


@dataclass
class LetterGroup:
    """One letter of a grouped result page, with its matching passages in rank order."""

    letter_id: str
    case_number: str | None
    decision_date: str | None
    hits: list[Hit]


@dataclass
class SearchResponse:
    query: str
    parsed: str  # the query tree as it was read, in query-language syntax
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    messages: list[str] = field(default_factory=list)  # how a malformed query was read
    matched_citations: list[str] = field(default_factory=list)  # citation keys the query reads as
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PAGING.per_page
    total_letters: int = 0  # distinct letters of the `total` passages
    scope: str = DEFAULT_SCOPE
    group: str = "passage"
    letters: list[LetterGroup] = field(default_factory=list)  # group == "letter": this page's letters
    citation_counts: dict[str, int] = field(default_factory=dict)  # passages citing each citation the words read as
    # the last page of a relevance-ordered search of several words goes on with
    # passages that have all but one of them (search/partial.py): counted apart
    # from `total`, and in no facet or outcome figure
    # scope "request" and the words name requests (indexer/search/focus.py): `total`
    # and every figure count the passages whose request matches; `discussed_total`
    # more rationales discuss the words for another request, listed (first
    # `discussed`) after the last counted result, counted in no figure
    requests_only: bool = False
    discussed: list[Hit] = field(default_factory=list)
    discussed_total: int = 0
    closer_matches: list[Hit] = field(default_factory=list)
    closer_total: int = 0  # passages with all words but one (not counted in `total`)
    closer_need: int = 0  # how many of the query's words each closer match has
    # a corrected query when a word looks misspelt, and how many passages it finds
    did_you_mean: str | None = None
    did_you_mean_total: int = 0
    letter_id: str | None = None  # the query is exactly this letter's case number: offer to open it
    dates: dict[str, str] = field(default_factory=dict)  # decided_from ... as applied (ISO dates)
    last_page: int = 1  # the last page holding results (1 when there are none)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DecisionCounts:
    """Upheld/overturned counts of a search's matches: `overall` ({"upheld", "overturned"})
    and `by[facet][value]` (the same per facet value; a passage with several values
    of a facet counts under each)."""

    overall: dict[str, int]
    by: dict[str, dict[str, dict[str, int]]]
    filters: dict[str, list[str]] = field(default_factory=dict)  # the filters counted under
    messages: list[str] = field(default_factory=list)
    scope: str = DEFAULT_SCOPE  # the scope counted in (as the results page's)
    requests_only: bool = False  # the words name requests: only passages whose request matches are counted
    letters: int = 0  # distinct letters of the decided passages counted overall
