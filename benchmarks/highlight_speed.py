"""Hit building per search: highlights and the letter-store read, timed apart from the engine.

    python -m benchmarks.highlight_speed --index DIR [--engine tantivy] [--rounds 5]
    python -m benchmarks.highlight_speed --index DIR --compare-src /path/to/other/checkout [--repeats 3]

For each query of the fixed mix (benchmarks/queries.py) the engine's top 20 is
fetched once; then, round after round, what `SearchService` does after the
engine answers is timed per search:

- hit_data: the letter store's read of those 20 passages (text, citations,
  the letter's summary and facts), the first read of them in the round, as a
  new search reads them;
- build_hits: `SearchService._build_hits` (that read again + highlights of the
  five fields of every hit + the Hit objects), the figure the goal is about;
- highlights: the fragments of the five fields of the 20 hits alone (with the
  service's sharing of a letter's summary between its passages).

"cold" empties the highlighter's per-query caches before every search (a query
nobody asked before); "warm" keeps them (the same query again: paging, facets).
Medians and p95 are in milliseconds over every (query, round).

`--compare-src` runs the same measurement under another source tree (e.g.
`git worktree add ../base HEAD`) in alternating subprocesses, this script's own
code and query list in both, so old and new are compared side by side under the
same machine load; the ratio is other/this.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
FIELDS = ("item", "rationale", "claims_administrator_guideline", "reviewer_guideline", "summary")
ALWAYS = ("item", "rationale")
KEYS = ("build_hits_cold", "build_hits_warm", "hit_data", "highlights_cold", "highlights_warm")


def _queries():
    """The query mix from this checkout, whichever source tree is being measured."""
    spec = importlib.util.spec_from_file_location("_bench_queries", HERE.parent / "queries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module.QUERIES


def _pct(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000.0 for s in samples)
    if not ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0}
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {"n": len(ms), "p50": round(q[49], 3), "p95": round(q[94], 3)}


def _forget_highlight_caches() -> None:
    """Empty whatever per-query caches the highlighter under test keeps (none in older code)."""
    from indexer.search import highlight

    clear = getattr(highlight, "clear_caches", None)
    if clear is not None:
        clear()


def _highlights(tree, data, ids) -> None:
    from indexer.search.highlight import Highlighter

    hl = Highlighter(tree)
    seen: dict[tuple[str, str], list[str]] = {}
    for pid in ids:
        d = data.get(pid)
        if d is None:
            continue
        p = d.passage
        for name in FIELDS:
            text = (d.summary if name == "summary" else getattr(p, name)) or ""
            if (name, text) not in seen:
                seen[(name, text)] = hl.fragments(text, name, always=name in ALWAYS)


def measure(index: str, engine_name: str, rounds: int, warmup: int = 1) -> dict:
    from indexer.search.service import SearchService

    queries = _queries()
    service = SearchService.open(index, engine_name)
    gen = service._gen
    work = []
    for q in queries:
        pq = service.parse(q.q)
        filters = {k: list(v) for k, v in q.filters.items()}
        hits = gen.engine.search(pq.tree, filters, "relevance", 0, 20).hits
        cited = list(pq.matched_citations) + filters.get("citation", [])
        work.append((pq, hits, [h.passage_id for h in hits], cited))
    samples: dict[str, list[float]] = {k: [] for k in KEYS}
    perf = time.perf_counter
    for rnd in range(warmup + rounds):
        for pq, hits, ids, cited in work:
            t0 = perf()
            data = gen.store.hit_data(ids)  # first this round: as a new search reads it
            t1 = perf()
            _forget_highlight_caches()
            t2 = perf()
            service._build_hits(gen, hits, pq, cited)
            t3 = perf()
            service._build_hits(gen, hits, pq, cited)
            t4 = perf()
            _forget_highlight_caches()
            t5 = perf()
            _highlights(pq.tree, data, ids)
            t6 = perf()
            _highlights(pq.tree, data, ids)
            t7 = perf()
            if rnd >= warmup:
                for k, dt in zip(KEYS, (t3 - t2, t4 - t3, t1 - t0, t6 - t5, t7 - t6), strict=True):
                    samples[k].append(dt)
    passages = service.stats()["passages"]
    service.close()
    out = {k: _pct(v) for k, v in samples.items()}
    out["passages"] = passages
    out["queries"] = len(work)
    return out


def _child(src: str, args) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
    cmd = [
        sys.executable,
        str(HERE),
        "--index",
        str(Path(args.index).resolve()),
        "--engine",
        args.engine,
        "--rounds",
        str(args.rounds),
        "--raw",
    ]
    res = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"measuring {src} failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout)


def _merge(runs: list[dict]) -> dict:
    """Medians across the alternating runs, per statistic."""
    out = dict(runs[0])
    for k in KEYS:
        out[k] = {s: round(statistics.median(r[k][s] for r in runs), 3) for s in ("p50", "p95")}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, help="index directory (as given to imr index --index)")
    ap.add_argument("--engine", default="tantivy")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--compare-src", help="another source tree to measure side by side (alternating runs)")
    ap.add_argument("--repeats", type=int, default=3, help="alternations with --compare-src")
    ap.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.raw:
        print(json.dumps(measure(args.index, args.engine, args.rounds)))
        return 0
    here = str(HERE.parents[1])
    if args.compare_src:
        from benchmarks.measure import alternate  # here, not at the top: children may run another tree

        result = alternate(args.compare_src, here, args.repeats, lambda src: _child(src, args), _merge)
    else:
        result = {"this": _child(here, args)}
    for name, r in result.items():
        print(f"[{name}] passages={r['passages']:,} queries={r['queries']}  per search (ms)   p50      p95")
        for k in KEYS:
            print(f"  {k:<18} {r[k]['p50']:>18.3f} {r[k]['p95']:>8.3f}")
    if "other" in result:
        o, t = result["other"], result["this"]
        print("  other/this (p50): " + "  ".join(f"{k} {o[k]['p50'] / t[k]['p50']:.2f}x" for k in KEYS if t[k]["p50"]))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
