"""Hostile files in a corpus: odd names, special files, links, huge letters,
unreadable folders. Each is indexed or reported; none stops or hangs a run,
none makes the index lose letters, and the report stays one line per file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.index.parsing import MAX_PASSAGES, bound_passages
from indexer.index.pipeline import build_index, index_letters
from indexer.letters.read import UnreadableLetterError, read_letter_bytes
from indexer.model import Citation, Letter, Passage
from indexer.query.types import SearchRequest
from indexer.search.service import SearchService

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def corpus(tmp_path, seed_files) -> Path:
    d = tmp_path / "letters"
    d.mkdir()
    for f in seed_files[:2]:
        shutil.copy2(f, d / f.name)
    return d


def imr(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "imr_cli.main", *args], capture_output=True, timeout=timeout, cwd=ROOT)


def total(ix: Path, query: str) -> int:
    with SearchService.open(ix, "tantivy") as service:
        return service.search(SearchRequest(query=query)).total


# --- 1. names that are not UTF-8 ----------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_indexed_and_later_letters_still_are(corpus, tmp_path, seed_files):
    odd = os.path.join(os.fsencode(corpus), b"caf\xe9.txt")
    with open(odd, "wb") as f:
        f.write(seed_files[2].read_bytes())
    ix = tmp_path / "ix"
    first = imr("index", str(corpus), "--index", str(ix), "--json")
    assert first.returncode == 0, first.stderr.decode()
    report = json.loads(first.stdout)
    assert (report["letters"], report["failed"]) == (3, [])
    # a new letter on the next run is added while the odd name is still there
    shutil.copy2(seed_files[3], corpus / seed_files[3].name)
    second = imr("index", str(corpus), "--index", str(ix))
    assert second.returncode == 0, second.stderr.decode()
    assert "1 letters / " in second.stdout.decode() and "3 unchanged" in second.stdout.decode()
    with SearchService.open(ix, "tantivy") as service:
        assert service.stats()["letters"] == 4
        # the odd file's letter is served from its real path
        ids = [r.letter_id for r in service._gen.store.files().values() if r.letter_id]
        lid = next(
            lid
            for lid in ids
            if service.letter_source_path(lid) and os.fsencode(service.letter_source_path(lid)) == odd
        )
        assert service.read_letter_source(lid)[1] == seed_files[2].read_bytes()


def test_a_letter_id_from_an_odd_file_name_is_valid_text(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    with open(os.path.join(os.fsencode(d), b"x\xff\xfe.txt"), "wb") as f:
        f.write(b"This letter has no case number. Zebrafinch therapy was requested.\n")
    report = build_index([d], tmp_path / "ix", workers=1)
    assert (report.letters, report.failed) == (1, [])
    assert total(tmp_path / "ix", "zebrafinch") == 1
    json.dumps(report.to_json(), ensure_ascii=False).encode("utf-8")  # printable as UTF-8


# --- 2. huge letters ---------------------------------------------------------------


def test_an_oversized_file_is_refused_with_its_size_and_the_rest_indexed(corpus, tmp_path):
    big = corpus / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
        f.seek(0)
        f.write(b"A letter. " * 100)
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.letters == 2
    (failure,) = report.failed
    assert failure["file"] == str(big)
    assert "50.0 MB" in failure["reason"] and "over 16 MB" in failure["reason"]


def test_a_letter_with_millions_of_characters_is_refused_with_its_length(corpus, tmp_path, seed_files):
    text = seed_files[0].read_text()
    (corpus / "long.txt").write_text(text * (2_100_000 // len(text) + 1))
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.letters == 2
    (failure,) = report.failed
    assert failure["file"] == str(corpus / "long.txt")
    assert "characters; over 2,000,000 are not indexed" in failure["reason"]


def test_the_size_limit_is_a_setting(corpus, tmp_path):
    result = imr("index", str(corpus), "--index", str(tmp_path / "ix"), "--max-file-mb", "0.001", "--json")
    report = json.loads(result.stdout)
    assert report["letters"] == 0 and len(report["failed"]) == 2
    assert all("are not read" in f["reason"] for f in report["failed"])
    assert result.returncode == 1


def test_reading_stops_at_the_limit_even_when_the_file_grows(tmp_path):
    f = tmp_path / "grows.txt"
    f.write_bytes(b"x" * 100)
    data, st = read_letter_bytes(f, limit=100)
    assert len(data) == 100 and st.st_size == 100
    with pytest.raises(UnreadableLetterError, match="are not read"):
        read_letter_bytes(f, limit=99)


def _letter_with_issues(n: int) -> Letter:
    letter = Letter(letter_id="CM00-0000001", source_file="many.txt", summary="short")
    letter.passages = [
        Passage(
            passage_id=f"CM00-0000001-{i}",
            letter_id="CM00-0000001",
            ordinal=i,
            item=f"Item {i}",
            decision="Upheld",
            rationale=f"Rationale number {i} mentions word{i}.",
            citations=[Citation("MTUS", "ACOEM", None, None, "reviewer", "MTUS", "rationale", 0, 4)],
        )
        for i in range(1, n + 1)
    ]
    return letter


def test_passages_per_letter_are_bounded_and_nothing_is_lost(tmp_path):
    letter = _letter_with_issues(500)
    bound_passages(letter)
    assert len(letter.passages) == MAX_PASSAGES
    last = letter.passages[-1]
    assert last.ordinal == MAX_PASSAGES and "word500" in last.rationale and "word200" in last.rationale
    assert "issues 200 to 500 are indexed as one passage" in letter.warnings[-1]
    index_letters([letter], tmp_path / "ix")
    assert total(tmp_path / "ix", "word450") == 1
    assert total(tmp_path / "ix", "word3") == 1


def test_a_letter_with_thousands_of_issues_indexes_as_bounded_passages(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    issues = "\n\n".join(
        f"Issue {i}: Zzqtreatment{i}, is not medically necessary and appropriate.\n\n"
        f"Decision rationale: The guidelines do not support zzqword{i}."
        for i in range(1, 3001)
    )
    (d / "many.txt").write_text("IMR Case Number CM15-0000042\n\nDECISION\n\n" + issues + "\n")
    assert len(issues) < 2_000_000
    report = build_index([d], tmp_path / "ix", workers=1)
    assert report.letters == 1 and report.failed == []
    assert report.passages <= MAX_PASSAGES
    assert total(tmp_path / "ix", "zzqword2999") == 1


# --- 3. special files ---------------------------------------------------------------


def test_a_fifo_named_like_a_letter_is_reported_not_read(corpus, tmp_path):
    os.mkfifo(corpus / "x.txt")
    result = imr("index", str(corpus), "--index", str(tmp_path / "ix"), "--json", timeout=60)
    report = json.loads(result.stdout)
    assert report["letters"] == 2
    assert report["failed"] == [{"file": str(corpus / "x.txt"), "reason": "not a regular file: a FIFO (named pipe)"}]
    assert result.returncode == 3


def test_a_fifo_swapped_in_after_the_walk_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "late.txt")
    with pytest.raises(UnreadableLetterError, match="FIFO"):
        read_letter_bytes(tmp_path / "late.txt")


def test_a_link_to_dev_zero_is_not_followed(corpus, tmp_path):
    (corpus / "zero.txt").symlink_to("/dev/zero")
    result = imr("index", str(corpus), "--index", str(tmp_path / "ix"), "--json", timeout=60)
    report = json.loads(result.stdout)
    assert report["letters"] == 2 and report["failed"] == []
    assert report["skipped"] == [{"file": str(corpus / "zero.txt"), "reason": "symbolic link: not followed"}]
    assert result.returncode == 0


# --- 4. unreadable folders ----------------------------------------------------------


@pytest.fixture
def unreadable(monkeypatch):
    """Make folders unreadable: chmod where that works, and for root (which reads
    anything) the same PermissionError from the folder listing."""
    made: list[Path] = []
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(os.fsdecode(path)) in made:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    def make(folder: Path) -> None:
        made.append(folder)
        folder.chmod(0)

    yield make
    for folder in made:
        folder.chmod(0o755)


def test_an_unreadable_folder_is_a_failure_and_its_letters_stay(corpus, tmp_path, seed_files, unreadable):
    sub = corpus / "sub"
    sub.mkdir()
    for f in seed_files[2:4]:
        shutil.copy2(f, sub / f.name)
    ix = tmp_path / "ix"
    assert build_index([corpus], ix, workers=1).total_letters == 4
    unreadable(sub)
    report = build_index([corpus], ix, workers=1)
    assert report.removed == 0 and report.total_letters == 4
    (failure,) = report.failed
    assert failure["file"] == str(sub) and failure["reason"].startswith("cannot read folder: Permission denied")


def test_an_unreadable_file_keeps_its_letter(corpus, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    build_index([corpus], ix, workers=1)
    victim = sorted(corpus.iterdir())[0]
    os.utime(victim, ns=(1, 1))  # changed: it will be read again
    real_open = os.open

    def deny(path, flags, *a, **k):
        if Path(os.fsdecode(path)) == victim:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", deny)
    report = build_index([corpus], ix, workers=1)
    assert report.failed == [{"file": str(victim), "reason": "permission denied"}]
    assert report.total_letters == 2


# --- 5. links -----------------------------------------------------------------------


def test_a_link_to_etc_passwd_is_not_indexed(corpus, tmp_path):
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "linked-dir").symlink_to("/etc")
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.letters == 2
    assert {s["file"] for s in report.skipped} == {str(corpus / "passwd.txt"), str(corpus / "linked-dir")}
    assert total(tmp_path / "ix", "root") == 0


def test_a_named_link_is_resolved(corpus, tmp_path):
    link = tmp_path / "corpus-link"
    link.symlink_to(corpus)
    report = build_index([link], tmp_path / "ix", workers=1)
    assert report.letters == 2 and report.skipped == []


# --- 6. the report ------------------------------------------------------------------


def test_exit_status_says_finished_with_failures(corpus, tmp_path):
    result = imr("index", str(corpus), str(tmp_path / "no-such"), "--index", str(tmp_path / "ix"))
    assert result.returncode == 3
    assert "failed: " + str(tmp_path / "no-such") + ": no such file or folder" in result.stdout.decode()
    ok = imr("index", str(corpus), "--index", str(tmp_path / "ix"))
    assert ok.returncode == 0


def test_a_newline_in_a_file_name_cannot_forge_report_lines(corpus, tmp_path):
    (corpus / "evil\n  failed: forged.txt: fake\n.txt").write_bytes(b"\x00\x01binary")
    result = imr("index", str(corpus), "--index", str(tmp_path / "ix"))
    lines = result.stdout.decode().splitlines()
    assert len([line for line in lines if line.startswith("  failed: ")]) == 1
    assert not any(line.startswith("  failed: forged.txt") for line in lines)
    assert result.returncode == 3


def test_a_duplicate_letter_id_names_the_file_that_has_it(tmp_path, seed_files):
    d1, d2 = tmp_path / "one", tmp_path / "two"
    for d in (d1, d2):
        d.mkdir()
        shutil.copy2(seed_files[0], d / seed_files[0].name)
    report = build_index([d1, d2], tmp_path / "ix", workers=1)
    (warning,) = [w for w in report.warnings if "already used" in w["message"]]
    assert f"already used by {d1 / seed_files[0].name}; indexed as " in warning["message"]
    spaced = Letter(letter_id="CM00  0000001", source_file="s.txt")
    other = index_letters([spaced], tmp_path / "ix2")
    assert not any("None" in w["message"] for w in other.warnings)
