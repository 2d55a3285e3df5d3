"""Near-duplicate grouping of rationales: the threshold on fixtures, determinism,
no group mixing clearly different rationales, and grouping through the indexer."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from indexer.index import neardup
from indexer.index.neardup import THRESHOLD, Grouper, shingles, signature, similarity

REAL_LETTERS = Path(__file__).resolve().parents[2].parent / "shared" / "real-letters" / "txt"

OPIOID = (
    "The guidelines state that ongoing opioid management requires documentation of pain relief, functional "
    "status, appropriate medication use and side effects, with a urine drug screen and a signed pain contract. "
    "The submitted records do not document a decrease in pain scores with the medication or an objective "
    "improvement in function, and there is no recent urine drug screen on file. As such, the request for "
    "{drug} is not medically necessary and the denial is upheld."
)
TOPICAL = (
    "Topical analgesics are largely experimental in use with few randomized controlled trials to determine "
    "efficacy or safety. They are primarily recommended for neuropathic pain when trials of antidepressants "
    "and anticonvulsants have failed. Any compounded product that contains at least one drug or drug class "
    "that is not recommended is not recommended. The requested {drug} contains a muscle relaxant, which is "
    "not recommended for topical use, so the request for {drug} is not medically necessary."
)
# Different reasoning that shares the guideline quote with TOPICAL's first two sentences.
TOPICAL_OVERTURNED = (
    "Topical analgesics are largely experimental in use with few randomized controlled trials to "
    "determine efficacy or safety. They are primarily recommended for neuropathic pain when trials "
    "of antidepressants and anticonvulsants have failed. Here the records document failed trials "
    "of amitriptyline and gabapentin, neuropathic findings in a dermatomal distribution, and the "
    "patient cannot tolerate oral NSAIDs because of a gastric bleed; lidocaine patch is therefore "
    "medically necessary and the denial is overturned."
)
FACET = (
    "Facet joint diagnostic blocks are recommended for no more than two levels bilaterally in patients with "
    "non-radicular low back pain after failure of conservative treatment for at least four to six weeks. "
    "The examination documents a positive straight leg raise and dermatomal numbness, which is "
    "radicular pain, so the diagnostic block at {level} is not medically necessary."
)
PT = (
    "Physical medicine guidelines allow for fading of treatment frequency plus active self-directed home physical "
    "medicine, nine to ten visits over eight weeks for myalgia. The patient has completed {n} visits without "
    "documented objective functional improvement and should be able to continue a home exercise program, so "
    "{more} additional sessions exceed the guideline and are not medically necessary."
)

FAMILIES = {
    # as real near-identical rationales are: one paragraph, a name, a level or a count changed
    "opioid": [OPIOID.format(drug=d) for d in ["Norco 10/325", "Percocet 5/325", "tramadol ER"]],
    "topical": [TOPICAL.format(drug=d) for d in ["cyclobenzaprine cream", "Flexeril cream"]],
    "facet": [FACET.format(level=lv) for lv in ["L4-L5", "L5-S1"]],
    "pt": [PT.format(n=n, more="twelve") for n in ["24", "18"]],
    "topical_overturned": [TOPICAL_OVERTURNED],
}


def _store() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(neardup.DDL)
    return db


def _group(texts: list[tuple[str, str]]) -> dict[str, str]:
    grouper = Grouper(_store())
    return {pid: grouper.assign(pid, pid.split("/")[0], signature(text)) for pid, text in texts}


def _fixture_texts() -> list[tuple[str, str]]:
    return [(f"{family}/{i}", text) for family, texts in FAMILIES.items() for i, text in enumerate(texts)]


def _jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_each_template_family_is_one_group_and_families_never_mix() -> None:
    groups = _group(_fixture_texts())
    for family in FAMILIES:
        assert len({g for pid, g in groups.items() if pid.startswith(family + "/")}) == 1, family
    assert len(set(groups.values())) == len(FAMILIES)


def test_threshold_separates_shared_boilerplate_from_near_identical() -> None:
    same = similarity(signature(FAMILIES["opioid"][0]), signature(FAMILIES["opioid"][1]))
    shared_quote = similarity(signature(FAMILIES["topical"][0]), signature(TOPICAL_OVERTURNED))
    assert same >= THRESHOLD > shared_quote
    # the estimate follows the exact shingle Jaccard similarity
    exact = _jaccard(FAMILIES["opioid"][0], FAMILIES["opioid"][1])
    assert abs(same - exact) < 0.12


def test_groups_are_deterministic() -> None:
    texts = _fixture_texts()
    assert _group(texts) == _group(texts)
    assert signature(OPIOID) == signature(OPIOID)


def test_short_and_empty_rationales_are_not_grouped() -> None:
    assert signature("See above.") is None
    assert signature("") is None
    assert _group([("a/1", "Not medically necessary."), ("b/1", "Not medically necessary.")]) == {
        "a/1": None,
        "b/1": None,
    }


@pytest.mark.skipif(not REAL_LETTERS.is_dir() and not os.environ.get("CI"), reason="real letters not present")
def test_real_letters_groups_hold_only_near_identical_rationales() -> None:
    from indexer.letters import parse_file

    texts = []
    for path in sorted(REAL_LETTERS.glob("*.txt")):
        for p in parse_file(path).passages:
            texts.append((p.passage_id, p.rationale))
    groups = _group(texts)
    assert groups == _group(texts)
    by_id = dict(texts)
    members: dict[str, list[str]] = {}
    for pid, g in groups.items():
        if g is not None:
            members.setdefault(g, []).append(pid)
    grouped = [m for m in members.values() if len(m) > 1]
    assert grouped, "the real letters repeat rationales (e.g. the ancillary-service sentence)"
    for m in grouped:
        for pid in m:
            # every member is near-identical to the group's leader: no chaining
            assert _jaccard(by_id[pid], by_id[groups[pid]]) >= 0.65, (pid, groups[pid])


def test_signature_is_datasketch_minhash() -> None:
    # signature() computes datasketch's affine32 MinHash itself (for speed): the values
    # must be the very same, or leaders kept by earlier runs would stop matching
    import numpy as np
    from datasketch import MinHash

    texts = [t for family in FAMILIES.values() for t in family] + [OPIOID.format(drug="İbuprofen Kelvin") * 3]
    for text in texts:
        m = MinHash(
            num_perm=neardup.NUM_PERM,
            seed=neardup.SEED,
            permutations=neardup._PERMUTATIONS,
            scheme="affine32",
            hashfunc=neardup._HASH,
        )
        m.update_batch(list(shingles(text)))
        assert signature(text) == np.asarray(m.hashvalues, dtype="<u4").tobytes()


class _SqlGrouper:
    """The reference: candidates from a join and a GROUP BY over `dup_bands` in SQLite
    per passage (how grouping was first written), one similarity at a time."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.execute("CREATE INDEX IF NOT EXISTS ref_bands ON dup_bands(band)")

    def assign(self, passage_id: str, letter_id: str, sig: bytes | None) -> str | None:
        if sig is None:
            return None
        keys = neardup.band_keys(sig)
        rows = self.db.execute(
            "SELECT l.leader, l.sig, count(*) AS hits FROM dup_bands b JOIN dup_leaders l ON l.leader = b.leader "
            f"WHERE b.band IN ({','.join('?' * len(keys))}) GROUP BY l.leader ORDER BY hits DESC, l.leader "
            f"LIMIT {neardup.MAX_CANDIDATES}",
            keys,
        ).fetchall()
        best = neardup.best_leader((leader, similarity(sig, leader_sig)) for leader, leader_sig, _ in rows)
        if best is None:
            best = passage_id
            self.db.execute("INSERT INTO dup_leaders VALUES (?, ?)", (passage_id, sig))
            self.db.executemany("INSERT INTO dup_bands VALUES (?, ?)", [(k, passage_id) for k in keys])
        return best


