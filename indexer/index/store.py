"""The letter store: parsed letters, passages and file hashes, in SQLite.

One store lives in each index generation, next to the engine's files, so the
two always describe the same corpus and switch together. The engine answers
"which passages"; the store answers "what do they say" (hit building, the
letter page) and "what was indexed from which file" (incremental indexing).
Letters and passages are kept as zlib-compressed JSON of the model's
`to_dict()`, which round-trips without loss. A published generation is never
written again, so readers open it read-only and immutable (no locking).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import orjson

from indexer.index import neardup
from indexer.model import Citation, Letter, Passage

SCHEMA_VERSION = "1"
FLUSH_EVERY = 256  # letters (or file records) buffered before one batched insert

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,          -- absolute path of the source file
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    letter_id TEXT,                 -- NULL when the file failed
    reason TEXT                     -- why it failed, if it did
);
CREATE INDEX IF NOT EXISTS files_letter ON files(letter_id);
CREATE TABLE IF NOT EXISTS letters (
    letter_id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL,
    summary TEXT NOT NULL,
    meta TEXT NOT NULL,             -- JSON: what a search hit shows of its letter
    data BLOB NOT NULL              -- zlib(JSON(Letter.to_dict() without passages))
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY,
    letter_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    data BLOB NOT NULL              -- zlib(JSON(Passage.to_dict()))
);
CREATE INDEX IF NOT EXISTS passages_letter ON passages(letter_id, ordinal);
CREATE TABLE IF NOT EXISTS passage_seq (
    passage_id TEXT PRIMARY KEY,    -- every passage id this index has ever held
    seq INTEGER NOT NULL            -- when it first appeared: increases with every new passage
);
CREATE INDEX IF NOT EXISTS passage_seq_seq ON passage_seq(seq);
"""

# meta key: a random id of the index's history, carried from generation to
# generation (and across --rebuild); a new id means "a different index", whose
# sequence numbers cannot be compared with the old one's
LINEAGE_META = "lineage"


@dataclass
class FileRecord:
    path: str
    sha256: str
    size: int
    mtime_ns: int
    letter_id: str | None
    reason: str | None


@dataclass
class PackedLetter:
    """A letter serialised for the store: built in the parsing workers so the
    indexing process only inserts rows (compression is the costly part)."""

    letter_id: str
    summary: str
    meta: str  # JSON
    data: bytes
    passages: list[tuple[str, int, bytes]]  # (passage_id, ordinal, data)


@dataclass
class HitData:
    """What the service needs to build one search hit."""

    passage: Passage
    summary: str
    meta: dict


def path_to_db(path: str) -> str | bytes:
    """A file path as stored. A name that is not UTF-8 on disk (it reaches Python with
    surrogate escapes, which SQLite cannot encode) is stored as its raw bytes, a BLOB:
    exact, and never equal to any TEXT path."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path)


def path_from_db(value: str | bytes) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _pack(obj) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


# Plain-dict forms of the model, built directly: the model's to_dict() goes through
# dataclasses.asdict, whose deep copies cost more than everything else in indexing.
# Both produce the same dicts, which the model's from_dict() reads back.


def passage_dict(p: Passage) -> dict:
    d = dict(vars(p))
    d["citations"] = [dict(vars(c), key=c.key) for c in p.citations]
    return d


def letter_dict(letter: Letter) -> dict:
    d = dict(vars(letter))
    d.pop("passages", None)
    d["reviewer"] = {
        "specialties": list(letter.reviewer.specialties),
        "board_certified": list(letter.reviewer.board_certified),
        "licensure": list(letter.reviewer.licensure),
    }
    d["patient"] = dict(vars(letter.patient))
    d["sections"] = [{"title": s.title, "text": s.text} for s in letter.sections]
    return d


_PASSAGE_FIELDS = tuple(f.name for f in fields(Passage) if f.name != "citations")
_CITATION_FIELDS = tuple(f.name for f in fields(Citation))


def passage_from_dict(d: dict) -> Passage:
    """`Passage.from_dict` with the field lists looked up once (hit building
    decodes twenty passages per search; `dataclasses.fields` dominated that)."""
    kw = {name: d[name] for name in _PASSAGE_FIELDS if name in d}
    kw["citations"] = [Citation(*[c.get(name) for name in _CITATION_FIELDS]) for c in d.get("citations", [])]
    return Passage(**kw)


def _loads(raw: bytes | str):
    """JSON as the store wrote it. orjson reads it about twice as fast as the
    standard library (hit building decodes twenty passages per search); what it
    refuses and `json` accepts (NaN, integers past 64 bits) still reads."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _unpack(blob: bytes):
    return _loads(zlib.decompress(blob))


def letter_meta(letter: Letter) -> dict:
    return {
        "specialties": list(letter.reviewer.specialties or letter.reviewer.board_certified),
        "licensure": list(letter.reviewer.licensure),
        "date_of_injury": letter.date_of_injury,
        "decision_date": letter.decision_date,
        "case_number": letter.case_number,
    }


