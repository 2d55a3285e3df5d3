"""Indexing holds a bounded number of parsed letters in the parent, however slowly it writes.

Workers parse faster than the one parent process writes the engine and the
letter store; if every job is handed to the pool up front, their finished
results pile up in the parent (1.26 GB at 394,000 letters). These tests count
the jobs taken from the job list but not yet handed back to the writer.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from indexer.index import pipeline
from indexer.index.pipeline import build_index
from indexer.search.service import SearchService
from tests.search.conftest import ids, run

WORKERS = 2
BOUND = 24  # small, so a run of 200 files must cycle the window many times


class CountingJobs(list):
    """A job list that counts how many jobs have been taken from it (by any thread)."""

    taken = 0

    def __iter__(self):
        for job in super().__iter__():
            self.taken += 1
            yield job


@pytest.fixture
def many_files(tmp_path, seed_files) -> list[Path]:
    d = tmp_path / "letters"
    d.mkdir()
    files = []
    for i in range(40):
        for f in seed_files:
            files.append(shutil.copy2(f, d / f"{i:02d}_{f.name}"))
    (d / "zz_empty.txt").write_bytes(b"")  # one failure, late in the run
    files.append(d / "zz_empty.txt")
    return [Path(f) for f in files]


def test_a_slow_writer_never_has_more_than_the_bound_in_flight(monkeypatch, many_files):
    monkeypatch.setattr(pipeline, "MAX_IN_FLIGHT", BOUND, raising=False)
    jobs = CountingJobs((str(f), None) for f in many_files)
    assert len(jobs) > pipeline.INLINE_BELOW  # the worker pool path, not the in-process one
    outcomes, most_in_flight = [], 0
    for out in pipeline._run_jobs(jobs, WORKERS, progress=False):
        outcomes.append(out)
        most_in_flight = max(most_in_flight, jobs.taken - len(outcomes))
        time.sleep(0.002)  # the parent writing: slower than two workers parse
    assert most_in_flight <= max(BOUND, 2 * WORKERS), most_in_flight
    # nothing lost, nothing reordered, failures still come back as outcomes
    assert [o.path for o in outcomes] == [job[0] for job in jobs]
    assert [o.status for o in outcomes].count("parsed") == len(jobs) - 1
    assert outcomes[-1].status == "failed" and outcomes[-1].reason


def test_the_bound_holds_for_any_worker_count(monkeypatch, many_files):
    """More workers than the bound allows two chunks each: each then gets single jobs."""
    monkeypatch.setattr(pipeline, "MAX_IN_FLIGHT", 4, raising=False)
    jobs = CountingJobs((str(f), None) for f in many_files[:60])
    outcomes, most_in_flight = 0, 0
    for _out in pipeline._run_jobs(jobs, 3, progress=False):
        outcomes += 1
        most_in_flight = max(most_in_flight, jobs.taken - outcomes)
    assert outcomes == 60
    assert most_in_flight <= 2 * 3


def test_a_bounded_parallel_build_gives_the_serial_index(monkeypatch, many_files, tmp_path):
    monkeypatch.setattr(pipeline, "MAX_IN_FLIGHT", 8, raising=False)
    serial = build_index(many_files, tmp_path / "serial", workers=1)
    parallel = build_index(many_files, tmp_path / "parallel", workers=WORKERS)
    assert (parallel.letters, parallel.passages) == (serial.letters, serial.passages) == (200, 280)
    assert [Path(f["file"]).name for f in parallel.failed] == ["zz_empty.txt"]
    with SearchService.open(tmp_path / "serial") as a, SearchService.open(tmp_path / "parallel") as b:
        for q in ["MBB", "acupuncture", ""]:
            assert ids(run(a, q, per_page=300)) == ids(run(b, q, per_page=300))
    # incremental skip logic is unchanged: nothing to do the second time
    again = build_index(many_files, tmp_path / "parallel", workers=WORKERS)
    assert (again.skipped_unchanged, again.letters, again.changed) == (201, 0, False)
