"""Saved searches, their new results, alert digests, search history; users' e-mail.

Revision ID: i14_saved_searches
Revises: i16_hardening
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i14_saved_searches"
down_revision = "i16_hardening"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("q", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("sort", sa.String(length=32), nullable=False),
        sa.Column("alert", sa.String(length=16), nullable=False),
        sa.Column("feed_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("last_viewed_at", UTC_DATETIME, nullable=False),
        sa.Column("last_mailed_at", UTC_DATETIME, nullable=True),
        sa.Column("cursor_lineage", sa.String(length=64), nullable=True),
        sa.Column("cursor_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_searches_user_id_name"),
    )
    op.create_index(op.f("ix_saved_searches_user_id"), "saved_searches", ["user_id"])
    op.create_index("ix_saved_searches_feed_token", "saved_searches", ["feed_token"], unique=True)
    op.create_table(
        "alert_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_attempt_at", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alert_digests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_digests")),
    )
    op.create_index(op.f("ix_alert_digests_user_id"), "alert_digests", ["user_id"])
    op.create_index("ix_alert_digests_status", "alert_digests", ["status"])
    op.create_table(
        "saved_search_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.String(length=255), nullable=False),
        sa.Column("letter_id", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("found_at", UTC_DATETIME, nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_searches.id"],
            name=op.f("fk_saved_search_hits_saved_search_id_saved_searches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["alert_digests.id"],
            name=op.f("fk_saved_search_hits_digest_id_alert_digests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search_hits")),
        sa.UniqueConstraint("saved_search_id", "passage_id", name="uq_saved_search_hits_saved_search_id_passage_id"),
    )
    op.create_index(
        "ix_saved_search_hits_saved_search_id_found_at", "saved_search_hits", ["saved_search_id", "found_at"]
    )
    op.create_index(op.f("ix_saved_search_hits_digest_id"), "saved_search_hits", ["digest_id"])
    op.create_table(
        "search_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("q", sa.Text(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("sort", sa.String(length=32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("searched_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_search_history_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_history")),
    )
    op.create_index("ix_search_history_user_id_searched_at", "search_history", ["user_id", "searched_at"])


def downgrade() -> None:
    op.drop_table("search_history")
    op.drop_table("saved_search_hits")
    op.drop_table("alert_digests")
    op.drop_table("saved_searches")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
