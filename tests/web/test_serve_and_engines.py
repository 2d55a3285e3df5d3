"""`imr serve` and the app on a changing index, on every engine."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

import pytest

from indexer.index.engine import configured_engines
from indexer.query.types import SearchRequest
from tests.web.conftest import QUERY, parse_html

JUNK = "Dear colleague,\n\nThis page is not an IMR determination at all; it mentions a facet block once.\n"


def test_serve_indexes_the_corpus_first_and_serves_with_waitress(tmp_path):
    from tests.e2e.conftest import start_imr_server, stop_imr_server

    served = start_imr_server(tmp_path / "data")
    try:
        assert "Indexing" in served.log()
        with urllib.request.urlopen(served.url("/search?q=facet")) as response:
            assert response.status == 200
            assert response.headers["Server"] == "imr"  # waitress, not the development server
            assert response.headers["X-Frame-Options"] == "DENY"
            assert b'article class="hit"' in response.read()
    finally:
        stop_imr_server(served)
    # a second start finds the index and does not index again
    again = start_imr_server(tmp_path / "data")
    try:
        assert "Indexing" not in again.log()
    finally:
        stop_imr_server(again)


def test_serve_without_index_or_corpus_says_what_to_do(tmp_path, capsys):
    from imr_cli.main import main

    code = main(
        [
            "serve",
            "--index",
            str(tmp_path / "idx"),
            "--corpus",
            str(tmp_path / "missing"),
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            "8199",
        ]
    )
    assert code == 2
    assert "imr index" in capsys.readouterr().err


@pytest.fixture
def small_corpus(tmp_path, seed_files) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(seed_files[0], folder / seed_files[0].name)
    (folder / "not_a_letter.txt").write_text(JUNK)
    return folder


@pytest.mark.parametrize("engine", configured_engines())
def test_every_engine_serves_the_same_pages(tmp_path, small_corpus, engine, web_data_dir):
    from indexer.index.pipeline import build_index
    from indexer.search.service import SearchService
    from webapp import create_app

    index_dir = tmp_path / "index"
    build_index([small_corpus], index_dir, engine=engine)
    client = create_app({"TESTING": True, "IMR_INDEX_DIR": str(index_dir), "IMR_ENGINE": engine}).test_client()
    data = client.get("/api/search", query_string={"q": "facet"}).get_json()
    with SearchService.open(index_dir, engine=engine) as service:
        assert data == service.search(SearchRequest(query="facet")).to_json()
    assert data["total"] >= 2
    assert client.get("/search", query_string={"q": "facet"}).status_code == 200
    assert client.get("/citations").status_code == 200
    letter = data["hits"][0]["letter_id"]
    page = client.get(f"/letters/{letter}", query_string={"q": "facet"})
    assert page.status_code == 200 and b"<mark>" in page.data


def test_a_letter_that_could_not_be_parsed_is_shown_whole_and_anchored(tmp_path, small_corpus, web_data_dir):
    from indexer.index.pipeline import build_index
    from webapp import create_app

    index_dir = tmp_path / "index"
    build_index([small_corpus], index_dir)
    client = create_app({"TESTING": True, "IMR_INDEX_DIR": str(index_dir)}).test_client()
    hits = client.get("/api/search", query_string={"q": "colleague"}).get_json()["hits"]
    assert len(hits) == 1 and hits[0]["unparsed"] and hits[0]["decision"] is None
    body = client.get(f"/letters/{hits[0]['letter_id']}", query_string={"q": "colleague"}).data.decode()
    page = parse_html(body)
    assert [a for t, a in page.elements if a.get("id") == "p-0"]
    assert "<mark>colleague</mark>" in body.replace("<mark>Colleague</mark>", "<mark>colleague</mark>")
    assert "No decision" in body
    results = client.get("/search", query_string={"q": "colleague"}).data.decode()
    assert "without a parsed decision" in results or "No decided items" in results


def test_a_new_index_generation_is_picked_up_without_restart(
    tmp_path, small_corpus, seed_files, web_data_dir, monkeypatch
):
    from indexer.index.pipeline import build_index
    from webapp import create_app
    from webapp import service as service_module

    monkeypatch.setattr(service_module, "RELOAD_INTERVAL", 0.0)
    index_dir = tmp_path / "index"
    build_index([small_corpus], index_dir)
    client = create_app({"TESTING": True, "IMR_INDEX_DIR": str(index_dir)}).test_client()
    before = client.get("/api/search").get_json()["total"]
    shutil.copy(seed_files[1], small_corpus / seed_files[1].name)
    build_index([small_corpus], index_dir)
    client.get("/api/search")  # the check happens at most once per interval, before a search
    after = client.get("/api/search").get_json()["total"]
    assert after > before


def test_home_page_search_box_round_trips_the_query(client):
    page = parse_html(client.get("/search", query_string={"q": QUERY}).data)
    assert page.find("input", id="q")[0]["value"] == QUERY
