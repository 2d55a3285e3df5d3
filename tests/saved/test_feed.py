"""Private Atom feeds: an unguessable address that works without signing in,
shows only its own saved search's results, parses as Atom, and can be
replaced or turned off."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from tests.bookmarks.conftest import add_user, login
from tests.saved.conftest import real_letters, run_alerts

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, url: str):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text
    return root


def test_feed_shows_only_that_users_search(indexed_app, corpus, db_url):
    add_user(indexed_app, "alice")
    add_user(indexed_app, "bob")
    alice, bob = indexed_app.test_client(), indexed_app.test_client()
    login(alice, "alice")
    login(bob, "bob")
    a = alice.post("/api/saved", json={"name": "Upheld", "filters": {"decision": ["Upheld"]}}).get_json()
    a_other = alice.post("/api/saved", json={"name": "Overturned", "filters": {"decision": ["Overturned"]}}).get_json()
    b = bob.post("/api/saved", json={"name": "Everything", "q": ""}).get_json()
    assert a["feed_url"] is None
    a = alice.post(f"/api/saved/{a['id']}/feed").get_json()
    b = bob.post(f"/api/saved/{b['id']}/feed").get_json()
    token = a["feed_url"].rsplit("/", 1)[1].removesuffix(".atom")
    assert len(token) >= 40  # 256 random bits

    corpus.add(real_letters()[40:50])
    corpus.reindex()
    run_alerts(db_url, corpus, send=False)

    anonymous = indexed_app.test_client()  # feed readers do not sign in
    root = _feed(anonymous, a["feed_url"])
    assert root.find(f"{ATOM}title").text == "IMR alerts: Upheld"
    entries = root.findall(f"{ATOM}entry")
    mine = alice.get(f"/api/saved/{a['id']}/new?all=1").get_json()["passages"]
    assert mine and len(entries) == len(mine)
    assert {e.find(f"{ATOM}link").get("href").split("/letters/", 1)[1] for e in entries} == {
        f"{p['letter_id']}#p-{p['ordinal']}" for p in mine
    }
    assert {e.find(f"{ATOM}title").text for e in entries} == {p["citation_line"] for p in mine}
    for e in entries:
        assert "Decision: Upheld" in e.find(f"{ATOM}summary").text
    overturned = {p["passage_id"] for p in alice.get(f"/api/saved/{a_other['id']}/new?all=1").get_json()["passages"]}
    ids = {e.find(f"{ATOM}id").text.rsplit("/", 1)[1] for e in entries}
    assert overturned and not ids & overturned
    assert len(_feed(anonymous, b["feed_url"]).findall(f"{ATOM}entry")) > len(entries)

    # replaced: the old address stops working; revoked: no address works
    renewed = alice.post(f"/api/saved/{a['id']}/feed").get_json()
    assert renewed["feed_url"] != a["feed_url"]
    assert anonymous.get(a["feed_url"]).status_code == 404
    _feed(anonymous, renewed["feed_url"])
    assert alice.delete(f"/api/saved/{a['id']}/feed").get_json()["feed_url"] is None
    assert anonymous.get(renewed["feed_url"]).status_code == 404
    assert anonymous.get("/feeds/" + "A" * 43 + ".atom").status_code == 404
    assert anonymous.get("/feeds/" + "x" * 500 + ".atom").status_code == 404
    # bob cannot manage alice's feed
    assert bob.post(f"/api/saved/{a['id']}/feed").status_code == 404
