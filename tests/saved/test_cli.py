"""The command line: `imr user add --email`, the alerts hook after `imr index`,
and `imr alerts run --json` (for cron) sending a digest through IMR_SMTP_URL."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from imr_cli.main import main
from tests.saved.conftest import OPENSEARCH, real_letters
from webapp.db import get_engine
from webapp.db.migrate import upgrade_to_head
from webapp.db.models import SavedSearchHit, User
from webapp.saved.store import create_saved

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _hits(db_url: str) -> int:
    with Session(get_engine(db_url)) as session:
        return session.scalar(select(func.count()).select_from(SavedSearchHit))


@pytest.mark.parametrize("engine", ["tantivy", OPENSEARCH])
def test_index_hook_and_alerts_run(engine, db_url, corpus, tmp_path, monkeypatch, capsys, smtp):
    inbox, smtp_url = smtp
    corpus.engine = engine
    flags = ["--engine", engine]
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMR_DATABASE_URL", db_url)
    monkeypatch.delenv("IMR_SMTP_URL", raising=False)
    letters = real_letters()
    corpus.add(letters[:20])
    assert main(["index", str(corpus.folder), "--index", str(corpus.index), *flags]) == 0

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "add", "alice", "--email", "alice@example.com", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "add", "bob", "--email", "not-an-address", "--password-stdin"]) == 1
    assert "not an e-mail address" in capsys.readouterr().err
    upgrade_to_head(get_engine(db_url))
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        alice = session.scalar(select(User).where(User.username == "alice"))
        assert alice.email == "alice@example.com"
        assert session.scalar(select(User).where(User.username == "bob")) is None
        with corpus.service() as service:
            saved = create_saved(
                session,
                alice.id,
                {"name": "Everything", "q": "", "alert": "instant"},
                position=service.history_position(),
            )
    assert main(["user", "email", "alice", "alice@law.example.com"]) == 0

    # the hook after `imr index` records the new results (no SMTP configured: none sent)
    corpus.add(letters[20:25])
    assert main(["index", str(corpus.folder), "--index", str(corpus.index), *flags]) == 0
    err = capsys.readouterr().err
    assert "“Everything”" in err and "not configured" in err
    first = _hits(db_url)
    assert first > 0

    # --no-alerts leaves it to `imr alerts run`, which cron runs with IMR_SMTP_URL set
    corpus.add(letters[25:28])
    assert main(["index", str(corpus.folder), "--index", str(corpus.index), "--no-alerts", *flags]) == 0
    assert _hits(db_url) == first
    capsys.readouterr()
    monkeypatch.setenv("IMR_SMTP_URL", smtp_url)
    assert (
        main(["alerts", "run", "--index", str(corpus.index), "--json", *flags, "--base-url", "https://imr.example.com"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    (match,) = report["matches"]["matches"]
    assert match["saved_search_id"] == saved.id and match["user"] == "alice"
    assert match["new"] == _hits(db_url) - first > 0
    (digest,) = report["delivery"]["digests"]
    assert digest["status"] == "sent" and digest["recipient"] == "alice@law.example.com"
    assert digest["passages"] == _hits(db_url)  # everything found since the search was saved, once
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "alice@law.example.com"

    # nothing new, nothing sent; the plain report says so
    assert main(["alerts", "run", "--index", str(corpus.index), *flags]) == 0
    out = capsys.readouterr().out
    assert "0 new passage(s)" in out and "0 sent, 0 failed" in out
    assert len(inbox.messages) == 1
    assert main(["alerts", "run", "--index", str(tmp_path / "nothing"), *flags]) == 2
