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
import zlib
from dataclasses import dataclass

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
CREATE INDEX IF NOT EXISTS dup_bands_band ON dup_bands(band);
CREATE TABLE IF NOT EXISTS dup_groups (passage_id TEXT PRIMARY KEY, letter_id TEXT NOT NULL, leader TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dup_groups_letter ON dup_groups(letter_id);
"""


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall((text or "").lower())
    if len(words) < MIN_WORDS:
        return set()
    return {" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> bytes | None:
    """The rationale's MinHash as bytes (NUM_PERM little-endian u32), or None when
    it is too short to group."""
    grams = shingles(text)
    if not grams:
        return None
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS, scheme=_SCHEME, hashfunc=_HASH)
    m.update_batch(list(grams))  # a minimum: the order of the shingles does not matter
    return np.asarray(m.hashvalues, dtype="<u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(np.frombuffer(a, dtype="<u4") == np.frombuffer(b, dtype="<u4")))


def band_keys(sig: bytes) -> list[int]:
    width = ROWS * 4
    return [
        int.from_bytes(
            hashlib.blake2b(bytes([i]) + sig[i * width : (i + 1) * width], digest_size=8).digest(),
            "little",
            signed=True,
        )
        for i in range(BANDS)
    ]


class GroupSink:
    """Where a store that is not this SQLite database keeps what the grouper decides
    (the OpenSearch store: its documents). The local letter store needs none."""

    def leader(self, passage_id: str, letter_id: str, sig: bytes) -> None:
        raise NotImplementedError

    def group(self, passage_id: str, letter_id: str, leader: str) -> None:
        raise NotImplementedError


@dataclass
class Grouper:
    """Assigns passages to groups inside one letter store (one index generation)."""

    db: sqlite3.Connection  # a connection whose tables include DDL (LetterStore creates them)
    sink: GroupSink | None = None  # also told every new leader and every assignment

    def assign(self, passage_id: str, letter_id: str, sig: bytes | None) -> str | None:
        if sig is None:
            return None
        keys = band_keys(sig)
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT l.leader, l.sig, count(*) AS hits FROM dup_bands b JOIN dup_leaders l ON l.leader = b.leader "
            f"WHERE b.band IN ({marks}) GROUP BY l.leader ORDER BY hits DESC, l.leader LIMIT {MAX_CANDIDATES}",
            keys,
        ).fetchall()
        best, best_sim = None, THRESHOLD
        for leader, leader_sig, _ in rows:
            sim = similarity(sig, leader_sig)
            if (
                sim > best_sim
                or (sim == best_sim and best is not None and leader < best)
                or (best is None and sim >= THRESHOLD)
            ):
                best, best_sim = leader, sim
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
        self.db.execute("INSERT OR REPLACE INTO dup_leaders VALUES (?, ?)", (passage_id, sig))
        self.db.executemany("INSERT INTO dup_bands VALUES (?, ?)", [(k, passage_id) for k in (keys or band_keys(sig))])


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
