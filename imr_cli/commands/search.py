"""`imr search QUERY --index DIR`: search passages from the command line.

`--json` prints exactly what `/api/search` returns
(`{"query", "parsed", "total", "hits", "facets", ...}`).
"""

from __future__ import annotations

import argparse
import json
import sys

from imr_cli.commands import engine_options
from indexer.query.tree import DEFAULT_SCOPE, SCOPES
from indexer.query.types import FACETS, SORTS, Fragment


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "search",
        help="search the passage index",
        description='Search rationale passages. Query syntax: words (ANDed), "phrases", OR, NOT/-word, '
        '(groups), word*, word!, a w/5 b, "a b"~5, field:value (item:, rationale:, decision:, '
        "citation:, specialty:, ...).",
    )
    p.add_argument("query", nargs="?", default="", help="the query (empty: browse everything)")
    p.add_argument(
        "--index",
        metavar="DIR",
        help="index folder (for --engine opensearch: optional, its name is added to the index-name prefix)",
    )
    engine_options.add(p)
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="FACET=VALUE",
        help=f"narrow by a facet value; repeat (same facet: OR). Facets: {', '.join(FACETS)}",
    )
    p.add_argument("--sort", choices=SORTS, default="relevance")
    p.add_argument(
        "--scope",
        choices=SCOPES,
        default=DEFAULT_SCOPE,
        help=(
            "request (default): when the words name requests, count the passages whose request matches; "
            "passage: every passage whose own text matches; letter: also its case summary"
        ),
    )
    p.add_argument("--limit", type=int, default=10, metavar="N", help="hits per page (default 10)")
    p.add_argument("--page", type=int, default=1, metavar="N")
    p.add_argument("--json", action="store_true", help="print the response as JSON")
    p.set_defaults(func=run)


def _filters(items: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    out: dict[str, list[str]] = {}
    errors = []
    for item in items:
        facet, sep, value = item.partition("=")
        if not sep or not facet.strip() or not value.strip():
            errors.append(f"--filter {item!r} should look like FACET=VALUE")
            continue
        out.setdefault(facet.strip(), []).append(value.strip())
    return out, errors


def _plain(fragment: Fragment) -> str:
    """A highlight fragment for a terminal: the matches in *...*."""
    return "".join(f"*{run.text}*" if run.marked else run.text for run in fragment)


def run(args: argparse.Namespace) -> int:
    from indexer.index.engine import EngineError
    from indexer.index.generations import IndexNotFound
    from indexer.query.types import SearchRequest
    from indexer.search.service import SearchService

    filters, errors = _filters(args.filter)
    for e in errors:
        print(f"imr search: {e}", file=sys.stderr)
    if errors:
        return 2
    engine_options.apply(args)
    try:
        service = SearchService.open(engine_options.index_location(args.engine, args.index), engine=args.engine)
    except (IndexNotFound, EngineError) as exc:
        print(f"imr search: {exc}", file=sys.stderr)
        return 2
    with service:
        resp = service.search(
            SearchRequest(
                query=args.query, filters=filters, sort=args.sort, page=args.page, per_page=args.limit, scope=args.scope
            )
        )
    if args.json:
        json.dump(resp.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    for m in resp.messages:
        print(f"note: {m}")
    if resp.parsed and resp.parsed != resp.query:
        print(f"read as: {resp.parsed}")
    if resp.matched_citations:
        print("citations: " + "; ".join(resp.matched_citations))
    first = (resp.page - 1) * resp.per_page
    print(
        f"{resp.total} passage{'s' if resp.total != 1 else ''} in {resp.total_letters} "
        f"letter{'s' if resp.total_letters != 1 else ''}"
        + (f" (showing {first + 1}-{first + len(resp.hits)})" if resp.hits else "")
        + (" whose request matches" if resp.requests_only else "")
    )
    if resp.discussed_total:
        print(
            f"{resp.discussed_total} more passage{'s' if resp.discussed_total != 1 else ''} have the words only "
            "in the reasoning (not counted; --scope passage counts them)"
        )
    for n, h in enumerate(resp.hits, first + 1):
        print(f"\n{n}. [{h.decision or 'unparsed'}] {h.item}  ({h.passage_id}, score {h.score:g})")
        for field in ("rationale", "reviewer_guideline", "claims_administrator_guideline", "summary"):
            for frag in h.highlights.get(field, [])[:2]:
                print(f"   {field}: {_plain(frag)}")
        marked = list(dict.fromkeys(c.key for c in h.citations if c.matched))
        if marked:
            print("   cites: " + "; ".join(marked))
    print("\nfacets:")
    for facet in FACETS:
        values = resp.facets.get(facet) or []
        if values:
            print(f"  {facet}: " + ", ".join(f"{v.value} ({v.count})" for v in values[:8]))
    return 0
