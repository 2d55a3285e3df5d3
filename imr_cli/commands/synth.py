"""`imr synth --letters N --out DIR [--seed S]`: a realistic synthetic corpus.

For benchmarks at DWC scale (the real corpus is over a million letters) and
for parser round-trip tests: every letter comes with the facts it was built
from in `DIR/manifest.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "synth",
        help="write a synthetic corpus of IMR letters",
        description="Write N synthetic IMR letters in the real layout (PDF-style text) under DIR, "
        "in folders of 1,000, with DIR/manifest.jsonl recording each letter's items, decisions "
        "and citations. The same seed always gives the same letters.",
    )
    p.add_argument("--letters", type=int, required=True, metavar="N", help="number of letters")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--workers", type=int, default=None, metavar="W", help="processes (default: all cores)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from indexer.synth.corpus import write_corpus

    if args.letters < 0:
        print("imr synth: --letters must be zero or more", file=sys.stderr)
        return 2
    try:
        report = write_corpus(
            args.out, args.letters, seed=args.seed, workers=args.workers, progress=sys.stderr.isatty() and not args.json
        )
    except OSError as exc:
        print(f"imr synth: cannot write to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    summary = {
        "letters": report.letters,
        "passages": report.passages,
        "overturned": report.overturned,
        "bytes": report.bytes,
        "seconds": round(report.seconds, 3),
        "letters_per_second": round(report.letters_per_second, 1),
        "out": report.out,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        rate = report.overturned / report.passages if report.passages else 0.0
        print(
            f"Wrote {report.letters} letters ({report.passages} passages, {rate:.1%} overturned, "
            f"{report.bytes / 1e6:.1f} MB) to {report.out} in {report.seconds:.1f}s "
            f"({report.letters_per_second:.0f} letters/s)"
        )
    return 0
