"""Indexing: incremental runs, failures, crash safety, concurrent readers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.index import generations as gens
from indexer.index.engine import configured_engines, engine_class
from indexer.index.pipeline import build_index, index_exists
from indexer.search.service import SearchService
from tests.search.conftest import ids, run

ROOT = Path(__file__).resolve().parents[2]
# These tests look into the generation folders of the embedded engines; a remote
# engine's generations are tested in its own test module.
LOCAL_ENGINES = [e for e in configured_engines() if not engine_class(e).remote]


@pytest.fixture(params=LOCAL_ENGINES)
def engine(request) -> str:
    return request.param


def test_reindexing_an_unchanged_corpus_does_no_work(engine, corpus, tmp_path):
    ix = tmp_path / "ix"
    first = build_index([corpus], ix, engine=engine, workers=1)
    assert (first.letters, first.passages, first.skipped_unchanged) == (5, 7, 0)
    assert first.changed and first.failed == []
    again = build_index([corpus], ix, engine=engine, workers=1)
    assert again.skipped_unchanged == 5
    assert (again.letters, again.passages, again.changed) == (0, 0, False)
    assert again.generation == first.generation
    # a touched file (new mtime, same bytes) is hashed, found unchanged, and still not reindexed
    f = next(corpus.iterdir())
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    touched = build_index([corpus], ix, engine=engine, workers=1)
    assert (touched.skipped_unchanged, touched.letters, touched.changed) == (5, 0, False)
    assert (touched.total_letters, touched.total_passages) == (5, 7)


def test_changed_files_are_replaced_and_gone_files_removed(engine, corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([corpus], ix, engine=engine, workers=1)
    esi = corpus / "004_0099b7c7dc1cafd7.txt"
    esi.write_text(
        esi.read_text(encoding="utf-8").replace("transient neck pain relief", "zanzibar relief"), encoding="utf-8"
    )
    (corpus / "001_c1dd6188e3508088.txt").unlink()
    with SearchService.open(ix, engine) as before:
        assert run(before, "zanzibar").total == 0
    report = build_index([corpus], ix, engine=engine, workers=1)
    assert (report.letters, report.skipped_unchanged, report.removed) == (1, 3, 1)
    assert (report.total_letters, report.total_passages) == (4, 6)
    with SearchService.open(ix, engine) as after:
        assert ids(run(after, "zanzibar")) == ["004_0099b7c7dc1cafd7-1"]
        assert run(after, "transient").total == 0
        assert "001_c1dd6188e3508088-1" not in ids(run(after, "medial branch", per_page=50))
        assert after.get_letter("001_c1dd6188e3508088") is None


def test_failures_are_reported_and_do_not_stop_the_run(engine, corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.pdf").write_bytes(b"\x00\x01\x02garbage" * 50)
    (corpus / "memo.txt").write_text(
        "Please call me about lunch on Friday. Bring the quarterly numbers.\n", encoding="utf-8"
    )
    ix = tmp_path / "ix"
    report = build_index([corpus, tmp_path / "missing-folder"], ix, engine=engine, workers=1)
    failed = {Path(f["file"]).name: f["reason"] for f in report.failed}
    assert set(failed) == {"empty.txt", "binary.pdf", "missing-folder"}
    assert all(reason and "\n" not in reason for reason in failed.values())
    assert report.letters == 6 and report.passages == 8  # five seeds + the memo as whole text
    assert any(Path(w["file"]).name == "memo.txt" for w in report.warnings)
    with SearchService.open(ix, engine) as service:
        [hit] = run(service, "quarterly numbers").hits
        assert hit.unparsed and hit.ordinal == 0 and hit.decision is None
    # unchanged failed files are skipped next time but still reported
    again = build_index([corpus], ix, engine=engine, workers=1)
    assert again.skipped_unchanged == 8 and not again.changed
    assert {Path(f["file"]).name for f in again.failed} == {"empty.txt", "binary.pdf"}


def test_parallel_parsing_gives_the_same_index(corpus, tmp_path, seed_files):
    many = tmp_path / "many"
    many.mkdir()
    for i in range(12):
        for f in seed_files:
            shutil.copy2(f, many / f"{i:02d}_{f.name}")
    serial = build_index([many], tmp_path / "a", workers=1)
    parallel = build_index([many], tmp_path / "b", workers=2)
    assert (parallel.letters, parallel.passages) == (serial.letters, serial.passages) == (60, 84)
    with SearchService.open(tmp_path / "a") as a, SearchService.open(tmp_path / "b") as b:
        for q in ["MBB", '"no more than 2 levels"', "acupuncture", ""]:
            assert ids(run(a, q, per_page=100)) == ids(run(b, q, per_page=100))


def test_duplicate_letter_ids_are_kept_apart(tmp_path, seed_files):
    d1, d2 = tmp_path / "one", tmp_path / "two"
    d1.mkdir()
    d2.mkdir()
    shutil.copy2(seed_files[0], d1 / seed_files[0].name)
    shutil.copy2(seed_files[0], d2 / seed_files[0].name)
    report = build_index([d1, d2], tmp_path / "ix", workers=1)
    assert report.letters == 2 and report.passages == 2
    assert any("already used" in w["message"] for w in report.warnings)
    with SearchService.open(tmp_path / "ix") as s:
        assert len(set(ids(run(s, "MBB")))) == 2


def test_readers_keep_working_during_and_after_a_switch(engine, corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([corpus], ix, engine=engine, workers=1)
    service = SearchService.open(ix, engine)
    try:
        old_gen = service.generation
        assert service.reload() is False  # nothing newer: cheap no-op
        (corpus / "memo.txt").write_text("The zanzibar memo.\n", encoding="utf-8")
        build_index([corpus], ix, engine=engine, workers=1)
        # the open service still answers from its generation
        assert run(service, "zanzibar").total == 0
        assert run(service, "MBB").total == 3
        assert service.reload() is True and service.generation != old_gen
        assert run(service, "zanzibar").total == 1
    finally:
        service.close()


def test_one_indexing_run_at_a_time(corpus, tmp_path):
    ix = tmp_path / "ix"
    with gens.writer_lock(gens.engine_root(ix, "tantivy")):
        with pytest.raises(gens.IndexBusy):
            build_index([corpus], ix, workers=1)
    assert build_index([corpus], ix, workers=1).letters == 5


def test_rebuild_reindexes_everything(corpus, tmp_path):
    ix = tmp_path / "ix"
    build_index([corpus], ix, workers=1)
    report = build_index([corpus], ix, rebuild=True, workers=1)
    assert (report.letters, report.skipped_unchanged, report.changed) == (5, 0, True)
    assert index_exists(ix) and not index_exists(ix, "whoosh")


def test_missing_index_gives_a_clear_error(tmp_path):
    with pytest.raises(gens.IndexNotFound, match="imr index"):
        SearchService.open(tmp_path / "nothing-here")


_KILL_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from indexer.index.pipeline import build_index
    build_index([Path(sys.argv[1])], Path(sys.argv[2]), engine=sys.argv[3], workers=2)
""")


