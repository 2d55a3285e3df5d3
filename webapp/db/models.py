"""The bookmark store's tables: users, matters, bookmarks (with a snapshot of
what was saved) and the citation keys each bookmark carries.

Every row that belongs to someone carries `user_id`, and every query in the
store filters on it: that is what keeps one attorney's work invisible to
another. The schema itself is created and changed only by Alembic migrations
(`webapp/db/migrations`), never by `create_all`, so a database made by an old
release is upgraded in place rather than recreated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from indexer.query.tree import DEFAULT_SCOPE

# Stable constraint names so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MATTER_NAME_MAX = 200
ID_MAX = 2**31 - 1  # ids are 32-bit on PostgreSQL; a larger one in a URL is simply not found
NOTE_MAX = 50_000
USERNAME_MAX = 64
TOKEN_NAME_MAX = 100
EMAIL_MAX = 320
SAVED_NAME_MAX = 200


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


bookmark_matters = Table(
    "bookmark_matters",
    Base.metadata,
    Column("bookmark_id", ForeignKey("bookmarks.id", ondelete="CASCADE"), primary_key=True),
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_bookmark_matters_matter_id", "matter_id"),
)


class User(Base):
    """An account. `is_local` marks the implicit owner used in single-user mode
    (bound to loopback, no accounts): it has no password and cannot log in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Rotated on password change or removal so existing sessions stop working.
    session_token: Mapped[str] = mapped_column(String(64))
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # where alert digests go (None: alerts show on /saved and in feeds only)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), nullable=True)


class Matter(Base):
    """A named folder of bookmarks (e.g. "Smith v. ABC Corp"). Names are unique per
    user whatever their case ("Race" and "RACE" are one matter), in the database
    itself, so two requests creating it at once cannot both succeed. Ids are never
    reused (AUTOINCREMENT on SQLite), so a retried DELETE cannot hit a newer matter."""

    __tablename__ = "matters"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_matters_user_id_name"),
        Index("uq_matters_user_id_lower_name", "user_id", func.lower("name"), unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MATTER_NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    bookmarks: Mapped[list[Bookmark]] = relationship(
        secondary=bookmark_matters, back_populates="matters", passive_deletes=True
    )


class Bookmark(Base):
    """A saved passage. `snapshot` keeps what the passage said when it was saved
    (item, decision, citations, rationale, letter metadata) so the bookmark
    outlives re-indexing and letters that leave the corpus."""

    __tablename__ = "bookmarks"
    __table_args__ = (
        UniqueConstraint("user_id", "passage_id", name="uq_bookmarks_user_id_passage_id"),
        Index("ix_bookmarks_user_id_created_at", "user_id", "created_at"),
        # ids are never reused: a retried DELETE of a removed bookmark must not hit a newer one
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    passage_id: Mapped[str] = mapped_column(String(255))
    letter_id: Mapped[str] = mapped_column(String(255))
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    item: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decision_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    matters: Mapped[list[Matter]] = relationship(
        secondary=bookmark_matters, back_populates="bookmarks", order_by="Matter.name"
    )
    citations: Mapped[list[BookmarkCitation]] = relationship(
        back_populates="bookmark",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="BookmarkCitation.key",
    )

    @property
    def citation_keys(self) -> list[str]:
        """Canonical citation keys in the order the passage cites them."""
        seen: dict[str, None] = {}
        for c in (self.snapshot or {}).get("citations") or []:
            if c.get("key"):
                seen.setdefault(c["key"], None)
        return list(seen)


class BookmarkCitation(Base):
    """One canonical citation key of a bookmarked passage, for filtering in SQL."""

    __tablename__ = "bookmark_citations"

    bookmark_id: Mapped[int] = mapped_column(ForeignKey("bookmarks.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)

    bookmark: Mapped[Bookmark] = relationship(back_populates="citations")


class UserSession(Base):
    """One signed-in browser. The cookie holds a random secret; only its SHA-256 is
    stored. Signing out deletes the row, so a copied cookie stops working at once."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's secret
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A personal API token (`imr token create USER`): sent as `Authorization: Bearer`.
    Only its SHA-256 is stored; the token itself is shown once, when created."""

    __tablename__ = "api_tokens"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SavedSearch(Base):
    """A search kept under a name: query, filters, scope and sort, and how its
    new results reach the user (`alert`: off, instant, daily, weekly).

    `cursor_lineage`/`cursor_seq` say which passages of the index it has
    already been checked against (see indexer.search.delta): everything
    numbered above `cursor_seq` in that index is still to be looked at."""

    __tablename__ = "saved_searches"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_saved_searches_user_id_name"),
        Index("ix_saved_searches_feed_token", "feed_token", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(SAVED_NAME_MAX))
    q: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {decided_from, decided_to, injured_from, injured_to: as typed} (see webapp.search.state)
    dates: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True, default=dict)
    scope: Mapped[str] = mapped_column(String(32), default=DEFAULT_SCOPE)
    sort: Mapped[str] = mapped_column(String(32), default="relevance")
    alert: Mapped[str] = mapped_column(String(16), default="off")
    feed_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cursor_lineage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cursor_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class AlertDigest(Base):
    """One e-mail of new results to one user. Hits are attached when it is
    composed; it is `pending` until the SMTP server accepts it, then `sent`.
    A failed attempt leaves it pending with the error, for the next run."""

    __tablename__ = "alert_digests"
    __table_args__ = (Index("ix_alert_digests_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(EMAIL_MAX))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sending, sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SavedSearchHit(Base):
    """A passage that newly matched a saved search. Unique per (search, passage):
    a passage is recorded, shown as new and mailed at most once per search.
    `snapshot` keeps what the digest and feed show (item, decision, letter)."""

    __tablename__ = "saved_search_hits"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "passage_id", name="uq_saved_search_hits_saved_search_id_passage_id"),
        Index("ix_saved_search_hits_saved_search_id_found_at", "saved_search_id", "found_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    passage_id: Mapped[str] = mapped_column(String(255))
    letter_id: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_digests.id", ondelete="SET NULL"), nullable=True, index=True
    )


class SearchHistory(Base):
    """One search a user ran (the newest 100 per user are kept)."""

    __tablename__ = "search_history"
    __table_args__ = (Index("ix_search_history_user_id_searched_at", "user_id", "searched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    q: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dates: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True, default=dict)
    scope: Mapped[str] = mapped_column(String(32), default=DEFAULT_SCOPE)
    sort: Mapped[str] = mapped_column(String(32), default="relevance")
    total: Mapped[int] = mapped_column(Integer, default=0)
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
