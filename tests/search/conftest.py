"""Fixtures for the search conformance suite: every test that takes `engine`
runs once per engine, against indexes built the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index.engine import configured_engines
from indexer.index.pipeline import build_index, index_letters
from indexer.query.types import SearchRequest, SearchResponse
from indexer.search.service import SearchService
from tests.search.fixtures import sample_letters


def html(fragment) -> str:
    """A highlight fragment (text runs) as the web app shows it: escaped, matches in <mark>."""
    from webapp.highlights import to_html

    return str(to_html(fragment))


@pytest.fixture(params=configured_engines(), scope="session")
def engine(request) -> str:
    return request.param


def service_of(letters, engine: str, tmp_path_factory, name: str):
    """A search service over an index of these letters (a generator for fixtures)."""
    index_dir = tmp_path_factory.mktemp(f"{name}-{engine}")
    index_letters(letters, index_dir, engine=engine)
    with SearchService.open(index_dir, engine) as service:
        yield service


@pytest.fixture(scope="session")
def sample_service(engine, tmp_path_factory):
    yield from service_of(sample_letters(), engine, tmp_path_factory, "sample")


@pytest.fixture(scope="session")
def seed_index(engine, tmp_path_factory, seed_files) -> Path:
    index_dir = tmp_path_factory.mktemp(f"seeds-{engine}")
    report = build_index(seed_files, index_dir, engine=engine, workers=1)
    assert report.failed == [], report.failed
    return index_dir


@pytest.fixture(scope="session")
def seed_service(engine, seed_index):
    with SearchService.open(seed_index, engine) as service:
        yield service


def run(service: SearchService, query: str = "", **kw) -> SearchResponse:
    """The search in the passage scope unless the test names one: these tests pin
    what the query language matches, which the default request scope narrows to
    the requests when the words name them (tests/search/test_focus.py)."""
    kw.setdefault("scope", "passage")
    return service.search(SearchRequest(query=query, **kw))


def ids(resp: SearchResponse) -> list[str]:
    return [h.passage_id for h in resp.hits]


def counts(resp: SearchResponse, facet: str) -> dict[str, int]:
    return {v.value: v.count for v in resp.facets[facet]}
