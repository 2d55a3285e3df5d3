"""Indexing new letters records exactly the new matches of every saved search,
and never the same passage twice: checked against the search service itself
over the whole index (SQLite and PostgreSQL; real letters)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.query.tree import DEFAULT_SCOPE
from indexer.query.types import SearchRequest
from tests.saved.conftest import OPENSEARCH, real_letters, run_alerts
from webapp.auth.accounts import local_user
from webapp.db import get_engine
from webapp.db.migrate import upgrade_to_head
from webapp.db.models import SavedSearchHit
from webapp.saved.store import create_saved

SEARCHES = [
    {"name": "Everything", "q": ""},
    {"name": "Upheld", "filters": {"decision": ["Upheld"]}},
    {"name": "Physical therapy", "q": "physical therapy"},
    {"name": "ODG", "filters": {"source": ["ODG"]}},
    {"name": "Opioids overturned", "q": "opioid* OR tramadol", "filters": {"decision": ["Overturned"]}},
    {"name": "Injections, upheld, MTUS", "q": "injection", "filters": {"decision": ["Upheld"], "source": ["MTUS"]}},
    {"name": "Fuzzy, decided Jan 2017", "q": "physcial~ therapy decided:2017-01", "scope": "passage"},
    {
        "name": "Dated",
        "q": "therapy",
        "dates": {"decided_from": "2017-01", "decided_to": "2017-01"},
        "scope": "passage",
    },
    # the case summary is searched when asked: whole letters, or a summary: term
    {"name": "Lumbar, whole letters", "q": "lumbar", "scope": "letter"},
    {"name": "Summary: hypertension", "q": "summary:hypertension"},
    # words that read as a guideline: its citing passages count among the matches, as on the page
    {"name": "Reads as a citation", "q": "MTUS chronic pain opioids"},
]


def matching_ids(
    service, q: str = "", filters: dict | None = None, dates: dict | None = None, scope: str = DEFAULT_SCOPE
) -> set[str]:
    """Every passage the search service finds for the search, page by page."""
    out: set[str] = set()
    page = 1
    while True:
        resp = service.search(
            SearchRequest(query=q, filters=filters or {}, page=page, per_page=100, scope=scope, **(dates or {}))
        )
        out.update(h.passage_id for h in resp.hits)
        if len(resp.hits) < 100:
            return out
        page += 1


def new_ids(client, saved_id: int, everything: bool = False) -> set[str]:
    resp = client.get(f"/api/saved/{saved_id}/new" + ("?all=1" if everything else ""))
    assert resp.status_code == 200
    return {p["passage_id"] for p in resp.get_json()["passages"]}


def test_indexing_new_letters_records_exactly_the_new_matches(indexed_app, corpus, db_url):
    client = indexed_app.test_client()
    ids = {s["name"]: client.post("/api/saved", json=s).get_json()["id"] for s in SEARCHES}
    with corpus.service() as service:
        before = matching_ids(service)
    letters = real_letters()

    # 1. thirty more letters
    corpus.add(letters[40:70])
    corpus.reindex()
    report = run_alerts(db_url, corpus, send=False)
    with corpus.service() as service:
        after = matching_ids(service)
        added = after - before
        expected = {
            s["name"]: matching_ids(
                service, s.get("q", ""), s.get("filters"), s.get("dates"), s.get("scope", DEFAULT_SCOPE)
            )
            & added
            for s in SEARCHES
        }
        therapy = matching_ids(service, "therapy", scope="passage") & added
        lumbar_own_text = matching_ids(service, "lumbar") & added
    assert len(added) > 40
    assert report.matches.new_passages == len(added)
    assert expected["Everything"] == added
    assert 0 < len(expected["Upheld"]) < len(added)
    assert 0 < len(expected["Physical therapy"]) < len(added)
    assert 0 < len(expected["Fuzzy, decided Jan 2017"]) < len(added)
    assert 0 < len(expected["Dated"]) < len(therapy)
    # the summary widens the match: passages found only through their letter's summary
    assert lumbar_own_text < expected["Lumbar, whole letters"]
    assert expected["Summary: hypertension"]
    for name, saved_id in ids.items():
        assert new_ids(client, saved_id) == expected[name], name
        assert client.get(f"/api/saved/{saved_id}").get_json()["new_count"] == len(expected[name])
    recorded = {m.name: m.new for m in report.matches.matches}
    assert recorded == {name: len(v) for name, v in expected.items() if v}

    # 2. nothing new: running again, rebuilding the index, or re-indexing a changed file records nothing
    assert run_alerts(db_url, corpus, send=False).matches.matches == []
    corpus.reindex(rebuild=True)
    assert run_alerts(db_url, corpus, send=False).matches.matches == []
    changed = corpus.folder / letters[3].name
    changed.write_text(changed.read_text() + "\n\n")
    assert corpus.reindex().letters == 1
    assert run_alerts(db_url, corpus, send=False).matches.matches == []
    for name, saved_id in ids.items():
        assert new_ids(client, saved_id) == expected[name], name

    # 3. looking at the new results clears "new" (the page is the user looking)
    page = client.get(f"/saved/{ids['Physical therapy']}/new").get_data(as_text=True)
    assert "Physical therapy" in page and 'class="saved-new"' in page
    assert client.get(f"/api/saved/{ids['Physical therapy']}").get_json()["new_count"] == 0
    assert new_ids(client, ids["Physical therapy"]) == set()
    assert new_ids(client, ids["Physical therapy"], everything=True) == expected["Physical therapy"]

    # 4. ten more letters: only their matches are added, the earlier ones stay recorded once
    corpus.add(letters[70:80])
    corpus.reindex()
    run_alerts(db_url, corpus, send=False)
    with corpus.service() as service:
        latest = matching_ids(service) - after
        second = {
            s["name"]: matching_ids(
                service, s.get("q", ""), s.get("filters"), s.get("dates"), s.get("scope", DEFAULT_SCOPE)
            )
            & latest
            for s in SEARCHES
        }
    assert latest
    assert new_ids(client, ids["Physical therapy"]) == second["Physical therapy"]
    for name, saved_id in ids.items():
        everything = client.get(f"/api/saved/{saved_id}/new?all=1").get_json()["passages"]
        assert len(everything) == len({p["passage_id"] for p in everything})  # none twice
        assert {p["passage_id"] for p in everything} == expected[name] | second[name], name
        assert client.get(f"/api/saved/{saved_id}").get_json()["found_count"] == len(expected[name] | second[name])


def test_a_search_saved_after_indexing_does_not_count_earlier_letters(indexed_app, corpus, db_url):
    client = indexed_app.test_client()
    corpus.add(real_letters()[40:50])
    corpus.reindex()
    saved = client.post("/api/saved", json={"name": "All", "q": ""}).get_json()
    run_alerts(db_url, corpus, send=False)
    assert new_ids(client, saved["id"], everything=True) == set()


def test_hits_carry_what_the_alert_shows(indexed_app, corpus, db_url):
    client = indexed_app.test_client()
    saved = client.post("/api/saved", json={"name": "All", "q": ""}).get_json()
    corpus.add(real_letters()[40:42])
    corpus.reindex()
    run_alerts(db_url, corpus, send=False)
    passages = client.get(f"/api/saved/{saved['id']}/new").get_json()["passages"]
    assert passages
    for p in passages:
        assert p["case_number"].startswith("CM") and p["decision_date"]
        assert p["citation_line"].startswith(f"IMR {p['case_number']} (")
        assert f"item {p['ordinal']}: " in p["citation_line"]
        assert p["letter_url"].endswith(f"#p-{p['ordinal']}")


@pytest.mark.parametrize("engine", ["tantivy", "whoosh", OPENSEARCH])
def test_every_engine_finds_the_same_new_matches(engine, corpus, db_url):
    """The new matches come from the engine the index uses, through the engine
    interface only: Whoosh and OpenSearch (an in-place update, passages numbered
    in its store, new ones searched in a scratch index on the cluster) agree with
    their own search service as Tantivy does."""
    corpus.engine = engine
    letters = real_letters()
    corpus.add(letters[:20])
    corpus.reindex()
    db = get_engine(db_url)
    upgrade_to_head(db)
    with Session(db, expire_on_commit=False) as session, corpus.service() as service:
        owner = local_user(session).id
        position = service.history_position()
        ids = {s["name"]: create_saved(session, owner, s, position=position).id for s in SEARCHES}
        before = matching_ids(service)
    corpus.add(letters[20:45])
    corpus.reindex()
    run_alerts(db_url, corpus, send=False)
    with Session(db) as session, corpus.service() as service:
        added = matching_ids(service) - before
        for s in SEARCHES:
            got = set(
                session.scalars(
                    select(SavedSearchHit.passage_id).where(SavedSearchHit.saved_search_id == ids[s["name"]])
                )
            )
            want = matching_ids(
                service, s.get("q", ""), s.get("filters"), s.get("dates"), s.get("scope", DEFAULT_SCOPE)
            )
            assert got == want & added, (engine, s["name"])
