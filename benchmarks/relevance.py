#!/usr/bin/env python
"""Search quality on judged attorney queries over the real letters.

    python benchmarks/relevance.py                      # both engines, the shipped weights
    python benchmarks/relevance.py --scope letter       # the same with case summaries searched
    python benchmarks/relevance.py --weights item=3,rationale=3   # try other field weights
    python benchmarks/relevance.py --json out.json --per-query

The judged set (benchmarks/relevance/judgments.json) grades passages of the 126
real DWC letters in ../shared/real-letters/txt: 2 = the request or the
rationale is squarely about the query, 1 = partly, 0 = only the case summary or
an aside mentions it. For each engine it reports, per query and on average:

  nDCG@10     ranking of the first page (gain 2^grade - 1, ideal = the judged grades sorted)
  recall@50   share of the passages graded 1 or 2 found in the first 50 results
  honesty     share of the result count that is relevant (graded 1 or 2): the
              number an attorney would quote. Unjudged results count as not relevant.

Queries whose total is mostly irrelevant (honesty < 0.5) are listed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.index.engine import ENGINES  # noqa: E402
from indexer.index.pipeline import build_index  # noqa: E402
from indexer.query import tree as query_tree  # noqa: E402
from indexer.query.types import SearchRequest  # noqa: E402
from indexer.search.service import SearchService  # noqa: E402

JUDGMENTS = ROOT / "benchmarks" / "relevance" / "judgments.json"
LETTERS = ROOT.parent / "shared" / "real-letters" / "txt"
PAGE = 100


def load_judgments(path: Path = JUDGMENTS) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["queries"]


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def all_results(service: SearchService, query: str, scope: str) -> tuple[list[str], int, list[str]]:
    """Every result id in rank order, the total the page states, and what the last
    page lists after the counted results: the rationales that only discuss the
    words (request scope), then the closer matches (all words but one)."""
    ids: list[str] = []
    page = 1
    while True:
        resp = service.search(SearchRequest(query=query, scope=scope, per_page=PAGE, page=page))
        ids.extend(h.passage_id for h in resp.hits)
        if page * PAGE >= resp.total or not resp.hits:
            return ids, resp.total, [h.passage_id for h in resp.discussed + resp.closer_matches]
        page += 1


def score_query(ranked: list[str], total: int, judged: dict[str, int], closer: list[str] = ()) -> dict:
    """Figures of one query. `ranked` are the exact results (what `total` counts);
    nDCG@10 and recall@50 are of what a user reads: those, then the closer
    matches. recall50_exact leaves the closer matches out."""
    shown = list(ranked) + list(closer)
    grades = [judged.get(pid, 0) for pid in shown]
    ideal = dcg(sorted(judged.values(), reverse=True)[:10])
    relevant = {pid for pid, g in judged.items() if g > 0}
    hits = sum(1 for pid in ranked if judged.get(pid, 0) > 0)
    return {
        "ndcg10": dcg(grades[:10]) / ideal if ideal else 1.0,
        "recall50": len(relevant.intersection(shown[:50])) / len(relevant) if relevant else 1.0,
        "recall50_exact": len(relevant.intersection(ranked[:50])) / len(relevant) if relevant else 1.0,
        "honesty": hits / total if total else 1.0,
        "total": total,
        "relevant": len(relevant),
    }


def evaluate(service: SearchService, queries: list[dict], scope: str = "passage") -> dict:
    per = {}
    for q in queries:
        ranked, total, closer = all_results(service, q["query"], scope)
        per[q["query"]] = score_query(ranked, total, q["judgments"], closer)
    n = len(per)
    mean = {k: sum(r[k] for r in per.values()) / n for k in ("ndcg10", "recall50", "recall50_exact", "honesty")}
    return {"mean": mean, "mostly_irrelevant": sorted(q for q, r in per.items() if r["honesty"] < 0.5), "queries": per}


def set_weights(spec: str) -> None:
    """`item=4,rationale=2`: change the field weights for this run (both engines
    read tree.TEXT_FIELD_WEIGHTS when they compile a query)."""
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        if name not in query_tree.TEXT_FIELD_WEIGHTS:
            raise SystemExit(f"unknown field {name!r}; fields: {', '.join(query_tree.TEXT_FIELD_WEIGHTS)}")
        query_tree.TEXT_FIELD_WEIGHTS[name] = float(value)


def build(engine: str, letters: Path, work: Path) -> Path:
    index_dir = work / f"real-{engine}"
    report = build_index([letters], index_dir, engine=engine, workers=1)
    if report.failed:
        raise SystemExit(f"{engine}: letters failed to index: {report.failed}")
    return index_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--letters", type=Path, default=LETTERS)
    ap.add_argument("--judgments", type=Path, default=JUDGMENTS)
    ap.add_argument("--scope", choices=query_tree.SCOPES, default=query_tree.DEFAULT_SCOPE)
    ap.add_argument("--weights", default="", help="field=weight,... (default: the shipped weights)")
    ap.add_argument("--work", type=Path, default=None, help="index folder to reuse (default: a temporary one)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--per-query", action="store_true", help="print every query's figures")
    args = ap.parse_args(argv)
    set_weights(args.weights)
    queries = load_judgments(args.judgments)
    results = {
        "queries": len(queries),
        "scope": args.scope,
        "weights": dict(query_tree.TEXT_FIELD_WEIGHTS),
        "engines": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        for engine in [e for e in args.engines.split(",") if e]:
            with SearchService.open(build(engine, args.letters, work), engine) as service:
                res = evaluate(service, queries, args.scope)
            results["engines"][engine] = res
            m = res["mean"]
            print(
                f"{engine:8} nDCG@10 {m['ndcg10']:.3f}  recall@50 {m['recall50']:.3f} "
                f"(exact results only {m['recall50_exact']:.3f})  "
                f"honesty {m['honesty']:.3f}  mostly irrelevant: {len(res['mostly_irrelevant'])} "
                f"{res['mostly_irrelevant']}"
            )
            if args.per_query:
                for q, r in res["queries"].items():
                    print(
                        f"   {r['ndcg10']:.2f} {r['recall50']:.2f} {r['honesty']:.2f} "
                        f"{r['total']:4d}/{r['relevant']:3d}  {q}"
                    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
