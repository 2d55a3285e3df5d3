"""The synthetic corpus looks like the real one and is reproducible."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter

from imr_cli.main import main as imr
from indexer.synth import generate_letter, letter_rng
from indexer.synth.corpus import read_manifest, write_corpus
from indexer.synth.layout import wrap

SEED = 7


def _sample(n: int = 400):
    return [generate_letter(letter_rng(SEED, i), i, SEED) for i in range(n)]


def test_same_seed_same_letters_different_seed_different_letters():
    a = generate_letter(letter_rng(1, 5), 5, 1)
    b = generate_letter(letter_rng(1, 5), 5, 1)
    c = generate_letter(letter_rng(2, 5), 5, 2)
    assert a[0] == b[0] and a[1] == b[1]
    assert a[0] != c[0]


def test_corpus_is_identical_whatever_the_number_of_workers(tmp_path):
    one = write_corpus(tmp_path / "one", 1100, seed=3, workers=1)
    two = write_corpus(tmp_path / "two", 1100, seed=3, workers=2)
    assert one.letters == two.letters == 1100
    files_one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.txt"))
    files_two = sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*.txt"))
    assert files_one == files_two and len(files_one) == 1100
    assert all((tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes() for f in files_one[::97])
    assert (tmp_path / "one" / "manifest.jsonl").read_bytes() == (tmp_path / "two" / "manifest.jsonl").read_bytes()


def test_imr_synth_command_writes_letters_and_manifest(tmp_path, capsys):
    out = tmp_path / "c"
    assert imr(["synth", "--letters", "25", "--out", str(out), "--seed", "9", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    manifest = read_manifest(out)
    assert report["letters"] == 25 == len(manifest)
    assert report["passages"] == sum(len(m["passages"]) for m in manifest)
    for m in manifest:
        assert (out / m["file"]).is_file()
    ids = [m["letter_id"] for m in manifest]
    assert len(set(ids)) == len(ids), "letter ids must be unique or the index would merge letters"


def test_imr_synth_rejects_a_negative_count(tmp_path, capsys):
    assert imr(["synth", "--letters", "-1", "--out", str(tmp_path)]) == 2
    assert "--letters" in capsys.readouterr().err


def test_realistic_mix():
    sample = _sample()
    passages = [p for _t, e in sample for p in e.passages]
    counts = Counter(len(e.passages) for _t, e in sample)
    assert set(counts) == {1, 2, 3, 4, 5, 6}
    overturned = sum(p.decision == "Overturned" for p in passages) / len(passages)
    assert 0.07 < overturned < 0.20, overturned
    assert {e.credential_style for _t, e in sample} == {"sentence", "block"}
    assert 0.3 < sum(e.header_block for _t, e in sample) / len(sample) < 0.6
    assert len({p.treatment for p in passages}) >= 10
    assert len({p.body_region for p in passages if p.body_region}) >= 8
    assert len({s for _t, e in sample for s in e.specialties}) >= 12
    assert len({s for _t, e in sample for s in e.licensure}) >= 8
    assert len({k for p in passages for k in p.citation_keys}) >= 60
    years = {e.decision_date[:4] for _t, e in sample if e.decision_date}
    assert min(years) == "2013" and len(years) >= 10


def test_pdf_style_layout():
    text, exp = generate_letter(letter_rng(SEED, 11), 11, SEED)
    lines = text.split("\n")
    printed = [ln for ln in lines if ln.strip()]
    assert max(len(ln) for ln in printed) <= 100
    # every printed line is followed by an empty line except a decision pushed to the next line
    assert sum(1 for a, b in itertools.pairwise(lines) if a.strip() and b.strip()) <= len(exp.passages)
    assert text.startswith(" HOW THE IMR FINAL DETERMINATION WAS MADE") or text.startswith("Case Number:")
    assert "IMR ISSUES, DECISIONS AND RATIONALES" in text
    for p in exp.passages:
        assert p.decision in ("Upheld", "Overturned")


def test_citation_wordings_vary_for_one_key():
    """One canonical citation comes out in several wordings across letters."""
    wordings: dict[str, set[str]] = {}
    for text, _exp in _sample(300):
        flat = re.sub(r"\s+", " ", text.replace(" \n\n", " "))
        for m in re.finditer(r"Non-MTUS Citation ([^.]+)\.", flat):
            if "Facet" in m.group(1) or "facet" in m.group(1):
                wordings.setdefault("facet", set()).add(m.group(1))
    assert len(wordings.get("facet", ())) >= 5


def test_wrap_keeps_text_and_breaks_hyphens_only_before_capitals():
    text = "Decision based on Non-MTUS Citation Official Disability Guidelines at L4-L5 and non-radicular pain " * 3
    lines = wrap(text, 40)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for ln in lines:
        assert not ln.endswith("non-")
        assert len(ln.rstrip()) <= 40


def test_oracle_letter_matches_its_text_and_expectations():
    """`synthetic_letter` (used to build million-passage benchmark indexes) is the same letter."""
    from indexer.synth.generator import synthetic_letter

    for index in range(40):
        text, exp, letter = synthetic_letter(SEED, index)
        assert (text, exp) == generate_letter(letter_rng(SEED, index), index, SEED)
        assert letter.letter_id == exp.letter_id
        assert letter.summary and letter.summary.startswith("The ")
        assert re.sub(r"\s+", "", letter.summary) in re.sub(r"\s+", "", re.sub(r"Page \d+ of \d+", "", text))
        assert [(p.item, p.decision) for p in letter.passages] == [(p.item, p.decision) for p in exp.passages]
        for p, want in zip(letter.passages, exp.passages, strict=True):
            assert p.passage_id == f"{exp.letter_id}-{p.ordinal}"
            assert sorted({c.key for c in p.citations}) == want.citation_keys
            for c in p.citations:
                assert getattr(p, c.field)[c.start : c.end] == c.raw
                flat = re.sub(r"\s+", "", re.sub(r"Page \d+ of \d+", "", text))
                assert re.sub(r"\s+", "", c.raw) in flat
