"""Server time of typical searches in the web app (HTML page and JSON twin).

Measures the whole server side of a request - routing, search, facets,
highlighting, template rendering - through the Flask test client, so network
and browser time are excluded. Reports medians (and p95) over N requests per
query, after a warm-up.

    .venv/bin/python benchmarks/web_latency.py                 # sample corpus, tantivy
    .venv/bin/python benchmarks/web_latency.py --engine whoosh -n 100
    .venv/bin/python benchmarks/web_latency.py --index data/index --json out.json
    .venv/bin/python benchmarks/web_latency.py --server http://127.0.0.1:8000  # over HTTP instead
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.index.engine import ENGINES  # noqa: E402

TYPICAL = (
    {"q": "ODG Neck Facet joint diagnostic blocks"},
    {
        "q": "ODG Neck Facet joint diagnostic blocks",
        "citation": "ODG | Neck and Upper Back | Facet joint diagnostic blocks",
    },
    {"q": "MBB"},
    {"q": '"no more than 2 levels"'},
    {"q": "radicular w/5 block", "decision": "Upheld"},
    {"q": "opioid*"},
    {},  # browse: empty query, all facets
)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(get, path: str, params: dict, n: int, warmup: int = 5) -> list[float]:
    url = path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    for _ in range(warmup):
        get(url)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        get(url)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", help="existing index folder (default: index the corpus into a temp folder)")
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--engine", default="tantivy", choices=ENGINES)
    ap.add_argument("-n", type=int, default=200, help="requests per query and endpoint (default 200)")
    ap.add_argument("--server", help="measure over HTTP against a running `imr serve` at this base URL")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="imr-weblat-")
    if args.server:
        base = args.server.rstrip("/")

        def get(url: str) -> None:
            with urllib.request.urlopen(base + url) as response:
                response.read()
                assert response.status == 200

        setup = f"HTTP against {base}"
    else:
        os.environ.setdefault("IMR_DATA_DIR", tmp.name)
        os.environ.setdefault("IMR_SECRET_KEY", "benchmark")
        index_dir = Path(args.index) if args.index else Path(tmp.name) / "index"
        if not args.index:
            from indexer.index.pipeline import build_index

            build_index([Path(args.corpus)], index_dir, engine=args.engine)
        from webapp import create_app

        app = create_app({"IMR_INDEX_DIR": str(index_dir), "IMR_ENGINE": args.engine})
        client = app.test_client()

        def get(url: str) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.close()

        setup = (
            f"Flask test client, engine {args.engine}, index {'of ' + args.corpus if not args.index else args.index}"
        )

    rows = []
    for endpoint in ("/search", "/api/search"):
        for params in TYPICAL:
            times = measure(get, endpoint, params, args.n)
            rows.append(
                {
                    "endpoint": endpoint,
                    "params": params,
                    "median_ms": statistics.median(times),
                    "p95_ms": percentile(times, 95),
                }
            )
    all_html = [r["median_ms"] for r in rows if r["endpoint"] == "/search"]
    all_api = [r["median_ms"] for r in rows if r["endpoint"] == "/api/search"]
    summary = {
        "setup": setup,
        "requests_per_query": args.n,
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "html_median_of_medians_ms": statistics.median(all_html),
        "api_median_of_medians_ms": statistics.median(all_api),
        "html_worst_median_ms": max(all_html),
        "rows": rows,
    }
    print(f"{setup}; {args.n} requests per query after warm-up; {summary['machine']}")
    print(f"{'endpoint':<12} {'median ms':>9} {'p95 ms':>8}  query")
    for r in rows:
        print(
            f"{r['endpoint']:<12} {r['median_ms']:>9.2f} {r['p95_ms']:>8.2f}  "
            f"{urllib.parse.urlencode(r['params'], doseq=True) or '(browse)'}"
        )
    print(
        f"typical search page: median {summary['html_median_of_medians_ms']:.2f} ms "
        f"(worst query median {summary['html_worst_median_ms']:.2f} ms); "
        f"JSON twin: median {summary['api_median_of_medians_ms']:.2f} ms"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
