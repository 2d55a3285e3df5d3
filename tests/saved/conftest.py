"""Fixtures for saved searches and alerts: a real index built from letter files
in a temporary corpus folder (so a test can add letters and re-index), an app
reading it, on a fresh SQLite and PostgreSQL database per test."""

from __future__ import annotations

import email
import shutil
import socket
from dataclasses import dataclass
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.orm import Session

from indexer.index.engine import configured_engines
from indexer.index.pipeline import build_index
from indexer.search.service import SearchService
from tests.bookmarks import conftest as bookmark_fixtures
from tests.bookmarks.conftest import make_app
from webapp.db import get_engine

# The bookmark tests' database fixtures (SQLite, and PostgreSQL when configured) serve here too.
db_kind = bookmark_fixtures.db_kind
db_url = bookmark_fixtures.db_url

ROOT = Path(__file__).resolve().parents[2]
REAL_LETTERS = ROOT.parent / "shared" / "real-letters" / "txt"


# the OpenSearch engine where a server is configured (CI starts one, and its own
# OpenSearch tests fail there without it, so this is never skipped in CI)
OPENSEARCH = pytest.param(
    "opensearch",
    marks=pytest.mark.skipif(
        "opensearch" not in configured_engines(), reason="IMR_OPENSEARCH_URL is not set (CI sets it)"
    ),
)


def real_letters() -> list[Path]:
    files = sorted(REAL_LETTERS.glob("*.txt"))
    if len(files) < 60:
        pytest.fail(f"the real letters are missing from {REAL_LETTERS} (CI has them beside the checkout)")
    return files


@dataclass
class Corpus:
    """A corpus folder and its index: add letter files, re-index, run alerts."""

    folder: Path
    index: Path
    engine: str = "tantivy"

    def add(self, files) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copy(f, self.folder / Path(f).name)

    def reindex(self, rebuild: bool = False):
        report = build_index([self.folder], self.index, engine=self.engine, rebuild=rebuild, workers=1)
        assert not report.failed, report.failed
        return report

    def service(self) -> SearchService:
        return SearchService.open(self.index, engine=self.engine)


@pytest.fixture
def corpus(tmp_path) -> Corpus:
    # the folder's name is unique per test: OpenSearch adds it to its index names
    return Corpus(tmp_path / "letters", tmp_path / f"index-{tmp_path.name}")


def run_alerts(db_url: str, corpus: Corpus, **kwargs):
    """One alerts run, as `imr alerts run` does it."""
    from webapp.saved.run import run_alerts as run

    with corpus.service() as service, Session(get_engine(db_url), expire_on_commit=False) as session:
        return run(session, service, **kwargs)


@pytest.fixture
def indexed_app(db_url, tmp_path, corpus, monkeypatch):
    """An app on the corpus' index (built from the first 40 real letters)."""
    corpus.add(real_letters()[:40])
    corpus.reindex()
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    return make_app(db_url, tmp_path, None, IMR_INDEX_DIR=str(corpus.index), IMR_SEARCH_SERVICE=None)


# --- a real SMTP server ------------------------------------------------------------

SENDER = "imr-alerts@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"alerts" and auth_data.password == b"s3cret pass"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp():
    """An SMTP server on loopback that wants a login (alerts / "s3cret pass"):
    (inbox, IMR_SMTP_URL for it)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_require_tls=False, auth_required=True
    )
    controller.start()
    try:
        yield inbox, f"smtp://alerts:s3cret%20pass@127.0.0.1:{port}/?from={SENDER}"
    finally:
        controller.stop()
