"""`imr vocab audit DIR...`: guideline wordings in letters that the vocabulary does not know.

Prints one line per unknown wording: how many citations use it, why it is unknown (an
unknown source, chapter or topic), the key the parser made of it, the words as printed and
an example letter, most frequent first; `--json` prints the report as JSON. Add the
wordings worth knowing to indexer/vocab/guidelines.toml and run it again.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "vocab", help="vocabulary tools (audit letters for unknown guideline wordings)", description="Vocabulary tools."
    )
    sub = p.add_subparsers(dest="vocab_command", required=True, metavar="ACTION")
    a = sub.add_parser(
        "audit",
        help="list guideline wordings in letters that do not canonicalise",
        description="List every guideline wording in the letters under DIR... whose source, "
        "chapter or topic the vocabulary does not know, with counts and an example.",
    )
    a.add_argument("paths", nargs="+", metavar="DIR", help="letter files or folders (.txt, .pdf)")
    a.add_argument("--json", action="store_true", help="print the report as JSON")
    a.set_defaults(func=run_audit)


def run_audit(args: argparse.Namespace) -> int:
    from indexer.letters.audit import audit

    try:
        report = audit(args.paths)
    except FileNotFoundError as exc:
        print(f"imr vocab audit: no such file or folder: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    print(
        f"{report.files} letter files, {report.citations} guideline citations, "
        f"{len(report.unknown)} unknown wordings, {len(report.unreadable)} unreadable files."
    )
    for u in report.unknown:
        print(f'{u.count:6d}  {u.kind:<7}  {u.key}  <- "{u.wording}"  e.g. {u.example}')
    for f in report.unreadable:
        print(f"  unreadable: {f['file']}: {f['reason']}", file=sys.stderr)
    return 0
