"""`imr serve`: the web app behind a production WSGI server (waitress).

With no index yet it indexes the corpus first, so `make serve` on a fresh
checkout gives a working app on the sample letters.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from imr_cli.commands import engine_options

DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the web app",
        description="Serve the search web app with waitress. Indexes the corpus first when no index exists.",
    )
    p.add_argument("--index", metavar="DIR", help="index folder (default: $IMR_INDEX_DIR or DATA_DIR/index)")
    engine_options.add(p, default=None)
    p.add_argument(
        "--corpus",
        metavar="PATH",
        help="letters to index when there is no index yet (default: $IMR_CORPUS or ./corpus)",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder for the secret key and database (default: $IMR_DATA_DIR or ./data)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    p.add_argument(
        "--reindex",
        action="store_true",
        help="update the index from the corpus before serving (incremental: unchanged files are skipped)",
    )
    p.set_defaults(func=run)


def has_index(index_dir: Path | None, engine: str) -> bool:
    """A published generation of this engine's index (a half-built one does not count)."""
    from indexer.index.pipeline import index_exists

    return index_exists(index_dir, engine)


def build_if_needed(index_dir: Path | None, corpus: Path, engine: str, force: bool) -> bool:
    """Index `corpus` into `index_dir` when there is no index (or when forced).

    Returns False (after saying why) when there is nothing to serve.
    """
    if has_index(index_dir, engine) and not force:
        return True
    if not corpus.exists():
        if has_index(index_dir, engine):
            print(f"imr serve: corpus {corpus} not found; serving the existing index.", file=sys.stderr)
            return True
        print(
            f"imr serve: no index at {index_dir} and no corpus at {corpus} to build one from.\n"
            f"Give the letters with --corpus PATH, or build an index with `imr index PATH --index {index_dir}`.",
            file=sys.stderr,
        )
        return False
    from indexer.index.engine import engine_home
    from indexer.index.pipeline import build_index

    print(
        f"Indexing {corpus} into {engine_home(engine, index_dir).describe()} ({engine}) ...",
        file=sys.stderr,
        flush=True,
    )
    report = build_index([corpus], index_dir, engine=engine, progress=sys.stderr.isatty())
    summary = report.to_json()
    print(
        f"Indexed {summary.get('letters', 0)} letters, {summary.get('passages', 0)} passages"
        f" ({summary.get('skipped_unchanged', 0)} unchanged, {len(summary.get('warnings', []))} warnings,"
        f" {len(summary.get('failed', []))} failed).",
        file=sys.stderr,
        flush=True,
    )
    from indexer.letters.read import printable_name

    for failure in summary.get("failed", []):
        print(f"  failed: {printable_name(failure['file'])}: {printable_name(failure['reason'])}", file=sys.stderr)
    if report.changed:
        from imr_cli.commands.alerts import after_indexing

        after_indexing(index_dir, engine)
    return True


def run(args: argparse.Namespace) -> int:
    if args.data_dir:
        os.environ["IMR_DATA_DIR"] = str(Path(args.data_dir).resolve())
    from webapp.config import load_config

    engine_options.apply(args)
    config = load_config()
    engine = args.engine or config["IMR_ENGINE"]
    from indexer.index.engine import EngineError, engine_class

    try:
        remote = engine_class(engine).remote
    except EngineError as exc:
        print(f"imr serve: {exc}", file=sys.stderr)
        return 2
    # a remote engine's index is on its cluster: no folder unless one is named
    index_dir = (
        (Path(args.index) if args.index else None) if remote else Path(args.index or config["IMR_INDEX_DIR"]).resolve()
    )
    corpus = Path(args.corpus or config["IMR_CORPUS"]).resolve()
    try:
        if not build_if_needed(index_dir, corpus, engine, force=args.reindex):
            return 2
    except EngineError as exc:  # settings missing or the cluster unreachable
        print(f"imr serve: {exc}", file=sys.stderr)
        return 2

    import waitress

    from webapp import create_app
    from webapp.service import close_service

    app = create_app(
        {
            "IMR_INDEX_DIR": str(index_dir or ""),
            "IMR_ENGINE": engine,
            "IMR_CORPUS": str(corpus),
            "IMR_BIND_HOST": args.host,
        }
    )
    try:
        # the app refuses bodies over MAX_CONTENT_LENGTH with a 413; waitress stops reading
        # just past it instead of buffering its default 1 GB
        server = waitress.create_server(
            app,
            host=args.host,
            port=args.port,
            threads=max(1, args.threads),
            ident="imr",
            max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 65536,
        )
    except OSError as exc:
        print(f"imr serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving IMR Precedent Search on http://{host}:{server.effective_port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        close_service(app)
    return 0