def pack_letter(letter: Letter) -> PackedLetter:
    return PackedLetter(
        letter_id=letter.letter_id,
        summary=letter.summary or "",
        meta=json.dumps(letter_meta(letter)),
        data=_pack(letter_dict(letter)),
        passages=[(p.passage_id, p.ordinal, _pack(passage_dict(p))) for p in letter.passages],
    )


def unpack_letter(packed: PackedLetter) -> Letter:
    d = _unpack(packed.data)
    d["passages"] = [_unpack(data) for _, _, data in packed.passages]
    return Letter.from_dict(d)


class LetterStore:
    def __init__(self, path: Path, writable: bool = False):
        self.path = Path(path)
        self.writable = writable
        self._local = threading.local()
        # writes are buffered and sent in batches (executemany); any other use of
        # the connection sends them first, so reads and deletes see them in order
        self._letters: list[tuple] = []
        self._passages: list[tuple] = []
        self._files: list[tuple] = []
        self._seqs: list[tuple] = []
        self._next_seq = 1
        if writable:
            self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            # a store is only written inside a generation being built, and publishing
            # fsyncs every file before the switch: syncing on each commit buys nothing
            self._conn.execute("PRAGMA synchronous=OFF")
            self._conn.execute("PRAGMA cache_size=-65536")
            self._conn.executescript(_DDL)
            self._conn.executescript(neardup.DDL)
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (LINEAGE_META, uuid.uuid4().hex))
            self._next_seq = self._conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM passage_seq").fetchone()[0]
            self._conn.execute("BEGIN")
        elif not self.path.exists():
            raise FileNotFoundError(f"no letter store at {self.path}")

    # connections: one per thread for readers (the web app serves from many threads)
    def _db(self) -> sqlite3.Connection:
        if self.writable:
            if self._letters or self._files or self._seqs:
                self._flush()
            return self._conn
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"file:{self.path}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.conn = conn
            conns = self.__dict__.setdefault("_all_conns", [])
            conns.append(conn)
        return conn

    # ------------------------------------------------------------------ writing
    def put_letter(self, letter: Letter | PackedLetter, source_path: str, replace: bool = True) -> None:
        """Store a letter and its passages. `replace=False` promises that the letter
        id has no rows yet (a fresh build), which saves deleting its old passages."""
        packed = letter if isinstance(letter, PackedLetter) else pack_letter(letter)
        if replace:
            self._db().execute("DELETE FROM passages WHERE letter_id = ?", (packed.letter_id,))
            self._db().execute("DELETE FROM dup_groups WHERE letter_id = ?", (packed.letter_id,))
        self._letters.append((packed.letter_id, path_to_db(source_path), packed.summary, packed.meta, packed.data))
        lid = packed.letter_id
        self._passages.extend((pid, lid, ordinal, data) for pid, ordinal, data in packed.passages)
        for pid, _ordinal, _data in packed.passages:
            # numbered on first sight only (INSERT OR IGNORE): a re-indexed letter keeps its numbers
            self._seqs.append((pid, self._next_seq))
            self._next_seq += 1
        if len(self._letters) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        db = self._conn
        if self._letters:
            db.executemany("INSERT OR REPLACE INTO letters VALUES (?,?,?,?,?)", self._letters)
            db.executemany("INSERT OR REPLACE INTO passages VALUES (?,?,?,?)", self._passages)
            self._letters, self._passages = [], []
        if self._seqs:
            db.executemany("INSERT OR IGNORE INTO passage_seq VALUES (?,?)", self._seqs)
            self._seqs = []
        if self._files:
            db.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?)", self._files)
            self._files = []

    def delete_letter(self, letter_id: str) -> None:
        db = self._db()
        db.execute("DELETE FROM letters WHERE letter_id = ?", (letter_id,))
        db.execute("DELETE FROM passages WHERE letter_id = ?", (letter_id,))
        db.execute("DELETE FROM dup_groups WHERE letter_id = ?", (letter_id,))

    def grouper(self) -> neardup.Grouper:
        """Near-duplicate grouping inside this (writable) store."""
        return neardup.Grouper(self._db())

    def groups_of(self, passage_ids: Iterable[str]) -> dict[str, str]:
        return neardup.groups_of(self._db(), list(dict.fromkeys(passage_ids)))

    def put_file(self, rec: FileRecord) -> None:
        self._files.append((path_to_db(rec.path), rec.sha256, rec.size, rec.mtime_ns, rec.letter_id, rec.reason))
        if len(self._files) >= FLUSH_EVERY:
            self._flush()

    def delete_file(self, path: str) -> None:
        self._db().execute("DELETE FROM files WHERE path = ?", (path_to_db(path),))

    def carry_history(self, previous: LetterStore) -> None:
        """Take over a previous store's passage numbers and lineage (a --rebuild
        starts an empty store but is the same index: what was there is not new)."""
        lineage, _top = previous.history_position()
        if lineage is None:  # a store from before passage numbering: nothing to carry
            return
        rows = previous._db().execute("SELECT passage_id, seq FROM passage_seq")
        db = self._db()
        while True:
            batch = rows.fetchmany(10_000)
            if not batch:
                break
            db.executemany("INSERT OR IGNORE INTO passage_seq VALUES (?,?)", batch)
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (LINEAGE_META, lineage))
        self._next_seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM passage_seq").fetchone()[0]

    def set_meta(self, key: str, value: str) -> None:
        self._db().execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def commit(self) -> None:
        if self.writable:
            self._flush()
            self._conn.execute("COMMIT")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("BEGIN")

    def close(self) -> None:
        if self.writable:
            try:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                self._conn.execute("PRAGMA journal_mode=DELETE")
            finally:
                self._conn.close()
        for conn in self.__dict__.get("_all_conns", []):
            try:
                conn.close()
            except sqlite3.ProgrammingError:
                pass

    # ------------------------------------------------------------------ reading
    def meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def history_position(self) -> tuple[str | None, int]:
        """(lineage, the highest passage number): where this generation stands in
        the index's history. (None, 0) for a store from before passage numbering."""
        try:
            row = self._db().execute("SELECT coalesce(max(seq), 0) FROM passage_seq").fetchone()
        except sqlite3.OperationalError:
            return None, 0
        return self.meta(LINEAGE_META), int(row[0])

    def passages_after(self, seq: int) -> list[tuple[str, str, int]]:
        """(passage_id, letter_id, seq) of the passages in this generation that
        first appeared after `seq`, oldest first (an indexed range scan)."""
        try:
            rows = self._db().execute(
                "SELECT s.passage_id, p.letter_id, s.seq FROM passage_seq s "
                "JOIN passages p ON p.passage_id = s.passage_id WHERE s.seq > ? ORDER BY s.seq",
                (int(seq),),
            )
            return [(pid, lid, int(n)) for pid, lid, n in rows]
        except sqlite3.OperationalError:
            return []

    def files(self) -> dict[str, FileRecord]:
        rows = self._db().execute("SELECT path, sha256, size, mtime_ns, letter_id, reason FROM files")
        out = {}
        for r in rows:
            path = path_from_db(r[0])
            out[path] = FileRecord(path, *r[1:])
        return out

    def counts(self) -> tuple[int, int]:
        db = self._db()
        letters = db.execute("SELECT count(*) FROM letters").fetchone()[0]
        passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
        return int(letters), int(passages)

    def get_letter(self, letter_id: str) -> Letter | None:
        db = self._db()
        row = db.execute("SELECT data FROM letters WHERE letter_id = ?", (letter_id,)).fetchone()
        if row is None:
            return None
        d = _unpack(row[0])
        d["passages"] = [
            _unpack(r[0])
            for r in db.execute("SELECT data FROM passages WHERE letter_id = ? ORDER BY ordinal", (letter_id,))
        ]
        return Letter.from_dict(d)

    def get_passage(self, passage_id: str) -> Passage | None:
        row = self._db().execute("SELECT data FROM passages WHERE passage_id = ?", (passage_id,)).fetchone()
        return Passage.from_dict(_unpack(row[0])) if row else None

    def source_path(self, letter_id: str) -> str | None:
        row = self._db().execute("SELECT source_path FROM letters WHERE letter_id = ?", (letter_id,)).fetchone()
        return path_from_db(row[0]) if row and row[0] is not None else None

    def source_file(self, letter_id: str) -> FileRecord | None:
        """The file a letter was indexed from, with the hash of what was indexed."""
        row = (
            self._db()
            .execute(
                "SELECT f.path, f.sha256, f.size, f.mtime_ns, f.letter_id, f.reason FROM letters l "
                "JOIN files f ON f.path = l.source_path WHERE l.letter_id = ?",
                (letter_id,),
            )
            .fetchone()
        )
        return FileRecord(path_from_db(row[0]), *row[1:]) if row else None

    def hit_data(self, passage_ids: Iterable[str]) -> dict[str, HitData]:
        out: dict[str, HitData] = {}
        rows = self._by_ids(
            "SELECT p.passage_id, p.data, l.summary, l.meta FROM passages p "
            "JOIN letters l ON l.letter_id = p.letter_id WHERE p.passage_id IN ({marks})",
            passage_ids,
        )
        for pid, data, summary, meta in rows:
            out[pid] = HitData(passage_from_dict(_unpack(data)), summary, _loads(meta))
        return out

    def _by_ids(self, sql: str, ids: Iterable[str]) -> Iterator[tuple]:
        """Rows of `sql` (with `{marks}` for the id list) over ids, 500 at a time."""
        ids = list(dict.fromkeys(ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            yield from self._db().execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def letters_of(self, passage_ids: Iterable[str]) -> dict[str, str]:
        """passage id -> its letter id."""
        return dict(
            self._by_ids("SELECT passage_id, letter_id FROM passages WHERE passage_id IN ({marks})", passage_ids)
        )

    def letter_metas(self, letter_ids: Iterable[str]) -> dict[str, dict]:
        """What a result shows of each letter (case number, dates, reviewer)."""
        return {
            lid: _loads(meta)
            for lid, meta in self._by_ids(
                "SELECT letter_id, meta FROM letters WHERE letter_id IN ({marks})", letter_ids
            )
        }
