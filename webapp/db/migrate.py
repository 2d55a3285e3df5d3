"""Run the Alembic migrations that ship inside this package.

The app calls `upgrade_to_head` at start, so a new release upgrades the user's
database in place and a fresh machine gets the schema without a setup step.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration the database has not seen yet (no-op when current).

    On SQLite, foreign keys are off while migrating: a migration that rebuilds a
    table (the only way to change most things there) drops the old one, and with
    foreign keys on that drop would cascade-delete every row pointing at it. The
    pragma only takes effect outside a transaction, so it is set before one starts,
    and the keys are checked before they are turned back on."""
    if current_revision(engine) == head_revision():
        return
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()  # ends SQLAlchemy's autobegun block; SQLite began nothing for a pragma
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
