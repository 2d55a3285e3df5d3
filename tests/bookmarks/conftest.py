"""Fixtures for the bookmark store: an app on a fresh database per test,
SQLite always and PostgreSQL too when IMR_TEST_DATABASE_URL names one.

The passage lookup is a test double (`FakeSearchService`) holding a few
passages; it follows the protocol bookmarks read the real service through
(`webapp.bookmarks.snapshot.PassageLookup`, checked by test_snapshot), with ids
as the indexer makes them. Tests that need the real index use `indexed_app`.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy
from sqlalchemy import text

from indexer.model import Citation, Letter, Passage, Reviewer, make_passage_id
from webapp import create_app
from webapp.db import dispose_engine, normalize_url, session_factory

PG_ENV = "IMR_TEST_DATABASE_URL"


# --- the passage lookup double ---------------------------------------------------


def _citation(source, chapter, topic, cited_by="reviewer", raw="") -> Citation:
    return Citation(
        source=source,
        chapter=chapter,
        topic=topic,
        pages=None,
        cited_by=cited_by,
        raw=raw or f"{source} {chapter} {topic or ''}".strip(),
        field="reviewer_guideline",
        start=0,
        end=0,
    )


def sample_letters() -> list[Letter]:
    neck = Letter(
        letter_id="000_d9810e0ddbbc91c8",
        source_file="corpus/000_d9810e0ddbbc91c8.txt",
        case_number="CM15-0101111",
        date_of_injury="2014-09-06",
        decision_date="2015-06-01",
        reviewer=Reviewer(
            specialties=["Physical Medicine & Rehabilitation", "Pain Management"], licensure=["California"]
        ),
    )
    neck.passages = [
        Passage(
            passage_id=make_passage_id(neck.letter_id, 1),
            letter_id=neck.letter_id,
            ordinal=1,
            item="Bilateral cervical medial branch blocks under fluoroscopy and IV sedation",
            decision="Upheld",
            rationale=(
                "Regarding the request for cervical medial branch block, guidelines state that "
                "facet joint diagnostic blocks are limited to patients with cervical pain that is "
                "non-radicular.\n\nThe documentation shows radicular findings; the request is not "
                "medically necessary."
            ),
            citations=[
                _citation("ODG", "Neck and Upper Back", "Facet joint diagnostic blocks"),
                _citation("MTUS", "ACOEM Chapter 8", None),
            ],
        )
    ]
    back = Letter(
        letter_id="004_0099b7c7dc1cafd7",
        source_file="corpus/004_0099b7c7dc1cafd7.txt",
        case_number="CM15-0104444",
        date_of_injury="2012-01-20",
        decision_date="2015-07-15",
        reviewer=Reviewer(specialties=["Anesthesiology"], licensure=["California"]),
    )
    back.passages = [
        Passage(
            passage_id=make_passage_id(back.letter_id, 1),
            letter_id=back.letter_id,
            ordinal=1,
            item="Lumbar epidural steroid injection L4-L5",
            decision="Overturned",
            rationale="According to the CA MTUS, a nerve block is recommended when radiculopathy "
            "is documented by examination and corroborated by imaging.",
            citations=[
                _citation("MTUS", "Chronic Pain Medical Treatment Guidelines", "Epidural steroid injections (ESIs)")
            ],
        ),
        Passage(
            passage_id=make_passage_id(back.letter_id, 2),
            letter_id=back.letter_id,
            ordinal=2,
            item="Acupuncture, 12 sessions",
            decision="Upheld",
            rationale="The submitted records indicate prior acupuncture without functional improvement.",
            citations=[_citation("MTUS", "Acupuncture Medical Treatment Guidelines", None)],
        ),
    ]
    return [neck, back]


@dataclass
class FakeSearchService:
    """Stands in for SearchService where bookmarks use it: `PassageLookup`."""

    letters: dict[str, Letter] = field(default_factory=dict)

    @classmethod
    def with_samples(cls) -> FakeSearchService:
        return cls({letter.letter_id: letter for letter in sample_letters()})

    def get_passage(self, passage_id: str) -> Passage | None:
        for letter in self.letters.values():
            for p in letter.passages:
                if p.passage_id == passage_id:
                    return p
        return None

    def get_letter(self, letter_id: str) -> Letter | None:
        return self.letters.get(letter_id)

    def remove_letter(self, letter_id: str) -> None:
        del self.letters[letter_id]

    def reload(self) -> None:
        pass

    def close(self) -> None:
        pass


# --- databases ------------------------------------------------------------------


def _with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def fresh_database(kind: str, directory) -> Iterator[str]:
    """The URL of a new, empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / ('db-' + uuid.uuid4().hex[:8] + '.sqlite3')}"
        try:
            yield url
        finally:
            dispose_engine(url)
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set in CI: .ci/postgres.sh should have started PostgreSQL")
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (see .ci/postgres.sh)")
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = sqlalchemy.create_engine(normalize_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_schema(base, schema)
    try:
        yield url
    finally:
        dispose_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request) -> str:
    return request.param


@pytest.fixture
def db_url(db_kind, tmp_path) -> Iterator[str]:
    """A fresh, empty database per test on each backend."""
    with fresh_database(db_kind, tmp_path) as url:
        yield url


# --- apps -----------------------------------------------------------------------


@pytest.fixture
def service() -> FakeSearchService:
    return FakeSearchService.with_samples()


def make_app(db_url: str, tmp_path, service, **config):
    overrides = {
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "IMR_DATA_DIR": str(tmp_path / "data"),
        "IMR_INDEX_DIR": str(tmp_path / "no-index"),
        "IMR_DATABASE_URL": db_url,
        "IMR_BIND_HOST": "127.0.0.1",
        "IMR_SEARCH_SERVICE": service,
        "WTF_CSRF_ENABLED": False,
    }
    overrides.update(config)
    return create_app(overrides)


@pytest.fixture
def app(db_url, tmp_path, service, monkeypatch):
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    return make_app(db_url, tmp_path, service)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(db_url, tmp_path, service, monkeypatch):
    """CSRF protection switched on, as in production."""
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    return make_app(db_url, tmp_path, service, WTF_CSRF_ENABLED=True)


# --- helpers --------------------------------------------------------------------


def add_user(app, name: str, password: str = "correct horse battery"):
    from webapp.auth.accounts import create_user

    with session_factory(app)() as session:
        user, _ = create_user(session, name, password)
        return user.id


def login(client, name: str, password: str = "correct horse battery", csrf: str | None = None):
    data = {"username": name, "password": password}
    if csrf:
        data["csrf_token"] = csrf
    return client.post("/login", data=data)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token_from(client, path: str = "/bookmarks") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def save(client, passage_id: str, **extra):
    """Bookmark through the JSON API; returns the response JSON."""
    resp = client.post("/api/bookmarks", json={"passage_id": passage_id, **extra})
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    return resp.get_json()
