"""The search state carried in a URL: query, facet filters, dates, scope, grouping, sort, page.

URLs are permalinks: everything that shapes a result page is a query
parameter (`q`, one repeated parameter per facet such as
`decision=Upheld&citation=...`, `decided_from`, `decided_to`, `injured_from`,
`injured_to`, `scope=letter` when case summaries are searched too,
`group=letter`, `sort`, `page`, `per_page`), so a copied link
reproduces the page exactly. This module is the one place that reads those
parameters and writes them back, for the HTML pages and their JSON twins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import quote_plus

from werkzeug.datastructures import MultiDict

from indexer.query.limits import PAGING
from indexer.query.tree import SCOPES
from indexer.query.types import GROUPS, INDEXED_FACETS, SORTS, SearchRequest
from indexer.search import dates

DEFAULT_PER_PAGE = PAGING.per_page
MAX_PER_PAGE = PAGING.max_per_page
PER_PAGE_CHOICES = PAGING.per_page_choices
# Any page number is accepted: past the last page the search service shows the
# last page with one notice (it knows where the results end; the URL does not).
MAX_PAGE = PAGING.max_page
DATE_PARAMS = ("decided_from", "decided_to", "injured_from", "injured_to")
MAX_VALUE_LENGTH = 500  # a facet value longer than this is not a real value
# Every link on a results page (facet values, chips, pages: about 330) repeats the whole
# state, so page size is links x state size: an unbounded 190 KB query made a 47.7 MB
# page and 2,000 facet values 223 MB in 20-31 s. The state is bounded instead, in
# URL-encoded bytes (non-ASCII costs up to 9 per character): a query of 2 KB, at
# most 20 values per facet and 2 KB of filter values in all. Real queries are under
# 200 characters and a citation key under 120, so that is 10 citations in one facet.
MAX_QUERY_BYTES = 2_048
MAX_VALUES_PER_FACET = 20
MAX_FILTER_BYTES = 2_048
MAX_QUERY_LENGTH = MAX_QUERY_BYTES  # for echoing a query elsewhere (letter page highlights)


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # in FACETS order
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    dates: tuple[tuple[str, str], ...] = ()  # (DATE_PARAMS name, value as typed), in DATE_PARAMS order
    scope: str = SCOPES[0]  # what words match: see indexer.query.tree.SCOPES
    group: str = "passage"  # "letter": results listed by letter
    group_duplicates: bool = True  # fold near-identical rationales (`dups=all` shows each on its own)

    # -- reading -----------------------------------------------------------
    @property
    def filter_map(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.filters}

    def values(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    def is_active(self, facet: str, value: str) -> bool:
        return value in self.values(facet)

    @property
    def active_filters(self) -> list[tuple[str, str]]:
        return [(name, value) for name, values in self.filters for value in values]

    @property
    def is_browse(self) -> bool:
        return not self.q.strip()

    def to_request(self, facet_limit: int = 30) -> SearchRequest:
        return SearchRequest(
            query=self.q,
            filters=self.filter_map,
            sort=self.sort,
            page=self.page,
            per_page=self.per_page,
            facet_limit=facet_limit,
            scope=self.scope,
            group=self.group,
            **dict(self.dates),
            group_duplicates=self.group_duplicates,
        )

    # -- changing (each returns a new state; pages reset where results change) --
    def with_filter(self, facet: str, value: str) -> SearchState:
        current = dict(self.filters)
        values = current.get(facet, ())
        if value not in values:
            current[facet] = values + (value,)
        return replace(self, filters=_ordered(current), page=1)

    def without_filter(self, facet: str, value: str) -> SearchState:
        current = dict(self.filters)
        current[facet] = tuple(v for v in current.get(facet, ()) if v != value)
        return replace(self, filters=_ordered(current), page=1)

    def toggled(self, facet: str, value: str) -> SearchState:
        if self.is_active(facet, value):
            return self.without_filter(facet, value)
        return self.with_filter(facet, value)

    def without_facet(self, facet: str) -> SearchState:
        current = dict(self.filters)
        current.pop(facet, None)
        return replace(self, filters=_ordered(current), page=1)

    def cleared(self) -> SearchState:
        return replace(self, filters=(), dates=(), page=1)

    def without_date(self, name: str) -> SearchState:
        return replace(self, dates=tuple((k, v) for k, v in self.dates if k != name), page=1)

    def with_per_page(self, per_page: int) -> SearchState:
        """Another page size, on the page that holds the first result shown now."""
        first = (self.page - 1) * self.per_page
        return replace(self, per_page=per_page, page=first // per_page + 1)

    def with_page(self, page: int) -> SearchState:
        return replace(self, page=page)

    def with_sort(self, sort: str) -> SearchState:
        return replace(self, sort=sort, page=1)

    def with_grouping(self, on: bool) -> SearchState:
        return replace(self, group_duplicates=on)

    def with_query(self, q: str) -> SearchState:
        return replace(self, q=q, page=1)

    def with_scope(self, scope: str) -> SearchState:
        return replace(self, scope=scope, page=1)

    def with_group(self, group: str) -> SearchState:
        return replace(self, group=group, page=1)

    # -- writing -----------------------------------------------------------
    def params(self) -> MultiDict:
        """URL parameters, omitting defaults so permalinks stay short."""
        out: MultiDict = MultiDict()
        if self.q:
            out.add("q", self.q)
        for name, value in self.active_filters:
            out.add(name, value)
        for name, value in self.dates:
            out.add(name, value)
        if self.scope != SCOPES[0]:
            out.add("scope", self.scope)
        if self.group != GROUPS[0]:
            out.add("group", self.group)
        if self.sort != "relevance":
            out.add("sort", self.sort)
        if self.page != 1:
            out.add("page", str(self.page))
        if self.per_page != DEFAULT_PER_PAGE:
            out.add("per_page", str(self.per_page))
        if not self.group_duplicates:
            out.add("dups", "all")
        return out


@dataclass
class ParsedState:
    state: SearchState
    problems: list[str] = field(default_factory=list)  # parameters that could not be used as given


def _ordered(filters: Mapping[str, Iterable[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(filters[name])) for name in INDEXED_FACETS if filters.get(name))


def _int_param(raw: str | None, name: str, default: int, low: int, high: int, problems: list[str]) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        problems.append(f"“{name}” must be a whole number, not “{raw[:40]}”; using {default}.")
        return default
    if value < low or value > high:
        clamped = min(max(value, low), high)
        problems.append(f"“{name}” must be between {low} and {high}; using {clamped}.")
        return clamped
    return value


def _encoded_size(text: str) -> int:
    return len(quote_plus(text))


def _cut(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` whose URL encoding fits `max_bytes`."""
    lo, hi = 0, min(len(text), max_bytes)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _encoded_size(text[:mid]) <= max_bytes:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip()


