"""Exports of a user's bookmarks (Markdown for a brief, CSV for a spreadsheet,
JSON for moving between machines) and the JSON import that reads them back.

Exports are built from each bookmark's snapshot, so what is exported is what
was saved, whether or not the passage is still in the index.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from indexer.model import CitationKey
from webapp.bookmarks.notes import safe_markdown
from webapp.bookmarks.serialize import bookmark_json, iso, matter_json
from webapp.bookmarks.snapshot import SnapshotError, cited_by_party, normalize_snapshot
from webapp.bookmarks.store import (
    ValidationError,
    create_bookmark,
    find_by_passage,
    get_or_create_matter,
    validate_note,
)
from webapp.db.models import Bookmark, Matter

EXPORT_FORMAT = "imr-bookmarks"
EXPORT_VERSION = 1
MAX_IMPORT = 20_000

DECISION_WORDS = {
    "Upheld": "Upheld (the denial stands: not medically necessary)",
    "Overturned": "Overturned (the treatment was found medically necessary)",
}

CSV_COLUMNS = (
    "id",
    "saved_at",
    "updated_at",
    "matters",
    "passage_id",
    "letter_id",
    "passage_ordinal",
    "case_number",
    "item",
    "decision",
    "date_of_injury",
    "decision_date",
    "reviewer_specialties",
    "citations",
    "rationale",
    "note",
    "in_index",
    "reviewer_citations",
    "administrator_only_citations",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _date(iso_date: str | None) -> str:
    if not iso_date:
        return ""
    try:
        return datetime.fromisoformat(str(iso_date)[:10]).strftime("%-d %b %Y")
    except ValueError:
        return str(iso_date)


def citation_text(key: str) -> str:
    return ", ".join(CitationKey.parse(key).parts)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+[.)])", re.M)


def md_escape(text: str) -> str:
    """Letter text shown literally in Markdown (no accidental emphasis, links, HTML)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def md_quote(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n>\n".join("> " + md_escape(" ".join(p.split())) for p in paragraphs)


def to_markdown(bookmarks: Sequence[Bookmark], title: str, in_index: dict[str, bool | None] | None = None) -> str:
    """One section per bookmark: item, decision, letter and dates, citations,
    the rationale as a block quote, and the note (the user's own Markdown)."""
    in_index = in_index or {}
    now = datetime.now(UTC)
    count = f"{len(bookmarks)} bookmark{'s' if len(bookmarks) != 1 else ''}"
    out = [f"# {md_escape(title)}", "", f"_Exported {now:%-d %b %Y} from IMR Precedent Search: {count}._", ""]
    for n, bm in enumerate(bookmarks, 1):
        snap = bm.snapshot or {}
        letter = snap.get("letter") or {}
        out.append(f"## {n}. {md_escape(bm.item or '(untitled passage)')}")
        out.append("")
        decision = bm.decision
        out.append(f"- **Decision:** {DECISION_WORDS.get(decision or '', decision or 'not stated')}")
        ref = f"IMR letter `{bm.letter_id}`"
        if letter.get("case_number"):
            ref = f"Case {md_escape(letter['case_number'])} ({ref})"
        out.append(f"- **Letter:** {ref}, issue {bm.ordinal}")
        dates = [
            f"{label} {_date(letter.get(key))}"
            for label, key in (
                ("decided", "decision_date"),
                ("injury", "date_of_injury"),
                ("assigned", "date_assigned"),
            )
            if letter.get(key)
        ]
        if dates:
            out.append(f"- **Dates:** {'; '.join(dates)}")
        if letter.get("specialties"):
            out.append(f"- **Reviewer:** {md_escape(', '.join(letter['specialties']))}")
        reviewer, administrator = cited_by_party(snap)
        if not (reviewer or administrator):  # a snapshot saved without who cited what
            reviewer = list(bm.citation_keys)
        if reviewer:
            out.append(
                f"- **Guidelines the reviewer cited:** {md_escape('; '.join(citation_text(k) for k in reviewer))}"
            )
        if administrator:
            out.append(
                "- **Cited only by the claims administrator:** "
                f"{md_escape('; '.join(citation_text(k) for k in administrator))}"
            )
        if bm.matters:
            out.append(f"- **Matters:** {md_escape(', '.join(m.name for m in bm.matters))}")
        if in_index.get(bm.passage_id) is False:
            out.append(
                f"- _This passage is no longer in the search index; text as saved on {bm.created_at:%-d %b %Y}._"
            )
        out.append("")
        rationale = snap.get("rationale") or ""
        if rationale.strip():
            out += ["**Decision rationale:**", "", md_quote(rationale), ""]
        if bm.note.strip():
            out += ["**Note:**", "", safe_markdown(bm.note.strip()), ""]
        out += ["---", ""]
    return "\n".join(out).rstrip() + "\n"


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_row(bm: Bookmark, in_index: bool | None) -> dict[str, str]:
    snap = bm.snapshot or {}
    letter = snap.get("letter") or {}
    reviewer, administrator = cited_by_party(snap)
    row = {
        "id": bm.id,
        "saved_at": iso(bm.created_at),
        "updated_at": iso(bm.updated_at),
        "matters": "; ".join(m.name for m in bm.matters),
        "passage_id": bm.passage_id,
        "letter_id": bm.letter_id,
        "passage_ordinal": bm.ordinal,
        "case_number": letter.get("case_number"),
        "item": bm.item,
        "decision": bm.decision,
        "date_of_injury": letter.get("date_of_injury"),
        "decision_date": letter.get("decision_date"),
        "reviewer_specialties": "; ".join(letter.get("specialties") or []),
        "citations": "; ".join(bm.citation_keys),
        "rationale": snap.get("rationale"),
        "note": bm.note,
        "in_index": "" if in_index is None else ("yes" if in_index else "no"),
        "reviewer_citations": "; ".join(reviewer),
        "administrator_only_citations": "; ".join(administrator),
    }
    return {k: _cell(v) for k, v in row.items()}


def to_csv(bookmarks: Sequence[Bookmark], in_index: dict[str, bool | None] | None = None) -> str:
    in_index = in_index or {}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for bm in bookmarks:
        writer.writerow(csv_row(bm, in_index.get(bm.passage_id)))
    return buf.getvalue()


def to_json(
    bookmarks: Sequence[Bookmark], matters: Sequence[Matter], in_index: dict[str, bool | None] | None = None
) -> dict[str, Any]:
    in_index = in_index or {}
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": iso(datetime.now(UTC)),
        "matters": [matter_json(m) for m in matters],
        "bookmarks": [bookmark_json(bm, in_index.get(bm.passage_id), urls=False) for bm in bookmarks],
    }


