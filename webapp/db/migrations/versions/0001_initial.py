"""Initial schema: users, matters, bookmarks, bookmark citations, bookmark-matter links.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("is_local", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "bookmarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.String(length=255), nullable=False),
        sa.Column("letter_id", sa.String(length=255), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("decision_date", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bookmarks_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmarks")),
        sa.UniqueConstraint("user_id", "passage_id", name="uq_bookmarks_user_id_passage_id"),
    )
    op.create_index(op.f("ix_bookmarks_user_id"), "bookmarks", ["user_id"])
    op.create_index("ix_bookmarks_user_id_created_at", "bookmarks", ["user_id", "created_at"])
    op.create_table(
        "matters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_matters_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matters")),
        sa.UniqueConstraint("user_id", "name", name="uq_matters_user_id_name"),
    )
    op.create_index(op.f("ix_matters_user_id"), "matters", ["user_id"])
    op.create_table(
        "bookmark_citations",
        sa.Column("bookmark_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["bookmark_id"],
            ["bookmarks.id"],
            name=op.f("fk_bookmark_citations_bookmark_id_bookmarks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bookmark_id", "key", name=op.f("pk_bookmark_citations")),
    )
    op.create_index(op.f("ix_bookmark_citations_key"), "bookmark_citations", ["key"])
    op.create_table(
        "bookmark_matters",
        sa.Column("bookmark_id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bookmark_id"],
            ["bookmarks.id"],
            name=op.f("fk_bookmark_matters_bookmark_id_bookmarks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["matters.id"],
            name=op.f("fk_bookmark_matters_matter_id_matters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bookmark_id", "matter_id", name=op.f("pk_bookmark_matters")),
    )
    op.create_index("ix_bookmark_matters_matter_id", "bookmark_matters", ["matter_id"])


def downgrade() -> None:
    op.drop_table("bookmark_matters")
    op.drop_table("bookmark_citations")
    op.drop_table("matters")
    op.drop_table("bookmarks")
    op.drop_table("users")
