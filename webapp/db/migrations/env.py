"""Alembic environment: runs on the connection `webapp.db.migrate` hands over,
or on `sqlalchemy.url` / IMR_DATABASE_URL when invoked through the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from indexer import settings
from webapp.db.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or settings.get("IMR_DATABASE_URL")
    if not url:
        raise SystemExit("alembic: set IMR_DATABASE_URL (or sqlalchemy.url) to the database to migrate")
    return url


def run_offline() -> None:
    url = _url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from webapp.db import normalize_url

    engine = create_engine(normalize_url(_url()))
    with engine.begin() as conn:
        _configure(conn)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
