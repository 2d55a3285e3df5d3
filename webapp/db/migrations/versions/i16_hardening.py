"""Hardening: case-insensitive unique matter names, ids never reused, server-side
sessions, personal API tokens.

- matters: case variants of one name ("Race", "RACE") made before are merged into the
  oldest (their bookmarks move to it), then a unique index on (user_id, lower(name))
  keeps it so under concurrent requests;
- bookmarks, matters: SQLite tables rebuilt with AUTOINCREMENT, so a deleted row's id
  is never given to a new one (PostgreSQL sequences never reuse ids already);
- user_sessions, api_tokens: new tables.

Revision ID: i16_hardening
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i16_hardening"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _merge_case_variants(bind) -> None:
    rows = bind.execute(sa.text("SELECT id, user_id, lower(name) FROM matters ORDER BY id")).fetchall()
    keep: dict[tuple[int, str], int] = {}
    for mid, uid, lname in rows:
        first = keep.setdefault((uid, lname), mid)
        if first == mid:
            continue
        links = bind.execute(
            sa.text("SELECT bookmark_id FROM bookmark_matters WHERE matter_id = :m"), {"m": mid}
        ).fetchall()
        for (bid,) in links:
            exists = bind.execute(
                sa.text("SELECT 1 FROM bookmark_matters WHERE bookmark_id = :b AND matter_id = :k"),
                {"b": bid, "k": first},
            ).first()
            if exists is None:
                bind.execute(
                    sa.text("INSERT INTO bookmark_matters (bookmark_id, matter_id) VALUES (:b, :k)"),
                    {"b": bid, "k": first},
                )
        bind.execute(sa.text("DELETE FROM bookmark_matters WHERE matter_id = :m"), {"m": mid})
        bind.execute(sa.text("DELETE FROM matters WHERE id = :m"), {"m": mid})


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # CREATE TABLE is the only way to get AUTOINCREMENT; `webapp.db.migrate` turns
        # foreign keys off around migrations so the rebuild cannot cascade deletes
        for table in ("bookmarks", "matters"):
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
                batch.alter_column("id", existing_type=sa.Integer(), autoincrement=True)
    _merge_case_variants(bind)
    op.create_index("uq_matters_user_id_lower_name", "matters", ["user_id", sa.text("lower(name)")], unique=True)
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("user_sessions")
    op.drop_index("uq_matters_user_id_lower_name", table_name="matters")
