"""`imr parse FILE...`: print the parsed letters as a JSON array.

One object per file: `Letter.to_dict()` plus `citation_keys` (distinct
canonical keys, on the letter and on each passage). A file that cannot be
read gives `{"source_file": ..., "error": "<one-line reason>"}` and a line on
stderr, and the other files are still parsed. A folder argument means every
`.txt` and `.pdf` below it.

Exit status: 0 when at least one file was parsed (warnings and some unreadable
files do not fail the command, as in a batch nobody wants one bad file to look
like total failure); 1 when every file failed; 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from indexer.letters import UnreadableLetterError, parse_file
from indexer.letters.read import printable_name, text_safe
from indexer.passages.citations import citation_keys

LETTER_SUFFIXES = (".txt", ".pdf")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "parse",
        help="parse letters and print them as JSON",
        description="Parse IMR letters (.txt or .pdf) and print a JSON array, one object per file.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="letter files, or folders to search for .txt/.pdf")
    p.add_argument("--compact", action="store_true", help="one line of JSON instead of indented output")
    p.set_defaults(func=run)


def expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LETTER_SUFFIXES)
        else:
            out.append(path)
    return out


def letter_json(path: Path) -> dict[str, Any]:
    try:
        letter = parse_file(path)
    except UnreadableLetterError as exc:
        return {"source_file": text_safe(str(path)), "error": str(exc)}
    d = letter.to_dict()
    all_cites = []
    for p, pd in zip(letter.passages, d["passages"], strict=True):
        pd["citation_keys"] = citation_keys(p.citations)
        all_cites += p.citations
    d["citation_keys"] = citation_keys(all_cites)
    return d


def run(args: argparse.Namespace) -> int:
    files = expand(args.files)
    if not files:
        print("imr parse: no .txt or .pdf letters found", file=sys.stderr)
        return 1
    results = []
    failed = 0
    for path in files:
        obj = letter_json(path)
        if "error" in obj:
            failed += 1
            print(f"imr parse: {printable_name(str(path))}: {obj['error']}", file=sys.stderr)
        results.append(obj)
    json.dump(results, sys.stdout, indent=None if args.compact else 2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if failed == len(files) else 0
