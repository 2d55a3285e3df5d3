"""Bookmarks and matters for one user: every function takes the owner's id and
never touches another user's rows. An id that exists but belongs to someone
else is reported exactly like one that does not exist (NotFound), so nobody
can learn what others have saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from indexer.model import DECISIONS, CitationKey
from webapp.bookmarks.snapshot import citation_keys, normalize_snapshot
from webapp.db.models import (
    ID_MAX,
    MATTER_NAME_MAX,
    NOTE_MAX,
    Bookmark,
    BookmarkCitation,
    Matter,
    bookmark_matters,
    utcnow,
)

SORTS = {
    "saved": "Date saved (newest first)",
    "oldest": "Date saved (oldest first)",
    "letter": "Letter",
}
DEFAULT_SORT = "saved"
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000


class ValidationError(ValueError):
    """Input that cannot be accepted; the message is shown to the user as is."""


class NotFound(LookupError):
    """No such bookmark or matter for this user."""


@dataclass
class BookmarkQuery:
    matter: int | None = None
    decision: str | None = None  # "Upheld", "Overturned" or "none"
    citation: str | None = None  # a citation key or a prefix of one (source | chapter)
    q: str | None = None  # text in notes
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_args(cls, args: Any) -> BookmarkQuery:
        """From request args; bad values are reported, not ignored silently."""

        def one(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            return value or None

        matter_text = one("matter")
        matter: int | None = None
        if matter_text is not None:
            if not matter_text.isdigit() or not 0 < int(matter_text) <= ID_MAX:
                raise ValidationError("matter must be a matter id (a number)")
            matter = int(matter_text)
        decision = one("decision")
        if decision is not None:
            canon = {d.lower(): d for d in (*DECISIONS, "none")}
            if decision.lower() not in canon:
                raise ValidationError("decision must be Upheld, Overturned or none")
            decision = canon[decision.lower()]
        sort = one("sort") or DEFAULT_SORT
        if sort not in SORTS:
            raise ValidationError(f"sort must be one of: {', '.join(SORTS)}")
        page = _positive_int(one("page"), 1, "page")
        per_page = min(_positive_int(one("per_page"), 50, "per_page"), MAX_PER_PAGE)
        return cls(
            matter=matter,
            decision=decision,
            citation=one("citation"),
            q=one("q"),
            sort=sort,
            page=page,
            per_page=per_page,
        )

    def active(self) -> dict[str, Any]:
        """The filters in force (for the JSON twin and the page's chips)."""
        return {
            k: v
            for k, v in (
                ("matter", self.matter),
                ("decision", self.decision),
                ("citation", self.citation),
                ("q", self.q),
            )
            if v is not None
        }


def _positive_int(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(f"{name} must be a positive whole number")
    if len(value) > 7 or int(value) > MAX_PAGE:
        raise ValidationError(f"{name} must be at most {MAX_PAGE:,}")
    return int(value)


@dataclass
class Page:
    bookmarks: list[Bookmark]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class MatterCount:
    matter: Matter
    count: int


@dataclass
class FilterOptions:
    """Values a user can filter by, with how many of their bookmarks have each."""

    decisions: list[tuple[str, int]] = field(default_factory=list)
    citations: list[tuple[str, int]] = field(default_factory=list)


# --- bookmarks -------------------------------------------------------------


def _filtered(user_id: int, query: BookmarkQuery) -> Select:
    stmt = select(Bookmark).where(Bookmark.user_id == user_id)
    if query.matter is not None:
        stmt = stmt.where(Bookmark.matters.any(Matter.id == query.matter))
    if query.decision == "none":
        stmt = stmt.where(Bookmark.decision.is_(None))
    elif query.decision:
        stmt = stmt.where(Bookmark.decision == query.decision)
    if query.citation:
        key = CitationKey.parse(query.citation)
        stmt = stmt.where(
            Bookmark.citations.any(
                or_(
                    BookmarkCitation.key == str(key),
                    BookmarkCitation.key.startswith(key.descendant_prefix, autoescape=True),
                )
            )
        )
    if query.q:
        stmt = stmt.where(func.lower(Bookmark.note).contains(query.q.lower(), autoescape=True))
    return stmt


def _ordered(stmt: Select, sort: str) -> Select:
    if sort == "oldest":
        return stmt.order_by(Bookmark.created_at.asc(), Bookmark.id.asc())
    if sort == "letter":
        return stmt.order_by(Bookmark.letter_id.asc(), Bookmark.ordinal.asc(), Bookmark.id.asc())
    return stmt.order_by(Bookmark.created_at.desc(), Bookmark.id.desc())


def list_bookmarks(session: Session, user_id: int, query: BookmarkQuery | None = None, paged: bool = True) -> Page:
    query = query or BookmarkQuery()
    stmt = _filtered(user_id, query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = _ordered(stmt, query.sort).options(selectinload(Bookmark.matters), selectinload(Bookmark.citations))
    if paged:
        stmt = stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)
    rows = list(session.scalars(stmt))
    return Page(rows, int(total), query.page if paged else 1, query.per_page if paged else max(total, 1))


def get_bookmark(session: Session, user_id: int, bookmark_id: int) -> Bookmark:
    if not 0 < bookmark_id <= ID_MAX:
        raise NotFound(f"no bookmark with id {bookmark_id}")
    bm = session.scalar(
        select(Bookmark)
        .where(Bookmark.id == bookmark_id, Bookmark.user_id == user_id)
        .options(selectinload(Bookmark.matters), selectinload(Bookmark.citations))
    )
    if bm is None:
        raise NotFound(f"no bookmark with id {bookmark_id}")
    return bm


def find_by_passage(session: Session, user_id: int, passage_id: str) -> Bookmark | None:
    return session.scalar(select(Bookmark).where(Bookmark.user_id == user_id, Bookmark.passage_id == passage_id))


def bookmarked_passages(session: Session, user_id: int) -> dict[str, int]:
    """passage id -> bookmark id, for marking passages as saved on any page."""
    rows = session.execute(select(Bookmark.passage_id, Bookmark.id).where(Bookmark.user_id == user_id)).all()
    return dict(rows)


def validate_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ValidationError("note must be text")
    if len(note) > NOTE_MAX:
        raise ValidationError(f"note is too long ({len(note):,} characters; the limit is {NOTE_MAX:,})")
    return note.replace("\r\n", "\n")


def create_bookmark(
    session: Session,
    user_id: int,
    snapshot: dict[str, Any],
    note: Any = "",
    matters: Iterable[Any] = (),
    created_at: datetime | None = None,
    commit: bool = True,
) -> tuple[Bookmark, bool]:
    """Save a passage. Saving one that is already saved returns the existing
    bookmark (created=False) and adds any new note text and matters to it,
    so a double click or a repeated import never loses or duplicates work.
    With `commit=False` the caller commits (an import is one transaction)."""
    snapshot = normalize_snapshot(snapshot)
    note = validate_note(note)
    matter_rows = resolve_matters(session, user_id, matters)
    existing = find_by_passage(session, user_id, snapshot["passage_id"])
    if existing is not None:
        _merge_into(existing, note, matter_rows)
        session.commit() if commit else session.flush()
        return existing, False
    bm = Bookmark(
        user_id=user_id,
        passage_id=snapshot["passage_id"],
        letter_id=snapshot["letter_id"],
        ordinal=snapshot["ordinal"],
        item=snapshot["item"],
        decision=snapshot["decision"],
        decision_date=(snapshot["letter"].get("decision_date") or None),
        note=note,
        snapshot=snapshot,
        matters=matter_rows,
        citations=[BookmarkCitation(key=k) for k in citation_keys(snapshot)],
    )
    if created_at is not None:
        bm.created_at = created_at
        bm.updated_at = created_at
    session.add(bm)
    if not commit:
        session.flush()
        return bm, True
    matter_names = [m.name for m in matter_rows]
    try:
        session.commit()
    except IntegrityError:  # saved concurrently by another request
        session.rollback()
        existing = find_by_passage(session, user_id, snapshot["passage_id"])
        if existing is None:
            raise
        _merge_into(existing, note, resolve_matters(session, user_id, matter_names))
        session.commit()
        return existing, False
    return bm, True


def _merge_into(bm: Bookmark, note: str, matters: list[Matter]) -> None:
    if note.strip() and note.strip() not in bm.note:
        bm.note = f"{bm.note.rstrip()}\n\n{note}" if bm.note.strip() else note
        bm.updated_at = utcnow()
    for m in matters:
        if m not in bm.matters:
            bm.matters.append(m)


def update_bookmark(
    session: Session,
    user_id: int,
    bookmark_id: int,
    *,
    note: Any = None,
    matters: Iterable[Any] | None = None,
    set_note: bool = False,
) -> Bookmark:
    """Change a bookmark's note (when `set_note`) and/or replace its matters."""
    bm = get_bookmark(session, user_id, bookmark_id)
    if set_note:
        bm.note = validate_note(note)
    if matters is not None:
        bm.matters = resolve_matters(session, user_id, matters)
    bm.updated_at = utcnow()
    session.commit()
    return bm


def delete_bookmark(session: Session, user_id: int, bookmark_id: int) -> None:
    bm = get_bookmark(session, user_id, bookmark_id)
    session.delete(bm)
    session.commit()


# --- matters ---------------------------------------------------------------


def clean_name(name: Any, thing: str, limit: int) -> str:
    """A user-given name (of a matter, a saved search): text, spaces collapsed, not empty, bounded."""
    if not isinstance(name, str):
        raise ValidationError(f"a {thing} name must be text")
    name = " ".join(name.split())
    if not name:
        raise ValidationError(f"a {thing} needs a name")
    if len(name) > limit:
        raise ValidationError(f"a {thing} name is at most {limit} characters")
    return name


def validate_matter_name(name: Any) -> str:
    return clean_name(name, "matter", MATTER_NAME_MAX)


def find_matter_by_name(session: Session, user_id: int, name: str) -> Matter | None:
    return session.scalar(select(Matter).where(Matter.user_id == user_id, func.lower(Matter.name) == name.lower()))


def get_matter(session: Session, user_id: int, matter_id: int) -> Matter:
    if not 0 < matter_id <= ID_MAX:
        raise NotFound(f"no matter with id {matter_id}")
    m = session.scalar(select(Matter).where(Matter.id == matter_id, Matter.user_id == user_id))
    if m is None:
        raise NotFound(f"no matter with id {matter_id}")
    return m


def list_matters(session: Session, user_id: int) -> list[MatterCount]:
    rows = session.execute(
        select(Matter, func.count(bookmark_matters.c.bookmark_id))
        .outerjoin(bookmark_matters, bookmark_matters.c.matter_id == Matter.id)
        .where(Matter.user_id == user_id)
        .group_by(Matter.id)
        .order_by(func.lower(Matter.name))
    )
    return [MatterCount(m, int(n)) for m, n in rows]


def create_matter(session: Session, user_id: int, name: Any) -> tuple[Matter, bool]:
    """The user's matter of that name (any case): (matter, created). Creating one that
    exists, or that another request creates at the same moment, returns the existing
    one: the database's unique index on (user, lower(name)) decides the race."""
    matter, created = get_or_create_matter(session, user_id, name)
    session.commit()
    return matter, created


def get_or_create_matter(session: Session, user_id: int, name: Any) -> tuple[Matter, bool]:
    """As `create_matter`, inside the caller's transaction (flushed, not committed)."""
    name = validate_matter_name(name)
    existing = find_matter_by_name(session, user_id, name)
    if existing is not None:
        return existing, False
    # INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL): a concurrent request
    # that inserted the same name first makes this a no-op instead of an error, and
    # no savepoint is needed (SQLite's Python driver mishandles those)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    new_id = session.execute(
        insert(Matter)
        .values(user_id=user_id, name=name, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(Matter.id)
    ).scalar()
    matter = find_matter_by_name(session, user_id, name)
    if matter is None:  # pragma: no cover - the row exists, whoever wrote it
        raise ValidationError(f"could not create the matter {name!r}; try again")
    return matter, new_id is not None  # RETURNING gives no row when the insert did nothing


def rename_matter(session: Session, user_id: int, matter_id: int, name: Any) -> Matter:
    m = get_matter(session, user_id, matter_id)
    name = validate_matter_name(name)
    clash = find_matter_by_name(session, user_id, name)
    if clash is not None and clash.id != m.id:
        raise ValidationError(f"a matter named {name!r} already exists")
    m.name = name
    session.commit()
    return m


def delete_matter(session: Session, user_id: int, matter_id: int) -> None:
    """Remove the folder; the bookmarks in it stay (they may be in other matters)."""
    m = get_matter(session, user_id, matter_id)
    session.delete(m)
    session.commit()


def resolve_matters(session: Session, user_id: int, refs: Iterable[Any] | None) -> list[Matter]:
    """Matters named by id (an int, or {"id": n}) or by name (a string, or
    {"name": s}; created if new). An id the user does not own is a validation
    error, reported like an id that does not exist."""
    if refs is None:
        return []
    if isinstance(refs, (str, int, dict)):
        refs = [refs]
    out: list[Matter] = []
    for ref in refs:
        if isinstance(ref, dict):
            ref = ref["id"] if ref.get("id") is not None else ref.get("name")
        if isinstance(ref, bool):
            raise ValidationError("matters must be matter ids or names")
        if isinstance(ref, int):
            try:
                m = get_matter(session, user_id, int(ref))
            except NotFound:
                raise ValidationError(f"no matter with id {ref}") from None
        elif isinstance(ref, str):
            if not ref.strip():
                continue
            m, _ = get_or_create_matter(session, user_id, ref)
        else:
            raise ValidationError("matters must be matter ids or names")
        if m not in out:
            out.append(m)
    return out


def filter_options(session: Session, user_id: int) -> FilterOptions:
    decisions = session.execute(
        select(Bookmark.decision, func.count()).where(Bookmark.user_id == user_id).group_by(Bookmark.decision)
    )
    citations = session.execute(
        select(BookmarkCitation.key, func.count())
        .join(Bookmark, Bookmark.id == BookmarkCitation.bookmark_id)
        .where(Bookmark.user_id == user_id)
        .group_by(BookmarkCitation.key)
        .order_by(func.count().desc(), BookmarkCitation.key)
    )
    return FilterOptions(
        decisions=sorted(((d or "none"), int(n)) for d, n in decisions),
        citations=[(k, int(n)) for k, n in citations],
    )


def matters_of(bookmarks: Sequence[Bookmark]) -> list[Matter]:
    seen: dict[int, Matter] = {}
    for bm in bookmarks:
        for m in bm.matters:
            seen.setdefault(m.id, m)
    return sorted(seen.values(), key=lambda m: m.name.lower())