def _variants() -> list[tuple[str, str]]:
    """Many rationales: each fixture with one to three words changed here and there, so
    groups form, band keys are shared by leaders that are not similar enough, and
    near-ties between leaders occur."""
    import random

    rng = random.Random(15)
    words = ["Norco", "tramadol", "L3-L4", "C5-C6", "twelve", "six", "gabapentin", "cream", "left", "right"]
    out = []
    for family, texts in FAMILIES.items():
        for i, text in enumerate(texts):
            for j in range(40):
                tokens = text.split()
                for _ in range(rng.randint(0, 1 + j % 3)):
                    tokens[rng.randrange(len(tokens))] = rng.choice(words)
                out.append((f"{family}{i}-{j:02d}/x", " ".join(tokens)))
    rng.shuffle(out)
    return out


def test_in_memory_lookup_groups_as_the_sql_lookup(monkeypatch) -> None:
    # the band index merges its runs every few leaders here, as it does every 65,536 rows
    monkeypatch.setattr(neardup._BandIndex, "RUN", 48)
    texts = _variants()
    half = len(texts) // 2
    db, ref_db = _store(), _store()
    ref = _SqlGrouper(ref_db)
    expected = {pid: ref.assign(pid, pid.split("/")[0], signature(text)) for pid, text in texts}
    first = Grouper(db)
    got = {pid: first.assign(pid, pid.split("/")[0], signature(text)) for pid, text in texts[:half]}
    # a later run on the same store: its grouper loads the leaders the first one kept
    later = Grouper(db)
    got.update({pid: later.assign(pid, pid.split("/")[0], signature(text)) for pid, text in texts[half:]})
    assert got == expected
    assert 10 < len(set(expected.values())) < len(texts) / 2  # groups formed, and not one big one
    assert (
        db.execute("SELECT count(*) FROM dup_bands").fetchone()
        == ref_db.execute("SELECT count(*) FROM dup_bands").fetchone()
    )
