"""Query latency: the full search call against the bare engine, per engine.

Every timed full search starts with the service's caches emptied (parsed
queries, facet counts), so it costs what a query never seen before costs; the
same request repeated at once is timed too ("warm"), to show what the caches
save for paging and repeat visits.

For every query of the fixed mix (benchmarks/queries.py) three things are
timed, interleaved round by round so machine noise hits them alike:

- full: `SearchService.search(SearchRequest(q, filters, per_page=20))`, i.e.
  parse + engine search + exact counts of every facet + highlights + hits;
- engine: the engine's own top-20 search for the already-parsed tree (the
  "bare engine query");
- engine+facets: that plus the engine's facet counting for all facets, to
  split the application's overhead into engine work and Python work.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.measure import percentiles
from benchmarks.queries import QUERIES


def open_service(index_dir: Path, engine: str):
    from indexer.search.service import SearchService

    return SearchService.open(index_dir, engine)


def service_engine(service):
    """The engine object the service searches with (the bare-engine path)."""
    for holder in (service, getattr(service, "_gen", None)):
        for name in ("engine", "_engine"):
            eng = getattr(holder, name, None)
            if eng is not None and hasattr(eng, "search") and hasattr(eng, "facet_counts"):
                return eng
    raise RuntimeError("SearchService exposes no engine attribute to benchmark the bare engine query")


def reset_caches(service) -> list[str]:
    """Empty the service's result caches, so a timed call does the work a new query does.

    Returns the names of the caches found (the report lists them)."""
    cleared = []
    from indexer.search import service as service_module

    parse = getattr(service_module, "_parse", None)
    if parse is not None and hasattr(parse, "cache_clear"):
        parse.cache_clear()
        cleared.append("query parse cache")
    from indexer.search import highlight

    if hasattr(highlight, "clear_caches"):
        highlight.clear_caches()
        cleared.append("highlight rules cache")
    gen = getattr(service, "_gen", None)
    engine = getattr(gen, "engine", None)
    if hasattr(engine, "clear_caches"):
        engine.clear_caches()
        cleared.append("compiled query cache")
    for holder in (service, gen):
        for name, value in list(vars(holder).items()) if holder is not None else []:
            if "cache" in name and hasattr(value, "clear") and not hasattr(value, "acquire"):
                lock = getattr(holder, "cache_lock", None)
                if lock is not None:
                    with lock:
                        value.clear()
                else:
                    value.clear()
                cleared.append(name.replace("_", " ").strip())
    return cleared


def run_queries(index_dir: Path, engine: str, rounds: int, warmup: int = 1) -> dict:
    from indexer.query.types import FACETS, SearchRequest
    from indexer.search.parser import parse_query

    service = open_service(index_dir, engine)
    eng = service_engine(service)
    parsed = [parse_query(q.q).tree for q in QUERIES]
    requests = [
        SearchRequest(query=q.q, filters={k: list(v) for k, v in q.filters.items()}, per_page=20) for q in QUERIES
    ]
    full: list[list[float]] = [[] for _ in QUERIES]
    warm: list[list[float]] = [[] for _ in QUERIES]
    cleared: list[str] = []
    bare: list[list[float]] = [[] for _ in QUERIES]
    withf: list[list[float]] = [[] for _ in QUERIES]
    totals: list[int] = [0] * len(QUERIES)
    errors: list[str] = []
    perf = time.perf_counter
    for rnd in range(warmup + rounds):
        for i, q in enumerate(QUERIES):
            try:
                cleared = reset_caches(service)
                t0 = perf()
                resp = service.search(requests[i])
                t1 = perf()
                service.search(requests[i])  # the same query again: what the caches save
                tw = perf() - t1
                t1 = perf()
                eng.search(parsed[i], requests[i].filters, "relevance", 0, 20)
                t2 = perf()
                eng.search(parsed[i], requests[i].filters, "relevance", 0, 20)
                eng.facet_counts(parsed[i], requests[i].filters, FACETS)
                t3 = perf()
            except Exception as exc:  # noqa: BLE001 - report, do not hide
                errors.append(f"{q.q!r}: {type(exc).__name__}: {exc}")
                continue
            totals[i] = resp.total
            if rnd >= warmup:
                full[i].append(t1 - t0)
                warm[i].append(tw)
                bare[i].append(t2 - t1)
                withf[i].append(t3 - t2)
    close = getattr(service, "close", None)
    if close:
        close()
    flat = lambda xs: [s for per in xs for s in per]  # noqa: E731
    per_query = [
        {
            "q": q.q,
            "filters": q.filters,
            "kind": q.kind,
            "total": totals[i],
            "full_p50_ms": percentiles(full[i])["p50"],
            "engine_p50_ms": percentiles(bare[i])["p50"],
            "engine_facets_p50_ms": percentiles(withf[i])["p50"],
        }
        for i, q in enumerate(QUERIES)
    ]
    f, b, w = percentiles(flat(full)), percentiles(flat(bare)), percentiles(flat(withf))
    return {
        "engine": engine,
        "queries": len(QUERIES),
        "rounds": rounds,
        "full": f,
        "engine_only": b,
        "engine_with_facets": w,
        "full_warm": percentiles(flat(warm)),
        "caches_cleared_before_each_call": sorted(set(cleared)),
        "overhead_vs_bare_p50": round(f["p50"] / b["p50"], 2) if b["p50"] else None,
        "overhead_vs_engine_facets_p50": round(f["p50"] / w["p50"], 2) if w["p50"] else None,
        "per_query": per_query,
        "errors": sorted(set(errors))[:20],
    }
