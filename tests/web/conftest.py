"""Web fixtures: one real index of the sample corpus per session, and a Flask
test client on an app that reads it (through the real SearchService)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

QUERY = "ODG Neck Facet joint diagnostic blocks"
FACET_KEY = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"


@pytest.fixture(scope="session", autouse=True)
def web_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the app's data (secret key, bookmarks database) out of the work tree."""
    folder = tmp_path_factory.mktemp("webdata")
    saved = {k: os.environ.get(k) for k in ("IMR_DATA_DIR", "IMR_SECRET_KEY")}
    os.environ["IMR_DATA_DIR"] = str(folder)
    os.environ["IMR_SECRET_KEY"] = "test-secret-not-for-production"
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _build(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, engine: str) -> Path:
    from indexer.index.pipeline import build_index

    index_dir = tmp_path_factory.mktemp(f"index-{engine}") / "index"
    build_index([corpus_dir], index_dir, engine=engine)
    return index_dir


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    return _build(tmp_path_factory, corpus_dir, "tantivy")


@pytest.fixture(scope="session")
def search_service(index_dir: Path):
    from indexer.search.service import SearchService

    service = SearchService.open(index_dir, engine="tantivy")
    yield service
    service.close()


@pytest.fixture
def app(search_service, index_dir: Path, web_data_dir: Path):
    from webapp import create_app

    return create_app(
        {
            "TESTING": True,
            "IMR_INDEX_DIR": str(index_dir),
            "IMR_SEARCH_SERVICE": search_service,
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


class PageParser(HTMLParser):
    """Collects what the tests inspect: elements by tag with attributes, and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        found = []
        for t, a in self.elements:
            if t != tag:
                continue
            if all(
                (a.get(k.rstrip("_")) or "").split().__contains__(v) if k == "class_" else a.get(k) == v
                for k, v in attrs.items()
            ):
                found.append(a)
        return found

    def by_class(self, cls: str) -> list[tuple[str, dict[str, str | None]]]:
        return [(t, a) for t, a in self.elements if cls in (a.get("class") or "").split()]


def parse_html(body: bytes | str) -> PageParser:
    parser = PageParser()
    parser.feed(body.decode() if isinstance(body, bytes) else body)
    return parser
