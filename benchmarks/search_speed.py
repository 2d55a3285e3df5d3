"""Search latency on one index: the full SearchService call against the bare engine.

    python -m benchmarks.search_speed --index DIR [--engine tantivy] [--rounds 5] [--json OUT]
    python -m benchmarks.search_speed --index DIR --compare-src /path/to/other/checkout

Runs the fixed query mix (benchmarks/queries.py: keywords, phrases, citations,
proximity, prefix, abbreviations, browse, with 0-3 facet filters), interleaved
round by round, and times for each query:

- full_cold: `SearchService.search` (top 20 + every facet's exact counts +
  highlights + hits) with the service's per-generation caches emptied first,
  i.e. a query nobody asked before (the honest figure for a goal);
- full_warm: the same call again (what paging and the back button cost);
- engine: the engine's own top-20 search for the already-parsed tree;
- engine_facets: that plus the engine's counts of every facet.

Medians and p95 are in milliseconds. `--compare-src` runs the same measurement
under another source tree (e.g. a `git worktree` of the previous commit) in
alternating subprocesses, so the two are compared side by side under the same
machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _pct(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000.0 for s in samples)
    if not ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0}
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {"n": len(ms), "p50": round(q[49], 2), "p95": round(q[94], 2), "max": round(ms[-1], 2)}


def _clear_caches(service) -> None:
    gen = getattr(service, "_gen", None)
    for holder in (gen, service):
        for name in ("facet_cache", "_facet_cache", "browse_cache"):
            cache = getattr(holder, name, None)
            if cache is not None and hasattr(cache, "clear"):
                cache.clear()
    engine = getattr(gen, "engine", None)
    if engine is not None and hasattr(engine, "clear_caches"):
        engine.clear_caches()


def measure(index: str, engine_name: str, rounds: int, warmup: int = 1) -> dict:
    from benchmarks.queries import QUERIES
    from indexer.query.types import FACETS, SearchRequest
    from indexer.search.parser import parse_query
    from indexer.search.service import SearchService

    service = SearchService.open(index, engine_name)
    eng = service._gen.engine
    trees = [parse_query(q.q).tree for q in QUERIES]
    reqs = [SearchRequest(query=q.q, filters={k: list(v) for k, v in q.filters.items()}, per_page=20) for q in QUERIES]
    keys = ("full_cold", "full_warm", "engine", "engine_facets")
    samples: dict[str, list[list[float]]] = {k: [[] for _ in QUERIES] for k in keys}
    totals = [0] * len(QUERIES)
    perf = time.perf_counter
    for rnd in range(warmup + rounds):
        for i in range(len(QUERIES)):
            _clear_caches(service)
            t0 = perf()
            resp = service.search(reqs[i])
            t1 = perf()
            service.search(reqs[i])
            t2 = perf()
            eng.search(trees[i], reqs[i].filters, "relevance", 0, 20)
            t3 = perf()
            eng.search(trees[i], reqs[i].filters, "relevance", 0, 20)
            eng.facet_counts(trees[i], reqs[i].filters, FACETS)
            t4 = perf()
            totals[i] = resp.total
            if rnd >= warmup:
                for k, dt in zip(keys, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    samples[k][i].append(dt)
    passages = service.stats()["passages"]
    service.close()
    flat = {k: [s for per in v for s in per] for k, v in samples.items()}
    out = {k: _pct(v) for k, v in flat.items()}
    out["ratio_full_cold_vs_engine_facets_p50"] = round(out["full_cold"]["p50"] / out["engine_facets"]["p50"], 2)
    out["ratio_full_cold_vs_engine_p50"] = round(out["full_cold"]["p50"] / out["engine"]["p50"], 2)
    out["passages"] = passages
    out["per_query"] = [
        {"q": q.q, "filters": q.filters, "total": totals[i], **{k + "_p50": _pct(samples[k][i])["p50"] for k in keys}}
        for i, q in enumerate(QUERIES)
    ]
    return out


def _child(src: str, args) -> dict:
    env = dict(os.environ, PYTHONPATH=src)
    index = str(Path(args.index).resolve())
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.search_speed",
        "--index",
        index,
        "--engine",
        args.engine,
        "--rounds",
        str(args.rounds),
        "--raw",
    ]
    res = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, help="index directory (as given to imr index --index)")
    ap.add_argument("--engine", default="tantivy")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", help="write the full results here")
    ap.add_argument("--compare-src", help="another source tree to measure side by side (alternating runs)")
    ap.add_argument("--repeats", type=int, default=2, help="alternations with --compare-src")
    ap.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.raw:
        print(json.dumps(measure(args.index, args.engine, args.rounds)))
        return 0
    here = str(Path(__file__).resolve().parents[1])
    if args.compare_src:
        from benchmarks.measure import alternate  # here, not at the top: children may run another tree

        result = alternate(args.compare_src, here, args.repeats, lambda src: _child(src, args), _merge)
    else:
        result = {"this": measure(args.index, args.engine, args.rounds)}
    for name, r in result.items():
        print(f"[{name}] passages={r['passages']:,}  (ms)          p50      p95")
        for k in ("full_cold", "full_warm", "engine", "engine_facets"):
            print(f"  {k:<14} {r[k]['p50']:>10.2f} {r[k]['p95']:>8.2f}")
        print(
            f"  full_cold / engine_facets (p50): {r['ratio_full_cold_vs_engine_facets_p50']}"
            f"   full_cold / engine (p50): {r['ratio_full_cold_vs_engine_p50']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


def _merge(runs: list[dict]) -> dict:
    """Medians across alternating runs, per statistic."""
    out = dict(runs[0])
    for k in ("full_cold", "full_warm", "engine", "engine_facets"):
        out[k] = {s: round(statistics.median(r[k][s] for r in runs), 2) for s in ("p50", "p95")}
    out["ratio_full_cold_vs_engine_facets_p50"] = round(out["full_cold"]["p50"] / out["engine_facets"]["p50"], 2)
    out["ratio_full_cold_vs_engine_p50"] = round(out["full_cold"]["p50"] / out["engine"]["p50"], 2)
    return out


if __name__ == "__main__":
    sys.exit(main())
