"""Near-duplicate rationales: MinHash over word shingles, grouped at index time.

IMR rationales are heavily boilerplate: the same paragraph, with a drug name
or a date changed, recurs hundreds of times. Each passage's rationale gets a
MinHash signature (computed with the engine documents, in the parse workers);
the indexer then puts it in a group by *leader clustering*: it joins the most
similar existing group leader whose estimated Jaccard similarity (over
3-word shingles) is at least THRESHOLD, or becomes a new leader. Every member
is therefore within THRESHOLD of its leader, so a group never chains from one
rationale to a clearly different one, as transitive (union-find) grouping
would. Candidate leaders come from LSH bands kept in the letter store, so
incremental runs extend the groups of earlier ones. The same letters indexed
in the same order always give the same groups (there is no randomness: the
permutations are seeded).

The group is the leader's passage id; it is indexed as the hidden facet
`rationale_group` (see `types.HIDDEN_FACETS`), so a search can count a group's
members among its own matches.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np
from datasketch import MinHash

NUM_PERM = 128  # the estimate's standard error at J = 0.8: sqrt(0.8 * 0.2 / 128) = 0.035
BANDS, ROWS = 16, 8  # LSH: candidates from J of about 0.7 ((1/16) ** (1/8)); 95% found at J = 0.8
SHINGLE = 3  # words per shingle: a changed name costs 3 shingles, not 5 (on the real letters,
# every pair at or above THRESHOLD is one paragraph with a name, date or body part changed)
THRESHOLD = 0.8  # estimated Jaccard similarity to a leader to join its group (tested on fixtures)
MIN_WORDS = 12  # shorter rationales ("See above.") are not grouped: too little text to tell
MAX_CANDIDATES = 64  # leaders compared per passage (the most band matches first)
SEED = 15

_WORD = re.compile(r"[a-z0-9]+")
_SCHEME = "affine32"  # 32-bit hash values: a signature is NUM_PERM * 4 bytes
# crc32 (in C) instead of datasketch's default SHA-1 per shingle: the hashing was 60% of
# a signature's cost; the seeded affine permutations on top do the MinHash mixing
_HASH = zlib.crc32
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME, hashfunc=_HASH)
_PERMUTATIONS = _TEMPLATE.permutations

DDL = """
CREATE TABLE IF NOT EXISTS dup_leaders (leader TEXT PRIMARY KEY, sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS dup_bands (band INTEGER NOT NULL, leader TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dup_groups (passage_id TEXT PRIMARY KEY, letter_id TEXT NOT NULL, leader TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dup_groups_letter ON dup_groups(letter_id);
"""


def shingles(text: str) -> set[bytes]:
    """The rationale's 3-word shingles (empty when it is too short to group)."""
    words = _WORD.findall((text or "").lower())
    if len(words) < MIN_WORDS:
        return set()
    return {" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def _shingle_hashes(text: str) -> np.ndarray:
    """The hash of every shingle (repeats kept: a minimum does not mind them), as
    `shingles` would give them, without building each shingle: the words are
    joined once and each shingle is a slice of that (the words are ASCII, so
    characters are bytes). Building and encoding each shingle cost as much as the
    rest of the signature."""
    words = _WORD.findall((text or "").lower())
    if len(words) < MIN_WORDS:
        return np.empty(0, dtype=np.uint32)
    joined = memoryview(" ".join(words).encode("ascii"))
    starts = list(accumulate((len(w) + 1 for w in words), initial=0))  # word i at starts[i]
    n = len(words) - SHINGLE + 1
    return np.fromiter((_HASH(joined[starts[i] : starts[i + SHINGLE] - 1]) for i in range(n)), dtype=np.uint32, count=n)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (uint32 arithmetic wraps): the fixed pre-mix
    datasketch's affine32 scheme applies to every input hash."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


_A = np.asarray(_PERMUTATIONS[0], dtype=np.uint32)
_B = np.asarray(_PERMUTATIONS[1], dtype=np.uint32)


def signature(text: str) -> bytes | None:
    """The rationale's MinHash as bytes (NUM_PERM little-endian u32), or None when
    it is too short to group.

    The same values as datasketch's MinHash(scheme="affine32") with our seed and
    hash (a test holds them equal, so leaders kept by earlier runs still match),
    computed here with numpy directly: building a MinHash object and every shingle
    per passage cost a quarter of it (0.19 -> 0.145 ms a passage; same process,
    interleaved, best of 5, 3,000 synthetic rationales)."""
    hashes = _shingle_hashes(text)
    if not hashes.size:
        return None
    hv = _fmix32(hashes)
    with np.errstate(over="ignore"):
        mins = (hv[:, None] * _A + _B).min(axis=0)
    return mins.astype("<u4", copy=False).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(np.frombuffer(a, dtype="<u4") == np.frombuffer(b, dtype="<u4")))


def band_keys(sig: bytes) -> list[int]:
    """The LSH key of each band: 8 bytes of BLAKE2b over the band's number and rows,
    as a signed 64-bit integer (what `dup_bands` holds)."""
    width = ROWS * 4
    digests = b"".join(
        hashlib.blake2b(bytes((i,)) + sig[i * width : (i + 1) * width], digest_size=8).digest() for i in range(BANDS)
    )
    return list(struct.unpack(f"<{BANDS}q", digests))


def best_leader(candidates: Iterable[tuple[str, float]]) -> str | None:
    """The most similar of (leader, estimated similarity) at or above THRESHOLD, the
    smallest passage id among equals (so the order candidates come in never matters)."""
    best, best_sim = None, THRESHOLD
    for leader, sim in candidates:
        if (
            sim > best_sim
            or (sim == best_sim and best is not None and leader < best)
            or (best is None and sim >= THRESHOLD)
        ):
            best, best_sim = leader, sim
    return best


class GroupSink:
    """Where a store that is not this SQLite database keeps what the grouper decides
    (the OpenSearch store: its documents). The local letter store needs none."""

    def leader(self, passage_id: str, letter_id: str, sig: bytes) -> None:
        raise NotImplementedError

    def group(self, passage_id: str, letter_id: str, leader: str) -> None:
        raise NotImplementedError


class _BandIndex:
    """The LSH band keys of a run's leaders, in memory: band key -> leader numbers,
    with multiplicity (as rows of `dup_bands`). Compact, because a fresh build of
    a big index makes millions of leaders: the keys are kept in one sorted numpy
    array (12 bytes a row, not a Python dict's ~100); the latest rows wait in a
    dict until they are a 32nd of it (or RUN rows), then are merged in (timsort
    merges the two sorted runs in linear time; the growth is geometric, so
    merging costs O(n log n) over a run). A lookup is one binary search and a few
    dict reads."""

    RUN = 1 << 16

    def __init__(self) -> None:
        self.keys = np.empty(0, dtype=np.int64)  # sorted
        self.owners = np.empty(0, dtype=np.int32)  # the leader number of each key
        self.recent: dict[int, list[int]] = {}
        self.recent_rows = 0

    def add(self, keys: list[int], owner: int) -> None:
        for k in keys:
            self.recent.setdefault(k, []).append(owner)
        self.recent_rows += len(keys)
        if self.recent_rows >= max(self.RUN, len(self.keys) // 32):
            self._merge()

    def _merge(self) -> None:
        n = self.recent_rows
        fresh = np.fromiter((k for k, v in self.recent.items() for _ in v), dtype=np.int64, count=n)
        owners = np.fromiter((o for v in self.recent.values() for o in v), dtype=np.int32, count=n)
        first = np.argsort(fresh, kind="stable")
        merged = np.concatenate((self.keys, fresh[first]))
        order = np.argsort(merged, kind="stable")  # two sorted runs: timsort merges them
        self.keys, self.owners = merged[order], np.concatenate((self.owners, owners[first]))[order]
        self.recent, self.recent_rows = {}, 0

    def hits(self, keys: list[int]) -> dict[int, int]:
        """Leader number -> how many band rows under `keys` it has (each distinct key
        once, as SQL's `band IN (...)`)."""
        out: dict[int, int] = {}
        wanted = list(dict.fromkeys(keys))
        n = len(self.keys)
        if n:
            q = np.asarray(wanted, dtype=np.int64)
            at = np.searchsorted(self.keys, q)
            for i in np.flatnonzero(self.keys[np.minimum(at, n - 1)] == q).tolist():
                j, key = int(at[i]), wanted[i]
                while j < n and self.keys[j] == key:
                    o = int(self.owners[j])
                    out[o] = out.get(o, 0) + 1
                    j += 1
        for k in wanted:
            for o in self.recent.get(k, ()):
                out[o] = out.get(o, 0) + 1
        return out


@dataclass
class Grouper:
    """Assigns passages to groups inside one letter store (one index generation).

    Candidate leaders come from two places: the leaders this run made, whose band
    keys this grouper keeps in memory (it is the one writer of leaders during a
    run), and the leaders earlier runs kept in the store's tables, looked up there
    (only the rows that were there when the run began). A fresh build therefore
    never queries SQLite for candidates, nor keeps an index on `dup_bands` up to
    date: the first later run that needs the lookup builds that index once, in
    one pass. Measured (benchmarks/grouping_scale.py, BENCHMARKS.md): in CPU time
    after 100,000 leaders this is no cheaper than the lookup in SQLite was (about
    0.2 ms a passage either way, at load 9); wall-clock runs at load 4-13 went
    both ways. Whether it pays at a million passages, where the band index no
    longer fits SQLite's cache, is still to be measured.
    Loading the stored bands into memory instead would cost an incremental run
    seconds per million passages before its first letter; the per-passage lookup
    costs what it did. Leaders' signatures are read only for the candidates."""

    db: sqlite3.Connection  # a connection whose tables include DDL (LetterStore creates them)
    sink: GroupSink | None = None  # also told every new leader and every assignment
    _bands: _BandIndex = field(default_factory=_BandIndex, init=False, repr=False)
    _names: list[str] = field(default_factory=list, init=False, repr=False)  # run leader number -> passage id
    _numbers: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _stored_up_to: int | None = field(default=None, init=False, repr=False)  # dup_bands rows before this run

    def _stored(self) -> int:
        """The last `dup_bands` row earlier runs wrote (0: none). Rows are only ever
        appended, so theirs are the rows up to it."""
        if self._stored_up_to is None:
            self._stored_up_to = int(self.db.execute("SELECT coalesce(max(rowid), 0) FROM dup_bands").fetchone()[0])
            if self._stored_up_to:
                self.db.execute("CREATE INDEX IF NOT EXISTS dup_bands_band ON dup_bands(band)")
        return self._stored_up_to

    def _number(self, leader: str) -> int:
        n = self._numbers.get(leader)
        if n is None:
            n = self._numbers[leader] = len(self._names)
            self._names.append(leader)
        return n

    def candidates(self, keys: list[int]) -> list[tuple[str, bytes]]:
        """The leaders sharing a band with `keys`, most shared bands first (then by
        passage id), at most MAX_CANDIDATES, with their signatures."""
        hits: dict[str, int] = {}
        stored = self._stored()
        if stored:
            marks = ",".join("?" * len(keys))
            hits.update(
                self.db.execute(
                    "SELECT b.leader, count(*) FROM dup_bands b JOIN dup_leaders l ON l.leader = b.leader "
                    f"WHERE b.band IN ({marks}) AND b.rowid <= ? GROUP BY b.leader",
                    [*keys, stored],
                ).fetchall()
            )
        for number, n in self._bands.hits(keys).items():
            name = self._names[number]
            hits[name] = hits.get(name, 0) + n
        if not hits:
            return []
        names = [name for _, name in sorted((-n, name) for name, n in hits.items())[:MAX_CANDIDATES]]
        marks = ",".join("?" * len(names))
        sigs = dict(self.db.execute(f"SELECT leader, sig FROM dup_leaders WHERE leader IN ({marks})", names).fetchall())
        return [(name, sigs[name]) for name in names if name in sigs]

    def assign(self, passage_id: str, letter_id: str, sig: bytes | None) -> str | None:
        if sig is None:
            return None
        keys = band_keys(sig)
        best = None
        found = self.candidates(keys)
        if found:
            mine = np.frombuffer(sig, dtype="<u4")
            theirs = np.frombuffer(b"".join(s for _, s in found), dtype="<u4").reshape(len(found), -1)
            # similarity(sig, each), all at once (the same floats: a count over NUM_PERM)
            sims = (np.count_nonzero(theirs == mine, axis=1) / NUM_PERM).tolist()
            best = best_leader(zip((leader for leader, _ in found), sims, strict=True))
        if best is None:
            best = passage_id
            self.add_leader(passage_id, sig, keys)
            if self.sink is not None:
                self.sink.leader(passage_id, letter_id, sig)
        self.db.execute("INSERT OR REPLACE INTO dup_groups VALUES (?, ?, ?)", (passage_id, letter_id, best))
        if self.sink is not None:
            self.sink.group(passage_id, letter_id, best)
        return best

    def add_leader(self, passage_id: str, sig: bytes, keys: list[int] | None = None) -> None:
        keys = keys or band_keys(sig)
        self._stored()  # fixed before this run's first rows are written, so no row counts twice
        self.db.execute("INSERT OR REPLACE INTO dup_leaders VALUES (?, ?)", (passage_id, sig))
        self.db.executemany("INSERT INTO dup_bands VALUES (?, ?)", [(k, passage_id) for k in keys])
        self._bands.add(keys, self._number(passage_id))


def groups_of(db: sqlite3.Connection, passage_ids: list[str]) -> dict[str, str]:
    """passage id -> group (leader passage id) for the grouped ones among `passage_ids`."""
    out: dict[str, str] = {}
    try:
        for i in range(0, len(passage_ids), 500):
            chunk = passage_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                db.execute(f"SELECT passage_id, leader FROM dup_groups WHERE passage_id IN ({marks})", chunk).fetchall()
            )
    except sqlite3.OperationalError:  # a store built before grouping existed
        return {}
    return out
