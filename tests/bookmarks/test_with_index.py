"""Bookmarks against a real index of the sample corpus (the real
SearchService): saved state on the search and letter pages, and a bookmark
whose letter left the corpus surviving a re-index, flagged."""

from __future__ import annotations

import re
import shutil

import pytest

from indexer.query.types import SearchRequest
from tests.bookmarks.conftest import make_app

LETTER = "000_d9810e0ddbbc91c8"


@pytest.fixture
def indexed(tmp_path, corpus_dir, monkeypatch):
    from indexer.index.pipeline import build_index
    from indexer.search.service import SearchService

    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    index_dir = tmp_path / "index"
    report = build_index([corpus], index_dir, workers=1)
    assert report.total_passages > 0, report
    service = SearchService.open(index_dir)
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    app = make_app(f"sqlite:///{tmp_path / 'bm.sqlite3'}", tmp_path, service, IMR_INDEX_DIR=str(index_dir))
    yield app, service, corpus, index_dir
    service.close()


def _first_hit(service, query: str):
    resp = service.search(SearchRequest(query=query))
    assert resp.hits, f"no hits for {query!r}"
    return resp.hits[0]


def _pressed(html: str, passage_id: str) -> str:
    forms = re.findall(
        r'<form class="bm-toggle[^"]*"[^>]*data-passage-id="([^"]+)".*?aria-pressed="(true|false)"', html, flags=re.S
    )
    states = dict(forms)
    assert passage_id in states, f"no bookmark button for {passage_id}"
    return states[passage_id]


def test_saved_state_shows_on_search_and_letter_pages(indexed):
    app, service, _, _ = indexed
    client = app.test_client()
    hit = _first_hit(service, "facet joint diagnostic blocks")
    assert (
        _pressed(client.get("/search?q=facet+joint+diagnostic+blocks").get_data(as_text=True), hit.passage_id)
        == "false"
    )
    resp = client.post("/bookmarks/save", data={"passage_id": hit.passage_id, "next": "/search?q=facet"})
    assert resp.status_code == 303
    assert (
        _pressed(client.get("/search?q=facet+joint+diagnostic+blocks").get_data(as_text=True), hit.passage_id) == "true"
    )
    assert _pressed(client.get(f"/letters/{hit.letter_id}").get_data(as_text=True), hit.passage_id) == "true"
    bm = client.get("/api/bookmarks").get_json()["bookmarks"][0]
    passage = service.get_passage(hit.passage_id)
    assert bm["item"] == passage.item and bm["snapshot"]["rationale"] == passage.rationale
    assert bm["citations"] == list(dict.fromkeys(c.key for c in passage.citations))
    assert bm["letter_url"].startswith(f"/letters/{hit.letter_id}#p-")


def test_bookmark_survives_its_letter_leaving_the_index(indexed):
    from indexer.index.pipeline import build_index

    app, service, corpus, index_dir = indexed
    client = app.test_client()
    letter = service.get_letter(LETTER)
    assert letter is not None and letter.passages
    passage = letter.passages[0]
    bm = client.post("/api/bookmarks", json={"passage_id": passage.passage_id, "note": "needed for Smith"}).get_json()
    assert bm["in_index"] is True

    (corpus / f"{LETTER}.txt").unlink()
    report = build_index([corpus], index_dir, workers=1)
    assert report.removed >= 1, report
    service.reload()
    assert service.get_passage(passage.passage_id) is None

    got = client.get(bm["url"]).get_json()
    assert got["in_index"] is False
    assert got["snapshot"]["rationale"] == passage.rationale and got["note"] == "needed for Smith"
    page = client.get("/bookmarks").get_data(as_text=True)
    assert "No longer in the search index" in page
    first_words = " ".join(passage.rationale.split()[:6])
    assert first_words in " ".join(page.split())
    md = client.get("/bookmarks/export.md").get_data(as_text=True)
    assert "no longer in the search index" in md