def _clean_text(value: str) -> str:
    # Control characters never belong in a query or a facet value.
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n").strip()


def parse_state(args: MultiDict) -> ParsedState:
    """Read a SearchState from request arguments; never raises.

    Unusable values are replaced by defaults and described in `problems`, so
    the HTML page can say what happened and the API can refuse with a 400.
    """
    problems: list[str] = []
    # The query goes to the search service as typed: it reads malformed input
    # as well as it can and says how (the same as `imr search`).
    q = (args.get("q", "") or "").strip()
    if _encoded_size(q) > MAX_QUERY_BYTES:
        q = _cut(q, MAX_QUERY_BYTES)
        problems.append(f"The query was too long; only its first {len(q):,} characters were searched.")

    filters: dict[str, list[str]] = {}
    budget = MAX_FILTER_BYTES
    for name in INDEXED_FACETS:
        seen: list[str] = []
        dropped = too_long = 0
        for raw in args.getlist(name)[:1000]:  # the rest cannot fit the budget anyway
            value = _clean_text(raw[: MAX_VALUE_LENGTH + 1])
            if not value:
                continue
            if len(value) > MAX_VALUE_LENGTH:
                too_long += 1
                continue
            if value in seen:
                continue
            size = _encoded_size(value) + len(name) + 2
            if len(seen) >= MAX_VALUES_PER_FACET or size > budget:
                dropped += 1
                continue
            budget -= size
            seen.append(value)
        dropped += max(0, len(args.getlist(name)) - 1000)
        if too_long:
            problems.append(
                f"A “{name}” filter value was too long and was ignored."
                if too_long == 1
                else f"{too_long:,} “{name}” filter values were too long and were ignored."
            )
        if dropped:
            problems.append(
                f"Too many “{name}” filters: {dropped:,} were ignored "
                f"(at most {MAX_VALUES_PER_FACET} per facet, {MAX_FILTER_BYTES:,} bytes of filters in all)."
            )
        if seen:
            filters[name] = seen

    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        problems.append(f"Unknown sort “{sort[:40]}”; sorting by relevance. Choose one of: {', '.join(SORTS)}.")
        sort = "relevance"

    page = _int_param(args.get("page"), "page", 1, 1, MAX_PAGE, problems)
    per_page = _int_param(args.get("per_page"), "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, problems)
    date_values: list[tuple[str, str]] = []
    for name in DATE_PARAMS:
        raw = _clean_text(args.get(name) or "")[:40]
        if not raw:
            continue
        try:
            dates.bound(raw, end=name.endswith("_to"))
        except dates.DateError as exc:
            problems.append(f"“{name}” ignored: {exc}.")
            continue
        date_values.append((name, raw))
    scope = _choice_param(args.get("scope"), "scope", SCOPES, problems)
    group = _choice_param(args.get("group"), "group", GROUPS, problems)
    dups = (args.get("dups") or "group").strip().lower()
    if dups not in ("group", "all"):
        problems.append(f"“dups” must be group or all, not “{dups[:40]}”; grouping near-identical rationales.")
        dups = "group"
    return ParsedState(
        SearchState(
            q=q,
            filters=_ordered(filters),
            sort=sort,
            page=page,
            per_page=per_page,
            dates=tuple(date_values),
            scope=scope,
            group=group,
            group_duplicates=dups == "group",
        ),
        problems,
    )


def _choice_param(raw: str | None, name: str, allowed: tuple[str, ...], problems: list[str]) -> str:
    value = (raw or "").strip().lower() or allowed[0]
    if value not in allowed:
        problems.append(f"Unknown {name} “{value[:40]}”; using {allowed[0]}. Choose one of: {', '.join(allowed)}.")
        return allowed[0]
    return value
