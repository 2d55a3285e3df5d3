"""`imr alerts run`: record saved searches' new results and e-mail what is due.

`imr index` (and `imr serve` when it indexes) runs this after every run that
changed the index; schedule `imr alerts run` with cron as well, so daily and
weekly digests go out on time and failed e-mails are retried.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from imr_cli.commands import engine_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="saved-search alerts: find new results, send e-mail digests",
        description="Saved-search alerts. E-mail goes through the SMTP server in IMR_SMTP_URL.",
    )
    sub = parser.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    run = sub.add_parser("run", help="record new results of every saved search and send the digests due")
    run.add_argument("--index", metavar="DIR", help="index folder (default: $IMR_INDEX_DIR or DATA_DIR/index)")
    engine_options.add(run, default=None)
    run.add_argument(
        "--database-url", metavar="URL", help="the app's database (default: IMR_DATABASE_URL, else data/imr.sqlite3)"
    )
    run.add_argument(
        "--base-url",
        metavar="URL",
        help="the address users open the app at, for links in e-mails (default: $IMR_BASE_URL)",
    )
    run.add_argument("--no-mail", action="store_true", help="record new results but send no e-mail")
    run.add_argument("--json", action="store_true", help="print the report as JSON")
    run.set_defaults(func=cmd_run)


def _targets(index: str | None, engine: str | None, database_url: str | None) -> tuple[Path | None, str, str]:
    """The index, engine and database to use, as `imr serve` resolves them: a remote
    engine's index is on its cluster (a folder named only adds to the index-name prefix)."""
    from indexer.index.engine import engine_class
    from webapp.config import load_config

    config = load_config()
    engine = engine or config["IMR_ENGINE"]
    if engine_class(engine).remote:
        where = Path(index) if index else None
    else:
        where = Path(index or config["IMR_INDEX_DIR"])
    return where, engine, database_url or config["IMR_DATABASE_URL"]


def run_once(index_dir: Path | None, engine: str, database_url: str, base_url: str | None = None, send: bool = True):
    """Open the index and the database, run the alerts once, close both."""
    from sqlalchemy.orm import Session

    from indexer.search.service import SearchService
    from webapp.db import get_engine
    from webapp.db.migrate import upgrade_to_head
    from webapp.saved.run import run_alerts

    db = get_engine(database_url)
    upgrade_to_head(db)
    with SearchService.open(index_dir, engine=engine) as service, Session(db, expire_on_commit=False) as session:
        return run_alerts(session, service, base_url=base_url, send=send)


def print_report(report, as_json: bool, out=None) -> None:
    out = out or sys.stdout
    data = report.to_json()
    if as_json:
        json.dump(data, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
        return
    m = data["matches"]
    print(f"Alerts: {m['new_passages']} new passage(s) checked against {m['checked']} saved search(es).", file=out)
    for s in m["matches"]:
        print(f"  {s['user']}: “{s['name']}”: {s['new']} new", file=out)
    print(f"E-mail: {data['delivery']['mail']}", file=out)
    for d in data["delivery"]["digests"]:
        what = "sent" if d["status"] == "sent" else f"NOT sent ({d['error']}); will retry"
        print(
            f"  digest {d['digest_id']} to {d['recipient']}: {d['passages']} passage(s) "
            f"for {', '.join(d['searches'])}: {what}",
            file=out,
        )


def cmd_run(args: argparse.Namespace) -> int:
    from indexer.index.engine import EngineError
    from indexer.index.generations import IndexNotFound

    engine_options.apply(args)
    try:
        index_dir, engine, url = _targets(args.index, args.engine, args.database_url)
        report = run_once(index_dir, engine, url, base_url=args.base_url, send=not args.no_mail)
    except (IndexNotFound, EngineError) as exc:
        print(f"imr alerts: {exc}", file=sys.stderr)
        return 2
    print_report(report, args.json)
    failed = any(d.status != "sent" for d in report.delivery.digests)
    return 1 if failed else 0


def after_indexing(index_dir: Path | None, engine: str, out=None) -> None:
    """The hook after an indexing run that changed the index: alerts for the new
    passages. Skipped when the app has no database yet (so no saved searches);
    a failure is reported and never fails the indexing run."""
    from sqlalchemy.engine import make_url

    from webapp.db import normalize_url

    out = out or sys.stderr
    index_dir, engine, url = _targets(str(index_dir) if index_dir is not None else None, engine, None)
    try:
        parsed = make_url(normalize_url(url))
        if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
            return
        report = run_once(index_dir, engine, url)
    except Exception as exc:  # noqa: BLE001 - alerts must not break indexing
        print(
            f"imr: alerts after indexing failed ({exc.__class__.__name__}: {exc}); run `imr alerts run` to retry",
            file=out,
        )
        return
    print_report(report, False, out=out)
