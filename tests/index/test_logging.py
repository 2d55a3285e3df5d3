"""What operators see in the log: files not indexed (a parser bug with its traceback),
the run's summary, and slow searches with their timings."""

from __future__ import annotations

import logging
import shutil

from indexer.index import parsing
from indexer.index.pipeline import build_index
from indexer.query.types import SearchRequest
from indexer.search.service import SearchService


def test_files_not_indexed_and_the_summary_are_logged(tmp_path, seed_files, caplog):
    corpus = tmp_path / "letters"
    corpus.mkdir()
    shutil.copy2(seed_files[0], corpus / seed_files[0].name)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    with caplog.at_level(logging.INFO, logger="indexer.index.pipeline"):
        report = build_index([corpus], tmp_path / "ix", workers=1)
    assert [f["file"] for f in report.failed] == [str(corpus / "broken.pdf")]
    failures = [r for r in caplog.records if r.levelno == logging.WARNING and "not indexed" in r.getMessage()]
    assert len(failures) == 1 and "broken.pdf" in failures[0].getMessage()
    summary = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("1 letters" in m and "1 failed" in m for m in summary), summary


def test_a_parser_bug_is_logged_with_its_traceback(tmp_path, seed_files, caplog, monkeypatch):
    corpus = tmp_path / "letters"
    corpus.mkdir()
    shutil.copy2(seed_files[0], corpus / seed_files[0].name)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the parser")

    monkeypatch.setattr(parsing, "_parse_bytes", broken)
    with caplog.at_level(logging.WARNING, logger="indexer.index.pipeline"):
        report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.failed and "parser error: RuntimeError" in report.failed[0]["reason"]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "parser bug" in errors[0]
    assert "Traceback" in errors[0] and "a bug in the parser" in errors[0]


def test_slow_searches_are_logged_with_their_timing(tmp_path, seed_files, caplog):
    corpus = tmp_path / "letters"
    corpus.mkdir()
    for f in seed_files:
        shutil.copy2(f, corpus / f.name)
    build_index([corpus], tmp_path / "ix", workers=1)
    with SearchService.open(tmp_path / "ix") as service, caplog.at_level(logging.DEBUG, "indexer.search.service"):
        service.search(SearchRequest(query="facet"))
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        service.slow_query_ms = 0  # every search is slow now
        service.search(SearchRequest(query="facet", filters={"decision": ["Upheld"]}))
    slow = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(slow) == 1
    assert "slow search" in slow[0] and " ms" in slow[0] and "q='facet'" in slow[0] and "Upheld" in slow[0]
