#!/usr/bin/env python
"""Tantivy vs OpenSearch (one node, three nodes) on one corpus, in one run.

    python benchmarks/scale_out.py --letters 10000 --json benchmarks/results-scale-out-10k.json

For each target: end-to-end indexing of the synthetic corpus (real parser),
the fixed query mix with every cache emptied before each search (the
service's, and for OpenSearch the cluster's query/request/field-data caches),
`/api/search` at 1, 4 and 16 clients against `imr serve`, and memory (the
indexer's and server's peak RSS; each OpenSearch node's RSS after the run).
OpenSearch nodes are started here with `.ci/opensearch.sh` (own ports and
folders, heap --heap each) and stopped at the end. Results go to --json; the
BENCHMARKS.md section is written from it by hand (numbers, not prose, come
from this script).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_http, bench_index, bench_query  # noqa: E402
from benchmarks.measure import machine  # noqa: E402
from benchmarks.run import ensure_corpus  # noqa: E402


def log(msg: str) -> None:
    print(f"[scale-out {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Nodes:
    """A cluster of `n` OpenSearch nodes on loopback, started by .ci/opensearch.sh."""

    def __init__(self, n: int, folder: Path, http_port: int, heap: str):
        self.n = n
        self.env = dict(
            os.environ,
            IMR_OS_DIR=str(folder),
            IMR_OS_HTTP_PORT=str(http_port),
            IMR_OS_TRANSPORT_PORT=str(http_port + 100),
            IMR_OS_HEAP=heap,
            IMR_OS_WAIT="400",
        )
        self.folder = folder
        self.url = ",".join(f"http://127.0.0.1:{http_port + i}" for i in range(n))
        folder.mkdir(parents=True, exist_ok=True)  # reachable by the unprivileged nodes
        folder.chmod(0o755)

    def __enter__(self) -> Nodes:
        subprocess.run(
            ["bash", str(ROOT / ".ci" / "opensearch.sh"), "start", str(self.n)],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(["bash", str(ROOT / ".ci" / "opensearch.sh"), "stop"], env=self.env, check=False)

    def rss_mb(self) -> list[float]:
        out = []
        for pidfile in sorted(self.folder.glob("nodes/*/pid")):
            try:
                status = Path(f"/proc/{pidfile.read_text().strip()}/status").read_text()
            except OSError:
                continue
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            out.append(round(kb / 1024, 1))
        return out

    def store_bytes(self, prefix: str) -> int:
        from indexer.index.opensearch_settings import OpenSearchSettings

        client = OpenSearchSettings.from_env(dict(os.environ, IMR_OPENSEARCH_URL=self.url)).client()
        stats = client.indices.stats(index=f"{prefix}-*", metric="store")
        return int(stats["_all"]["total"]["store"]["size_in_bytes"])


def measure(target: str, engine: str, index_dir: Path, corpus: Path, args, nodes: Nodes | None) -> dict:
    out: dict = {"target": target, "engine": engine}
    if args.search_only:
        log(f"{target}: the index an earlier run left in {index_dir} (not indexed again)")
        from indexer.search.service import SearchService

        with SearchService.open(index_dir, engine) as service:
            out["index"] = {"letters": None, "passages": service.stats()["passages"], "seconds": None}
    elif args.prebuilt:
        log(f"{target}: indexing {args.letters} pre-built synthetic letters (no files, no parsing)")
        out["index"] = prebuilt(index_dir, engine, args)
    else:
        log(f"{target}: end-to-end indexing")
        out["index"] = bench_index.end_to_end(corpus, index_dir, engine, args.workers)
    log(f"  {out['index']['letters']} letters, {out['index']['passages']} passages in {out['index']['seconds']} s")
    if nodes is not None and not args.search_only:
        out["index"]["index_bytes"] = nodes.store_bytes(os.environ["IMR_OPENSEARCH_PREFIX"])
    log(f"{target}: query mix ({args.query_rounds} rounds, caches emptied)")
    out["queries"] = bench_query.run_queries(index_dir, engine, args.query_rounds)
    log(f"  full p50 {out['queries']['full']['p50']} ms p95 {out['queries']['full']['p95']} ms")
    log(f"{target}: /api/search at {args.http_clients} clients")
    levels = tuple(int(x) for x in args.http_clients.split(","))
    out["http"] = bench_http.run_http(index_dir, engine, levels, args.http_requests)
    if nodes is not None:
        out["node_rss_mb"] = nodes.rss_mb()
    return out


def prebuilt(index_dir: Path, engine: str, args) -> dict:
    """`benchmarks.index_prebuilt` in a child process: the write path of `imr index`
    fed with the generator's own letters (see that module for what it times)."""
    import shutil

    if index_dir.exists():
        shutil.rmtree(index_dir)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.index_prebuilt",
        "--letters",
        str(args.letters),
        "--seed",
        str(args.seed),
        "--index",
        str(index_dir),
        "--engine",
        engine,
        "--workers",
        str(args.workers or 2),
        "--copies",
        str(args.copies),
    ]
    return bench_index.measured_job(cmd, index_dir, engine, "none (pre-built synthetic letters)")


