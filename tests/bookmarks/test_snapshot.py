"""Bookmarks survive re-indexing: a bookmark whose passage left the index
still shows (and exports) its saved text, flagged as no longer indexed."""

from __future__ import annotations

import csv
import io
import json

from tests.bookmarks.conftest import save

NECK = "000_d9810e0ddbbc91c8-1"
ESI = "004_0099b7c7dc1cafd7-1"


def test_bookmark_of_a_removed_letter_keeps_its_text_flagged(client, service):
    neck = save(client, NECK, note="still needed")
    save(client, ESI)
    service.remove_letter("000_d9810e0ddbbc91c8")  # the corpus changed and was re-indexed

    got = client.get(neck["url"]).get_json()
    assert got["in_index"] is False
    assert got["item"] == neck["item"] and got["snapshot"]["rationale"] == neck["snapshot"]["rationale"]

    listing = client.get("/api/bookmarks").get_json()
    assert {b["passage_id"]: b["in_index"] for b in listing["bookmarks"]} == {NECK: False, ESI: True}

    page = client.get("/bookmarks").get_data(as_text=True)
    assert "No longer in the search index" in page
    assert "facet joint diagnostic blocks are limited to patients" in page
    assert "1 bookmark is on this page" in page
    edit = client.get(f"/bookmarks/{neck['id']}").get_data(as_text=True)
    assert "No longer in the search index" in edit

    md = client.get("/bookmarks/export.md").get_data(as_text=True)
    assert "no longer in the search index" in md and "facet joint diagnostic blocks" in md
    rows = list(
        csv.DictReader(io.StringIO(client.get("/bookmarks/export.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert {r["passage_id"]: r["in_index"] for r in rows} == {NECK: "no", ESI: "yes"}

    # notes and matters can still be edited, and the bookmark deleted
    assert client.patch(neck["url"], json={"note": "edited after removal"}).status_code == 200
    # it cannot be bookmarked afresh (no passage to snapshot), but the existing one is kept
    assert client.post("/api/bookmarks", json={"passage_id": NECK}).status_code == 200
    assert client.delete(neck["url"]).status_code == 200
    resp = client.post("/api/bookmarks", json={"passage_id": NECK})
    assert resp.status_code == 400 and "in the index" in resp.get_json()["error"]


def test_snapshot_keeps_what_was_saved_when_the_passage_changes(client, service):
    neck = save(client, NECK)
    passage = service.get_passage(NECK)
    passage.rationale = "Re-parsed text that differs."
    got = client.get(neck["url"]).get_json()
    assert got["snapshot"]["rationale"] == neck["snapshot"]["rationale"]
    assert got["in_index"] is True


def test_without_an_index_bookmarks_still_show(client, app):
    from webapp.service import IndexUnavailable

    neck = save(client, NECK)

    class Broken:
        def get_passage(self, pid):
            raise IndexUnavailable("no index")

    app.extensions["imr.search"].service = Broken()
    listing = client.get("/api/bookmarks").get_json()
    assert listing["bookmarks"][0]["in_index"] is None  # unknown, not flagged missing
    assert "Bilateral cervical" in client.get("/bookmarks").get_data(as_text=True)
    assert json.loads(client.get("/bookmarks/export.json").get_data(as_text=True))["bookmarks"][0]["id"] == neck["id"]


def test_the_fake_service_is_a_passage_lookup_as_the_real_one_is():
    """The double the bookmark tests run on reads as the real SearchService does: the same
    protocol, the same signatures, passage ids of the indexer's shape."""
    import inspect

    from indexer.model import make_passage_id
    from indexer.search.service import SearchService
    from tests.bookmarks.conftest import FakeSearchService
    from webapp.bookmarks.snapshot import PassageLookup

    fake = FakeSearchService.with_samples()
    assert isinstance(fake, PassageLookup)
    for name in ("get_passage", "get_letter"):
        assert inspect.signature(getattr(fake, name)) == inspect.signature(getattr(SearchService, name)).replace(
            parameters=list(inspect.signature(getattr(SearchService, name)).parameters.values())[1:]
        ), name
    passages = [p for letter in fake.letters.values() for p in letter.passages]
    assert passages and all(p.passage_id == make_passage_id(p.letter_id, p.ordinal) for p in passages)
    assert fake.get_passage(NECK).ordinal == 1 and fake.get_passage("000_d9810e0ddbbc91c8:1") is None
