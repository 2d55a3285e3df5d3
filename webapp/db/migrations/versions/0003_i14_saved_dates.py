"""Saved searches and search history keep the search's date range.

Revision ID: i14_saved_dates
Revises: i14_saved_searches
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i14_saved_dates"
down_revision = "i14_saved_searches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("saved_searches", "search_history"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("dates", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("saved_searches", "search_history"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("dates")