def render(res: dict) -> str:
    """The run's tables in Markdown (BENCHMARKS.md quotes them)."""
    m = res["machine"]
    lines = [
        f"- Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('ram_gb', '?')} GB RAM, load average at start "
        f"{m.get('load_avg_at_start')}; {res['date']}",
        f"- Command: `{res['command']}`",
        f"- Corpus: {res['corpus']['letters']:,} synthetic letters, {res['corpus']['passages']:,} passages; "
        f"OpenSearch {res.get('heap')} heap per node"
        + (
            "; indexed pre-built (no files, no parsing: benchmarks/index_prebuilt.py)"
            if res.get("prebuilt")
            else "; indexed end to end (files, real parser)"
        ),
        *(
            [
                "- Load average (1, 5, 15 min) at the start and after each target: "
                + "; ".join("/".join(f"{x:.1f}" for x in la) for la in res["load_avg"])
            ]
            if res.get("load_avg")
            else []
        ),
        "",
        "| target | letters/s | passages/s | index MB | indexer peak RSS (MB) | search p50 (ms) | p95 | "
        "bare engine p50 | node RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in res["targets"]:
        i, q = t["index"], t["queries"]
        nodes = " + ".join(f"{x:,.0f}" for x in t.get("node_rss_mb", [])) or "-"
        if i.get("seconds") is None:  # --search-only: not indexed in this run
            indexing = "| - | - | - | - |"
        else:
            indexing = (
                f"| {i['letters_per_s']:,} | {i['passages_per_s']:,} | "
                f"{i['index_bytes'] / 1e6:,.1f} | {i['peak_rss_tree_mb']:,} |"
            )
        lines.append(
            f"| {t['target']} {indexing} {q['full']['p50']} | "
            f"{q['full']['p95']} | {q['engine_only']['p50']} | {nodes} |"
        )
    lines += [
        "",
        "| target | clients | `/api/search` p50 (ms) | p95 | req/s | errors | server peak RSS (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in res["targets"]:
        for lv in t["http"]["levels"]:
            if lv["endpoint"] == "/api/search":
                lines.append(
                    f"| {t['target']} | {lv['clients']} | {lv['p50_ms']} | {lv['p95_ms']} | "
                    f"{lv['req_per_s']} | {lv['errors']} | {t['http'].get('peak_rss_mb')} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--render", metavar="JSON", help="measure nothing: print this results file's tables")
    ap.add_argument("--letters", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default="tantivy,opensearch-1,opensearch-3")
    ap.add_argument("--heap", default="1g", help="heap of each OpenSearch node (default 1g)")
    ap.add_argument("--shards", type=int, default=3, help="primary shards on the 3-node cluster (default 3)")
    ap.add_argument("--query-rounds", type=int, default=3)
    ap.add_argument("--http-requests", type=int, default=96)
    ap.add_argument("--http-clients", default="1,4,16")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "work"))
    ap.add_argument("--json", dest="json_path")
    ap.add_argument("--copies", type=int, default=1, help="with --prebuilt: index each generated letter N times")
    ap.add_argument(
        "--search-only",
        action="store_true",
        help="measure the query mix and /api/search on the index an earlier run of the same "
        "command left in --work (Tantivy; no indexing): a search change re-measured without re-indexing",
    )
    ap.add_argument(
        "--prebuilt",
        action="store_true",
        help="index the generator's own letters (no corpus files, no parsing; see "
        "benchmarks/index_prebuilt.py) instead of end to end",
    )
    args = ap.parse_args(argv)
    if args.render:
        print(render(json.loads(Path(args.render).read_text())))
        return 0
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-{args.letters}-s{args.seed}"
    res: dict = {
        "letters": args.letters,
        "machine": machine(),
        "heap": args.heap,
        "command": "python benchmarks/scale_out.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "targets": [],
    }
    res["prebuilt"] = bool(args.prebuilt)
    if args.prebuilt or args.search_only:  # no files needed (passages: read from the index)
        res["corpus"] = {"letters": args.letters, "seed": args.seed, "passages": None}
    else:
        log(f"corpus: {args.letters} letters in {corpus}")
        res["corpus"] = ensure_corpus(corpus, args.letters, args.seed, args.workers)
    res["load_avg"] = [os.getloadavg()]
    for target in [t.strip() for t in args.targets.split(",") if t.strip()]:
        if target == "tantivy":
            res["targets"].append(
                measure(target, "tantivy", work / f"scale-{args.letters}-tantivy", corpus, args, None)
            )
            res["load_avg"].append(os.getloadavg())
            if res["corpus"]["passages"] is None:
                res["corpus"]["passages"] = res["targets"][-1]["index"]["passages"]
            continue
        n = int(target.rsplit("-", 1)[1])
        saved = {
            k: os.environ.get(k)
            for k in ("IMR_OPENSEARCH_URL", "IMR_OPENSEARCH_PREFIX", "IMR_OPENSEARCH_SHARDS", "IMR_OPENSEARCH_REPLICAS")
        }
        with Nodes(n, work / f"os-{n}", 9270 + 10 * n, args.heap) as nodes:
            os.environ.update(
                IMR_OPENSEARCH_URL=nodes.url,
                IMR_OPENSEARCH_PREFIX="bench",
                IMR_OPENSEARCH_SHARDS=str(1 if n == 1 else args.shards),
                IMR_OPENSEARCH_REPLICAS="0" if n == 1 else "1",
            )
            try:
                r = measure(target, "opensearch", work / f"scale-{args.letters}", corpus, args, nodes)
                r.update(
                    nodes=n,
                    shards=int(os.environ["IMR_OPENSEARCH_SHARDS"]),
                    replicas=int(os.environ["IMR_OPENSEARCH_REPLICAS"]),
                )
                res["targets"].append(r)
                if res["corpus"]["passages"] is None:
                    res["corpus"]["passages"] = r["index"]["passages"]
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        res["load_avg"].append(os.getloadavg())
        if args.json_path:  # partial results survive a later failure
            Path(args.json_path).write_text(json.dumps(res, indent=2))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(res, indent=2))
        log(f"results: {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
