"""Search history: the last 100 searches per user, re-runnable, clearable, private."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.bookmarks.conftest import add_user, login
from webapp.db import get_engine
from webapp.db.models import User, utcnow
from webapp.saved.store import HISTORY_KEEP, list_history, record_search


def test_searches_are_remembered_and_rerunnable(indexed_app):
    client = indexed_app.test_client()
    client.get("/search")  # the bare landing page is not a search
    client.get("/search?q=acupuncture")
    client.get("/search?q=acupuncture&page=2")  # paging the same search adds nothing
    client.get("/search?q=physical+therapy&decision=Upheld&sort=decision_date")
    history = client.get("/api/history").get_json()["history"]
    assert [(h["q"], h["filters"], h["sort"]) for h in history] == [
        ("physical therapy", {"decision": ["Upheld"]}, "decision_date"),
        ("acupuncture", {}, "relevance"),
    ]
    assert history[0]["search_url"] == "/search?q=physical+therapy&decision=Upheld&sort=decision_date"
    total = client.get("/api/search?q=physical+therapy&decision=Upheld").get_json()["total"]
    assert history[0]["total"] == total
    page = client.get("/history").get_data(as_text=True)
    assert 'href="/search?q=physical+therapy&amp;decision=Upheld&amp;sort=decision_date"' in page
    assert client.post("/history/clear").status_code == 303
    assert client.get("/api/history").get_json()["history"] == []
    client.get("/search?q=knee")
    assert client.delete("/api/history").get_json() == {"cleared": 1}


def test_history_keeps_the_newest_100_per_user(indexed_app, db_url):
    add_user(indexed_app, "alice")
    add_user(indexed_app, "bob")
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        alice = session.query(User).filter_by(username="alice").one().id
        bob = session.query(User).filter_by(username="bob").one().id
        start = utcnow() - timedelta(hours=1)
        for n in range(HISTORY_KEEP + 5):
            record_search(session, alice, f"query {n}", {}, "relevance", n, now=start + timedelta(seconds=n))
        record_search(session, bob, "bob's search", {}, "relevance", 1)
        kept = list_history(session, alice)
    assert len(kept) == HISTORY_KEEP
    assert kept[0].q == f"query {HISTORY_KEEP + 4}" and kept[-1].q == "query 5"
    client = indexed_app.test_client()
    login(client, "bob")
    assert [h["q"] for h in client.get("/api/history").get_json()["history"]] == ["bob's search"]
