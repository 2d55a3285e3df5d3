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

from imr_cli.commands import engine_options

# Exit statuses, so a script can tell "all indexed" from "indexed, but look at the report".
EXIT_OK = 0  # every file indexed (or unchanged)
EXIT_NOTHING_INDEXED = 1  # failures, and not one letter indexed or kept
EXIT_CANNOT_RUN = 2  # the index is busy or the engine unknown: nothing was done
EXIT_FAILURES = 3  # finished: the index is updated, but some files or named paths failed


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "index",
        help="index letter files (.txt, .pdf) into a search index",
        description="Index letter files or folders (recursively .txt and .pdf) into a search index. "
        "Incremental: unchanged files are skipped; failed files are reported and do not stop the run.",
        epilog="Exit status: 0 all indexed; 3 finished, but some files or named paths failed (see the report); "
        "1 nothing could be indexed; 2 could not run (index busy, unknown engine). Inside folders, "
        "symbolic links are not followed and only regular files up to --max-file-mb are read.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="letter files or folders")
    p.add_argument(
        "--index",
        metavar="DIR",
        help="index folder (for --engine opensearch: optional, its name is added to the index-name prefix)",
    )
    engine_options.add(p, building=True)
    p.add_argument("--rebuild", action="store_true", help="reindex everything instead of only what changed")
    p.add_argument(
        "--workers", type=int, default=None, metavar="N", help="parser processes (default: one per CPU core)"
    )
    p.add_argument(
        "--max-file-mb",
        type=float,
        default=None,
        metavar="MB",
        help="largest letter file read, in MB (default 16; real letters are under 1 MB)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--no-alerts",
        action="store_true",
        help="do not look for saved searches' new results after the run (see `imr alerts run`)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from indexer.index.engine import EngineError
    from indexer.index.generations import IndexBusy
    from indexer.index.pipeline import build_index
    from indexer.letters.read import printable_name

    max_bytes = None
    if args.max_file_mb is not None:
        if args.max_file_mb <= 0:
            print("imr index: --max-file-mb must be a positive number", file=sys.stderr)
            return EXIT_CANNOT_RUN
        max_bytes = int(args.max_file_mb * 1024 * 1024)
    engine_options.apply(args)
    try:
        where = engine_options.index_location(args.engine, args.index)
        report = build_index(
            [Path(p) for p in args.paths],
            where,
            engine=args.engine,
            rebuild=args.rebuild,
            progress=not args.json,
            workers=args.workers,
            max_bytes=max_bytes,
        )
    except (IndexBusy, EngineError) as exc:
        print(f"imr index: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    data = report.to_json()
    if args.json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(
            f"{report.engine} index {report.index_dir} ({report.generation or 'empty'}): "
            f"{report.total_letters} letters, {report.total_passages} passages."
        )
        print(
            f"This run: {report.letters} letters / {report.passages} passages indexed, "
            f"{report.skipped_unchanged} unchanged, {report.removed} removed, "
            f"{len(report.failed)} failed, {len(report.duplicates)} duplicates, {len(report.skipped)} skipped, "
            f"{len(report.warnings)} warnings ({report.seconds:.1f}s)."
        )
        # one line per entry, whatever the file is called: names are printed escaped
        for label, entries, key in (
            ("warning", report.warnings, "message"),
            ("skipped", report.skipped, "reason"),
            ("failed", report.failed, "reason"),
        ):
            for e in entries:
                print(f"  {label}: {printable_name(e['file'])}: {printable_name(e[key])}")
        for d in report.duplicates:
            print(
                f"  duplicate: {printable_name(d['file'])}: same determination as {printable_name(d['kept'])} "
                "(indexed once, from that file)"
            )
    if report.changed and not args.no_alerts:
        from imr_cli.commands.alerts import after_indexing

        # a remote engine (opensearch) has no local index folder: None reads the configured one
        after_indexing(Path(args.index) if args.index else None, report.engine)
    return exit_status(report)


def exit_status(report) -> int:
    if not report.failed:
        return EXIT_OK
    if not report.letters and not report.skipped_unchanged:
        return EXIT_NOTHING_INDEXED
    return EXIT_FAILURES
