#!/usr/bin/env python
"""The scale benchmarks in one command.

    python benchmarks/run.py --letters 10000 --json benchmarks/results-10k.json
    python benchmarks/run.py --letters 400000 --engines tantivy --json benchmarks/results-1m.json

Stages (all by default; pick with --stages):
  synth   write the synthetic corpus (`imr synth`), reused when already there
  index   end-to-end indexing per engine, in a child process (time, rate, size, peak RSS)
  engine  engine-only indexing per engine (parsed passages -> index)
  query   the fixed query mix per engine: full search vs the bare engine query
  http    `/api/search` and `/search` at 1, 4 and 16 clients against `imr serve`

Results go to --json and into this run's own section of BENCHMARKS.md
(--markdown, `-` to skip). Working data (corpus, indexes, parsed-document
cache) lives under --work (default benchmarks/work/, gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_index, bench_query, report  # noqa: E402
from benchmarks.measure import machine  # noqa: E402

STAGES = ("synth", "index", "engine", "query", "http")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    ap.add_argument("--letters", type=int, help="synthetic letters in the corpus (required unless --render)")
    ap.add_argument(
        "--render", metavar="JSON", help="measure nothing: rewrite this results file's section of the Markdown file"
    )
    ap.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    ap.add_argument("--engines", default="tantivy,whoosh", help="comma-separated (default tantivy,whoosh)")
    ap.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    ap.add_argument("--http-engines", default="tantivy", help="engines for the HTTP stage (default tantivy)")
    ap.add_argument("--query-rounds", type=int, default=5, help="timed rounds of the query mix (default 5)")
    ap.add_argument(
        "--http-requests", type=int, default=160, help="requests per endpoint and concurrency level (default 160)"
    )
    ap.add_argument("--http-clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    ap.add_argument(
        "--http-cache",
        action="store_true",
        help="let the server's caches answer repeated queries (default: every request is a new query)",
    )
    ap.add_argument("--workers", type=int, default=None, help="processes for synth/parsing (default: all cores)")
    ap.add_argument(
        "--oracle",
        action="store_true",
        help="index the generator's own Letters instead of parsing the files (for sizes the "
        "parser cannot reach in time; every table says so)",
    )
    ap.add_argument("--work", default=str(ROOT / "benchmarks" / "work"), help="working folder")
    ap.add_argument("--json", dest="json_path", help="write results as JSON here")
    ap.add_argument(
        "--merge",
        metavar="JSON",
        help="start from this earlier results file (same corpus): the stages run now replace "
        "its figures for those stages, the others are kept, and the section lists both commands",
    )
    ap.add_argument(
        "--markdown",
        default=str(ROOT / "BENCHMARKS.md"),
        help="update this run's section in this file (default BENCHMARKS.md; '-' to skip)",
    )
    ap.add_argument("--label", help="section label in BENCHMARKS.md (default from size and engines)")
    args = ap.parse_args(argv)
    args.engine_list = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.stage_list = [s.strip() for s in args.stages.split(",") if s.strip()]
    bad = [s for s in args.stage_list if s not in STAGES]
    if bad:
        ap.error(f"unknown stage(s) {', '.join(bad)}; choose from {', '.join(STAGES)}")
    if not args.render and (args.letters is None or args.letters <= 0):
        ap.error("--letters must be given and positive")
    return args


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fingerprint(patterns: tuple[str, ...]) -> str:
    import hashlib

    h = hashlib.sha256()
    pkg = ROOT / "indexer"
    for pattern in patterns:
        for f in sorted(pkg.glob(pattern)):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def parser_fingerprint() -> str:
    """Changes whenever the code or data that turn a file into index documents change,
    so a cached parse is never reused across parser versions."""
    return fingerprint(
        ("letters/*.py", "passages/*.py", "vocab/*.toml", "vocab/*.py", "index/documents.py", "synth/*.py", "model.py")
    )


def generator_fingerprint(seed: int) -> str:
    """A digest of the first letters the generator writes for this seed: a corpus on disk
    is reused only while the current generator would write the same letters."""
    import hashlib

    from indexer.synth import generate_letter, letter_rng

    h = hashlib.sha256()
    for i in range(25):
        h.update(generate_letter(letter_rng(seed, i), i, seed)[0].encode())
    return h.hexdigest()[:12]


def ensure_corpus(corpus: Path, letters: int, seed: int, workers: int | None) -> dict:
    from indexer.synth.corpus import MANIFEST, write_corpus

    manifest = corpus / MANIFEST
    stamp = corpus / "synth.json"
    if manifest.exists() and stamp.exists():
        info = json.loads(stamp.read_text())
        if (
            info.get("letters") == letters
            and info.get("seed") == seed
            and info.get("generator") == generator_fingerprint(seed)
        ):
            info["reused"] = True
            return info
    rep = write_corpus(corpus, letters, seed=seed, workers=workers)
    info = {
        "letters": rep.letters,
        "passages": rep.passages,
        "overturned": rep.overturned,
        "bytes": rep.bytes,
        "seconds": round(rep.seconds, 2),
        "letters_per_s": round(rep.letters_per_second, 1),
        "seed": seed,
        "generator": generator_fingerprint(seed),
    }
    stamp.write_text(json.dumps(info))
    return info


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        res = json.loads(Path(args.render).read_text())
        res["goals"] = report.goals(res)
        report.update_markdown(Path(args.markdown), res["label"], report.render(res))
        log(f"tables: {args.markdown} (from {args.render})")
        return 0
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    tag = f"{args.letters}-s{args.seed}"
    corpus = work / f"corpus-{tag}"
    workers = args.workers or os.cpu_count() or 1
    oracle = args.seed if args.oracle else None
    sfx = "-oracle" if args.oracle else ""
    engines_label = " vs ".join(e.capitalize() for e in args.engine_list)
    label = args.label or (f"{args.letters:,} letters, {engines_label}" + (", oracle parser" if args.oracle else ""))
    res: dict = {
        "label": label,
        "seed": args.seed,
        "oracle": bool(args.oracle),
        "letters": args.letters,
        "engines": args.engine_list,
        "stages": args.stage_list,
        "machine": machine(),
        "command": "python benchmarks/run.py "
        + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
    }

    log(f"corpus: {args.letters} letters in {corpus}")
    res["corpus"] = ensure_corpus(corpus, args.letters, args.seed, workers)
    log(f"corpus ready: {res['corpus']['passages']} passages")

    if "index" in args.stage_list:
        res["index_end_to_end"] = []
        for eng in args.engine_list:
            log(f"end-to-end indexing with {eng}")
            r = bench_index.end_to_end(corpus, work / f"index-{tag}{sfx}-{eng}", eng, workers, oracle)
            log(
                f"  {r['letters']} letters, {r['passages']} passages in {r['seconds']} s ({r['letters_per_s']} letters/s)"
            )
            res["index_end_to_end"].append(r)

    if "engine" in args.stage_list:
        cache = work / f"docs-{tag}{sfx}-{parser_fingerprint()}.pickle"
        log("parsing letters into index documents (untimed cache)")
        res["doc_cache"] = bench_index.build_doc_cache(corpus, cache, workers, oracle)
        res["index_engine_only"] = []
        for eng in args.engine_list:
            log(f"engine-only indexing with {eng}")
            r = bench_index.engine_only(cache, work / f"engine-{tag}{sfx}-{eng}", eng, res["doc_cache"])
            log(f"  {r['passages']} passages in {r['seconds']} s ({r['passages_per_s']} passages/s)")
            res["index_engine_only"].append(r)

    if "query" in args.stage_list:
        res["queries"] = []
        for eng in args.engine_list:
            index_dir = work / f"index-{tag}{sfx}-{eng}"
            if not index_dir.exists():
                log(f"no index for {eng} at {index_dir}: run the index stage first; skipping queries")
                continue
            log(f"query mix on {eng} ({args.query_rounds} rounds)")
            r = bench_query.run_queries(index_dir, eng, args.query_rounds)
            log(f"  full p50 {r['full']['p50']} ms, p95 {r['full']['p95']} ms; bare p50 {r['engine_only']['p50']} ms")
            res["queries"].append(r)

    if "http" in args.stage_list:
        from benchmarks import bench_http

        res["http"] = []
        levels = tuple(int(x) for x in args.http_clients.split(",") if x.strip())
        for eng in [e.strip() for e in args.http_engines.split(",") if e.strip()]:
            index_dir = work / f"index-{tag}{sfx}-{eng}"
            if not index_dir.exists():
                log(f"no index for {eng}: skipping HTTP")
                continue
            log(f"HTTP against imr serve --engine {eng}")
            r = bench_http.run_http(index_dir, eng, levels, args.http_requests, cache_bust=not args.http_cache)
            for lv in r["levels"]:
                log(
                    f"  {lv['endpoint']} x{lv['clients']}: p50 {lv['p50_ms']} ms p95 {lv['p95_ms']} ms "
                    f"{lv['req_per_s']} req/s errors {lv['errors']}"
                )
            res["http"].append(r)

    if args.merge:
        res = merge_results(json.loads(Path(args.merge).read_text()), res)
    res["goals"] = report.goals(res)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(res, indent=2))
        log(f"results: {args.json_path}")
    if args.markdown and args.markdown != "-":
        report.update_markdown(Path(args.markdown), label, report.render(res))
        log(f"tables: {args.markdown}")
    return 0


STAGE_KEYS = {
    "synth": ("corpus",),
    "index": ("index_end_to_end",),
    "engine": ("doc_cache", "index_engine_only"),
    "query": ("queries",),
    "http": ("http",),
}


def merge_results(prior: dict, new: dict) -> dict:
    """An earlier run's results with the stages run now replaced (same corpus and label)."""
    if (prior.get("letters"), prior.get("seed"), prior.get("oracle")) != (new["letters"], new["seed"], new["oracle"]):
        raise SystemExit("--merge: the earlier results are for another corpus")
    out = dict(prior)
    for stage in new["stages"]:
        for key in STAGE_KEYS.get(stage, ()):
            if key in new:
                out[key] = new[key]
    runs = prior.get("runs") or [{"stages": prior["stages"], "command": prior["command"], "machine": prior["machine"]}]
    replaced = set(new["stages"]) - {"synth"}
    runs = [dict(r, stages=[s for s in r["stages"] if s not in replaced]) for r in runs]
    runs = [r for r in runs if r["stages"]] + [
        {"stages": new["stages"], "command": new["command"], "machine": new["machine"]}
    ]
    out.update(
        runs=runs,
        machine=new["machine"],
        command=new["command"],
        stages=sorted({s for r in runs for s in r["stages"]}, key=list(STAGE_KEYS).index),
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
