"""`imr index PATH... --index DIR`: build or update the passage index.

Incremental by default (unchanged files are skipped, changed ones replaced,
files gone from the given folders removed); `--rebuild` starts from scratch.
Either way the live index keeps answering until the new one is complete.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indexer.index.engine import ENGINES


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "index",
        help="index letter files (.txt, .pdf) into a search index",
        description="Index letter files or folders (recursively .txt and .pdf) into a search index. "
                    "Incremental: unchanged files are skipped; failed files are reported and do not stop the run.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    p.add_argument("--index", required=True, metavar="DIR", help="index folder")
    p.add_argument("--engine", choices=ENGINES, default="tantivy", help="search engine (default tantivy)")
    p.add_argument("--rebuild", action="store_true", help="reindex everything instead of only what changed")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="parser processes (default: one per CPU core)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from indexer.index.engine import EngineError
    from indexer.index.generations import IndexBusy
    from indexer.index.pipeline import build_index

    try:
        report = build_index([Path(p) for p in args.paths], Path(args.index), engine=args.engine,
                             rebuild=args.rebuild, progress=not args.json, workers=args.workers)
    except (IndexBusy, EngineError) as exc:
        print(f"imr index: {exc}", file=sys.stderr)
        return 2
    data = report.to_json()
    if args.json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"{report.engine} index {report.index_dir} ({report.generation or 'empty'}): "
              f"{report.total_letters} letters, {report.total_passages} passages.")
        print(f"This run: {report.letters} letters / {report.passages} passages indexed, "
              f"{report.skipped_unchanged} unchanged, {report.removed} removed, "
              f"{len(report.failed)} failed, {len(report.duplicates)} duplicates, "
              f"{len(report.warnings)} warnings ({report.seconds:.1f}s).")
        for w in report.warnings:
            print(f"  warning: {w['file']}: {w['message']}")
        for f in report.failed:
            print(f"  failed: {f['file']}: {f['reason']}")
        for d in report.duplicates:
            print(f"  duplicate: {d['file']}: same determination as {d['kept']} (indexed once, from that file)")
    return 1 if report.failed and not report.letters and not report.skipped_unchanged else 0