# --- import ------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    merged: int = 0
    matters_created: int = 0

    def to_json(self) -> dict[str, int]:
        return {"created": self.created, "merged": self.merged, "matters_created": self.matters_created}

    def summary(self) -> str:
        return (
            f"Imported {self.created} new bookmark{'s' if self.created != 1 else ''}, "
            f"merged {self.merged} already saved, created {self.matters_created} "
            f"matter{'s' if self.matters_created != 1 else ''}."
        )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _matter_names(raw: Any, where: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValidationError(f"{where}: matters must be a list")
    names = []
    for m in raw:
        name = m.get("name") if isinstance(m, dict) else m
        if not isinstance(name, str):
            raise ValidationError(f"{where}: each matter must be a name or an object with a name")
        names.append(name)
    return names


def validate_import(data: Any) -> list[dict[str, Any]]:
    """Check a whole file before writing anything: an import either applies
    completely or not at all, and a bad file says where it is wrong."""
    if not isinstance(data, dict):
        raise ValidationError("an import file must be a JSON object exported by IMR Precedent Search")
    if data.get("format") not in (EXPORT_FORMAT, None):
        raise ValidationError(f"not an IMR bookmarks export (format is {data.get('format')!r})")
    version = data.get("version", EXPORT_VERSION)
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise ValidationError(f"this export is version {version!r}; this app reads version {EXPORT_VERSION} or older")
    items = data.get("bookmarks")
    if not isinstance(items, list):
        raise ValidationError("an import file needs a 'bookmarks' list")
    if len(items) > MAX_IMPORT:
        raise ValidationError(f"too many bookmarks in one file (limit {MAX_IMPORT:,})")
    _matter_names(data.get("matters"), "matters")
    out = []
    for n, item in enumerate(items, 1):
        where = f"bookmark {n}"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: must be an object")
        snap = item.get("snapshot")
        if snap is None:
            raise ValidationError(f"{where}: has no snapshot")
        try:
            snap = normalize_snapshot(snap)
        except SnapshotError as exc:
            raise ValidationError(f"{where}: {exc}") from None
        note = item.get("note") or ""
        try:
            note = validate_note(note)
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc}") from None
        out.append(
            {
                "snapshot": snap,
                "note": note,
                "matters": _matter_names(item.get("matters"), where),
                "created_at": _parse_time(item.get("created_at")),
            }
        )
    return out


def import_bookmarks(session: Session, user_id: int, data: Any) -> ImportResult:
    items = validate_import(data)
    result = ImportResult()
    try:
        for raw in data.get("matters") or []:
            name = raw.get("name") if isinstance(raw, dict) else raw
            if isinstance(name, str) and name.strip():
                _, created = get_or_create_matter(session, user_id, name)
                result.matters_created += int(created)
        for item in items:
            for name in item["matters"]:
                if name.strip():
                    _, created = get_or_create_matter(session, user_id, name)
                    result.matters_created += int(created)
            existed = find_by_passage(session, user_id, item["snapshot"]["passage_id"]) is not None
            create_bookmark(
                session,
                user_id,
                item["snapshot"],
                note=item["note"],
                matters=item["matters"],
                created_at=item["created_at"],
                commit=False,
            )
            if existed:
                result.merged += 1
            else:
                result.created += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result
