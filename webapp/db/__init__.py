"""Database access for the web app: one engine per database URL, schema
migrations applied at start, and one SQLAlchemy session per request.

SQLite (the default, a file in the data folder) runs in WAL mode so readers
never block the writer; PostgreSQL is used when `IMR_DATABASE_URL` names one.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from webapp.db.migrate import upgrade_to_head

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class DatabaseConfigError(RuntimeError):
    """The configured database URL cannot be used (with a message saying why)."""


def changed_rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed."""
    result = session.execute(statement)
    # DML runs on a cursor; Session.execute is typed with the general Result
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


def normalize_url(url: str) -> str:
    """Accept the URLs people write (`postgres://`, `postgresql://`) and pick the
    installed driver (psycopg 3) instead of SQLAlchemy's psycopg2 default."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
    finally:
        cur.close()


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (notes are private work
    product); SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def get_engine(url: str) -> Engine:
    """The shared engine for `url`, created (and its SQLite folder made) on first use."""
    url = normalize_url(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        try:
            parsed = make_url(url)
        except Exception as exc:  # noqa: BLE001 - any parse error is a config error
            raise DatabaseConfigError(f"IMR_DATABASE_URL is not a database URL: {url!r}") from exc
        kwargs: dict[str, Any] = {"future": True}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                _private_file(Path(database).expanduser())
            kwargs["connect_args"] = {"timeout": 10}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = create_engine(url, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raise DatabaseConfigError(
                f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}"
            ) from exc
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close and forget the engine for `url` (tests that drop their database)."""
    with _engines_lock:
        engine = _engines.pop(normalize_url(url), None)
    if engine is not None:
        engine.dispose()


def init_db(app: Flask) -> None:
    """Bind the app to its database and bring the schema up to date.

    Called by both the auth and bookmarks areas; only the first call does work.
    """
    if "imr_db" in app.extensions:
        return
    engine = get_engine(app.config["IMR_DATABASE_URL"])
    try:
        upgrade_to_head(engine)
    except SQLAlchemyError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseConfigError(
            f"cannot open the bookmarks database {shown} (IMR_DATABASE_URL): {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    app.extensions["imr_db"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    app = app or current_app
    return app.extensions["imr_db"]


def get_session() -> Session:
    """The request's session (created on first use, closed at teardown)."""
    session = g.get("_imr_db_session")
    if session is None:
        session = session_factory()()
        g._imr_db_session = session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("_imr_db_session", None)
    if session is not None:
        session.close()
