#!/usr/bin/env python
"""Benchmarks of the insight features: outcome statistics, similar rationales and
the index-time cost of near-duplicate grouping.

    python benchmarks/insight.py --distinct 20000 --copies 19 --json benchmarks/results-insight.json

Stages:
  grouping  engine-only indexing (parsed letters -> index, `index_letters`) of the first
            --grouping-letters distinct letters, with near-duplicate grouping and with it
            switched off (signatures not computed, no group assigned), alternating runs
  build     an index of distinct x copies letters: each generated letter is indexed
            `copies` times under new ids (the generator is too slow to write a million
            distinct passages on this machine in the time available; copies are exact
            near-duplicates, so grouping finds their leader at once; this flatters its cost)
  pipeline  the product's indexing path (`build_index`: letter files parsed in --workers
            processes, signatures computed there, grouping in the writing process) over the
            first --pipeline-dirs folders of --files, fresh each round; with --code DIR the
            indexer is imported from another checkout (e.g. the commit before grouping), so
            "letters/s before and after" come from one script on the same files
  latency   `/api/stats` (several searches x splits) and `/api/passages/<id>/similar`
            through the Flask app, cold: every cache of the service (facet, letter and
            requests-first counts, parsed and compiled queries, highlight rules) is emptied
            before every request (the OS file cache is not).
            With --similar-ab each passage's similar request is also timed with the engine's
            more-like-this replaced by the generic one (`SearchEngine.more_like_this`: the OR as
            a query tree, counted, in a tie window), the two alternating per passage: the
            before/after of an engine's own more-like-this from one run

--engine picks the engine of the build, grouping and latency stages (default tantivy).

Prints a summary and writes --json; BENCHMARKS.md is edited by hand from it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import machine, percentiles  # noqa: E402

STATS_REQUESTS = [
    ("", {}, "treatment"),
    ("", {}, "decision_year"),
    ("", {}, "specialty"),
    ("opioids", {}, "treatment"),
    ("epidural steroid injection", {}, "body_region"),
    ("physical therapy", {"decision_year": ["2016"]}, "specialty"),
    ("MRI", {}, "licensure"),
    ("radicular w/5 block", {}, "decision_year"),
    ("", {"treatment": ["medication"]}, "body_region"),
    ("acupuncture OR chiropractic", {}, "treatment"),
]


def _letter(args):
    from indexer.synth.generator import synthetic_letter

    seed, i = args
    return synthetic_letter(seed, i)[2]


def generate(n: int, seed: int, workers: int) -> list:
    with multiprocessing.Pool(workers) as pool:
        return pool.map(_letter, [(seed, i) for i in range(n)], chunksize=64)


def copies(letters: list, k: int):
    for c in range(k):
        for L in letters:
            if c == 0:
                yield L
                continue
            lid = f"{L.letter_id}-c{c}"
            yield replace(
                L,
                letter_id=lid,
                source_file=f"{lid}.txt",
                passages=[replace(p, passage_id=f"{lid}-{p.ordinal}", letter_id=lid) for p in L.passages],
            )


def _no_grouping():
    """Switch grouping off in this process (the 'before' of the grouping stage): no
    signature is computed, so no passage is grouped. Returns the undo."""
    from indexer.index import neardup

    saved = neardup.signature
    neardup.signature = lambda text: None

    def restore() -> None:
        neardup.signature = saved

    return restore


def stage_grouping(letters: list, work: Path, rounds: int, engine: str) -> dict:
    from indexer.index.pipeline import index_letters

    rates = {"with": [], "without": []}
    for r in range(rounds):
        for mode in ("without", "with") if r % 2 == 0 else ("with", "without"):
            restore = _no_grouping() if mode == "without" else None
            try:
                t = time.perf_counter()
                rep = index_letters(letters, work / f"g-{mode}-{r}", engine=engine)
                rates[mode].append(len(letters) / (time.perf_counter() - t))
            finally:
                if restore:
                    restore()
    out = {m: round(sorted(v)[len(v) // 2], 1) for m, v in rates.items()}
    out["letters"] = len(letters)
    out["passages"] = rep.passages
    out["cost_pct"] = round(100 * (out["without"] / out["with"] - 1), 1)
    return out


def stage_build(letters: list, k: int, index_dir: Path, engine: str) -> dict:
    from indexer.index.pipeline import index_letters

    t = time.perf_counter()
    rep = index_letters(copies(letters, k), index_dir, engine=engine)
    seconds = time.perf_counter() - t
    return {
        "letters": rep.letters,
        "passages": rep.passages,
        "seconds": round(seconds, 1),
        "letters_per_s": round(rep.letters / seconds, 1),
    }


def stage_pipeline(files: Path, dirs: int, rounds: int, workers: int, work: Path) -> dict:
    import shutil

    from indexer.index.pipeline import build_index

    folders = sorted(p for p in files.iterdir() if p.is_dir())[:dirs] or [files]
    rates, rep = [], None
    for r in range(rounds):
        target = work / f"pipeline-{r}"
        shutil.rmtree(target, ignore_errors=True)
        t = time.perf_counter()
        rep = build_index(folders, target, workers=workers)
        rates.append(rep.letters / (time.perf_counter() - t))
        shutil.rmtree(target, ignore_errors=True)
    return {
        "letters": rep.letters,
        "passages": rep.passages,
        "rounds": [round(x, 1) for x in rates],
        "letters_per_s": round(sorted(rates)[len(rates) // 2], 1),
    }


def _cold(service) -> None:
    """Every cache a request never seen before would miss: the service's counts
    (facets, letters, the requests-first counts), parsed and compiled queries,
    highlight rules (the OS file cache is not emptied)."""
    from benchmarks.bench_query import reset_caches

    reset_caches(service)


def stage_latency(index_dir: Path, rounds: int, similar_n: int, engine: str, ab: bool) -> dict:
    from indexer.index.engine import SearchEngine
    from indexer.search.service import SearchService
    from webapp import create_app

    service = SearchService.open(index_dir, engine)
    app = create_app({"TESTING": True, "IMR_INDEX_DIR": str(index_dir), "IMR_SEARCH_SERVICE": service})
    client = app.test_client()
    client.get("/api/stats")  # open files once: every later request is cold only in the app's caches
    stats_t: list[float] = []
    for _ in range(rounds):
        for q, filters, by in STATS_REQUESTS:
            _cold(service)
            t = time.perf_counter()
            r = client.get("/api/stats", query_string={"q": q, "by": by, **filters})
            stats_t.append(time.perf_counter() - t)
            assert r.status_code == 200, r.data[:200]
    total = service.stats()["passages"]
    rng = random.Random(15)
    ids = []
    while len(ids) < similar_n:
        page = client.get(
            "/api/search", query_string={"page": rng.randint(1, 400), "per_page": 25, "sort": "decision_date"}
        ).get_json()
        ids.extend(h["passage_id"] for h in page["hits"] if not h["unparsed"])
    engine_obj = service._gen.engine
    own = engine_obj.more_like_this

    def generic(field, terms, limit):
        return SearchEngine.more_like_this(engine_obj, field, terms, limit)

    times: dict[str, list[float]] = {"own": [], "generic": []}
    same = 0
    for i, pid in enumerate(ids[:similar_n]):
        paths = ("own", "generic") if i % 2 == 0 else ("generic", "own")
        answers = {}
        for path in paths if ab else ("own",):
            engine_obj.more_like_this = own if path == "own" else generic
            _cold(service)
            t = time.perf_counter()
            r = client.get(f"/api/passages/{pid}/similar")
            times[path].append(time.perf_counter() - t)
            assert r.status_code == 200
            answers[path] = [h["passage_id"] for h in r.get_json()["hits"]]
        if ab and answers["own"] == answers["generic"]:
            same += 1
    engine_obj.more_like_this = own
    service.close()
    out = {"passages": total, "api_stats": percentiles(stats_t), "api_similar": percentiles(times["own"])}
    if ab:
        out["api_similar_generic"] = percentiles(times["generic"])
        out["similar_lists_identical"] = f"{same} of {len(times['own'])}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--distinct", type=int, default=20_000, help="distinct synthetic letters generated")
    ap.add_argument("--copies", type=int, default=19, help="times each letter is indexed in the build stage")
    ap.add_argument("--grouping-letters", type=int, default=5_000)
    ap.add_argument("--grouping-rounds", type=int, default=3)
    ap.add_argument("--latency-rounds", type=int, default=5)
    ap.add_argument("--similar", type=int, default=50, help="passages whose similar rationales are timed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stages", default="grouping,build,latency")
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "work" / "insight"))
    ap.add_argument("--index", help="an existing index for the latency stage (skips build)")
    ap.add_argument("--files", help="folder of letter files (or of folders of them) for the pipeline stage")
    ap.add_argument("--pipeline-dirs", type=int, default=10, help="subfolders of --files indexed")
    ap.add_argument("--pipeline-rounds", type=int, default=2)
    ap.add_argument("--code", help="import the indexer from this checkout instead (a before/after baseline)")
    ap.add_argument("--engine", default="tantivy", help="engine of the build, grouping and latency stages")
    ap.add_argument("--similar-ab", action="store_true", help="also time similar with the generic more-like-this")
    ap.add_argument("--json", dest="json_path")
    args = ap.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    stages = args.stages.split(",")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out: dict = {"machine": machine(), "command": " ".join(sys.argv), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    with open("/proc/loadavg") as f:
        out["load_at_start"] = f.read().split()[:3]
    letters = []
    if "grouping" in stages or "build" in stages:
        t = time.perf_counter()
        letters = generate(args.distinct, args.seed, args.workers)
        print(f"generated {len(letters)} letters in {time.perf_counter() - t:.0f}s", flush=True)
    if "grouping" in stages:
        out["grouping"] = stage_grouping(
            letters[: args.grouping_letters], work / "grouping", args.grouping_rounds, args.engine
        )
        print("grouping", out["grouping"], flush=True)
    index_dir = Path(args.index) if args.index else work / "index"
    if "build" in stages and not args.index:
        out["build"] = stage_build(letters, args.copies, index_dir, args.engine)
        print("build", out["build"], flush=True)
    letters = []
    if "pipeline" in stages:
        out["pipeline"] = stage_pipeline(Path(args.files), args.pipeline_dirs, args.pipeline_rounds, args.workers, work)
        out["pipeline"]["code"] = args.code or str(ROOT)
        print("pipeline", out["pipeline"], flush=True)
    if "latency" in stages:
        out["latency"] = stage_latency(index_dir, args.latency_rounds, args.similar, args.engine, args.similar_ab)
        print("latency", json.dumps(out["latency"]), flush=True)
    with open("/proc/loadavg") as f:
        out["load_at_end"] = f.read().split()[:3]
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
