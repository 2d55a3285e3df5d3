"""What an alerts run costs: new passages against many saved searches.

    python -m benchmarks.alerts_speed --base 20000 --new 2000 --searches 500 [--engine tantivy]

Indexes `--base` synthetic letters, then `--new` more (a batch of new letters,
as a monthly DWC release is about 14,000), and times the two ways of finding
each saved search's new matches:

- delta (what `webapp.saved.matching` does): one small index of the new
  passages only (`indexer.search.delta.DeltaIndex`), every search run over it;
- whole index (the alternative): every search run over the whole index,
  keeping the matches among the new passages.

The saved searches are the benchmark query mix (`benchmarks.queries`) repeated.
Prints one JSON object; both ways must find the same matches (checked).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=int, default=20_000)
    ap.add_argument("--new", type=int, default=2_000)
    ap.add_argument("--searches", type=int, default=500)
    ap.add_argument("--engine", default="tantivy")
    ap.add_argument("--workdir", help="keep the corpus and index here (default: a temporary folder)")
    args = ap.parse_args(argv)

    from benchmarks.queries import QUERIES
    from indexer.index.pipeline import build_index
    from indexer.query.types import SearchRequest
    from indexer.search.delta import DeltaIndex
    from indexer.search.service import SearchService
    from indexer.synth.corpus import write_corpus

    work = Path(args.workdir or tempfile.mkdtemp(prefix="imr-alerts-bench-"))
    corpus, index = work / "corpus", work / "index"
    try:
        write_corpus(corpus / "base", args.base, seed=11)
        build_index([corpus], index, engine=args.engine, rebuild=True)
        with SearchService.open(index, engine=args.engine) as service:
            _, position = service.history_position()
        write_corpus(corpus / "new", args.new, seed=12)
        report = build_index([corpus], index, engine=args.engine)
        searches = [QUERIES[i % len(QUERIES)] for i in range(args.searches)]
        with SearchService.open(index, engine=args.engine) as service:
            started = time.perf_counter()
            with DeltaIndex.build(service, position) as delta:
                built = time.perf_counter() - started
                new_ids = set(delta.seq_of)
                started = time.perf_counter()
                by_delta = [set(delta.matches(s.q, s.filters, position)) for s in searches]
                delta_search = time.perf_counter() - started
            engine = service._gen.engine  # the whole live index, for the comparison
            started = time.perf_counter()
            by_whole = []
            for s in searches:
                tree, filters = service.compile_request(SearchRequest(query=s.q, filters=s.filters))
                total = engine.count(tree, filters)
                hits = engine.search(tree, filters, "decision_date", 0, total).hits if total else []
                by_whole.append({h.passage_id for h in hits} & new_ids)
            whole_search = time.perf_counter() - started
            total_passages = service.stats()["passages"]
        assert by_delta == by_whole, "the two ways disagree"
        print(
            json.dumps(
                {
                    "engine": args.engine,
                    "base_letters": args.base,
                    "new_letters": args.new,
                    "index_passages": total_passages,
                    "new_passages": len(new_ids),
                    "searches": args.searches,
                    "matches": sum(len(m) for m in by_delta),
                    "delta_build_s": round(built, 3),
                    "delta_searches_s": round(delta_search, 3),
                    "delta_total_s": round(built + delta_search, 3),
                    "whole_index_searches_s": round(whole_search, 3),
                    "indexing_run_s": report.seconds,
                },
                indent=2,
            )
        )
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
