"""The schema comes from the Alembic migrations (applied at app start), matches
the models, and SQLite runs in WAL mode with foreign keys enforced."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tests.bookmarks.conftest import save
from webapp.db import get_engine, normalize_url
from webapp.db.migrate import current_revision, head_revision, upgrade_to_head
from webapp.db.models import Base


def test_app_start_migrates_to_head(app, db_url):
    engine = get_engine(db_url)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"users", "matters", "bookmarks", "bookmark_matters", "bookmark_citations", "alembic_version"} <= tables


def test_migrations_match_the_models(app, db_url):
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_keeps_data(app, client, db_url):
    bm = save(client, "000_d9810e0ddbbc91c8-1", note="keep")
    upgrade_to_head(get_engine(db_url))
    assert client.get(bm["url"]).get_json()["note"] == "keep"


def test_sqlite_uses_wal_and_foreign_keys(app, db_url):
    if not db_url.startswith("sqlite"):
        return  # PostgreSQL has neither setting; covered by the sqlite run
    with get_engine(db_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_database_is_a_file_in_the_data_folder(tmp_path, monkeypatch):
    from webapp.config import load_config

    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IMR_DATABASE_URL", raising=False)
    assert load_config()["IMR_DATABASE_URL"] == f"sqlite:///{tmp_path / 'imr.sqlite3'}"


def test_postgres_urls_use_the_installed_driver():
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unusable_database_gives_a_clear_error(tmp_path, service, monkeypatch):
    import pytest

    from tests.bookmarks.conftest import make_app
    from webapp.db import DatabaseConfigError

    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DatabaseConfigError, match="IMR_DATABASE_URL"):
        make_app("postgresql://nobody@/nowhere?host=/nonexistent-socket-dir", tmp_path, service)
    with pytest.raises(DatabaseConfigError, match="not a database URL"):
        make_app("::not a url::", tmp_path, service)