def test_killing_an_indexing_run_leaves_the_old_index_usable(engine, corpus, tmp_path, seed_files):
    ix = tmp_path / "ix"
    build_index([corpus], ix, engine=engine, workers=1)
    live = gens.current_generation(ix, engine)
    big = tmp_path / "big"
    big.mkdir()
    for i in range(300):
        for f in seed_files:
            shutil.copy2(f, big / f"{i:03d}_{f.name}")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(big), str(ix), engine],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = gens.engine_root(ix, engine)
    deadline = time.monotonic() + 60
    building: list[Path] = []
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            building = [p for p in root.iterdir() if p.name.endswith(gens.BUILDING)]
            if building and (building[0] / "store.sqlite").exists():
                time.sleep(0.5)  # let it write for a while
                break
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert building and building[0].exists(), "the run was killed midway, leaving a half-built generation"
    assert gens.current_generation(ix, engine) == live
    with SearchService.open(ix, engine) as service:
        assert run(service, "", per_page=50).total == 7
        assert len(run(service, "MBB").hits) == 3
    # the next run takes the lock the killed one held, and sweeps its leftovers
    after = build_index([corpus], ix, engine=engine, workers=1)
    assert after.skipped_unchanged == 5
    assert not any(p.name.endswith(gens.BUILDING) for p in root.iterdir())


def test_index_letters_keeps_letters_sharing_a_source_file(tmp_path):
    from indexer.index.pipeline import index_letters
    from tests.search.fixtures import sample_letters

    letters = sample_letters()
    for letter in letters:
        letter.source_file = "/same/file.txt"
    report = index_letters(letters, tmp_path / "ix")
    assert (report.letters, report.passages, report.total_passages) == (4, 7, 7)
