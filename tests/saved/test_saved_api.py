"""Saved searches through the JSON API and the pages: save, list, rename,
change the alert, delete, and isolation between users (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.bookmarks.conftest import add_user, login

SEARCH = {
    "name": "Neck facet blocks",
    "q": "facet joint",
    "filters": {"decision": ["Upheld"]},
    "scope": "request",
    "sort": "decision_date",
    "alert": "daily",
}


def test_save_list_rename_delete(indexed_app):
    client = indexed_app.test_client()
    resp = client.post("/api/saved", json=SEARCH)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    saved = resp.get_json()
    assert resp.headers["Location"].endswith(f"/api/saved/{saved['id']}")
    for key, value in SEARCH.items():
        assert saved[key] == value
    assert saved["new_count"] == 0 and saved["found_count"] == 0
    assert saved["search_url"] == "/search?q=facet+joint&decision=Upheld&sort=decision_date"

    listed = client.get("/api/saved").get_json()
    assert [s["id"] for s in listed["saved"]] == [saved["id"]]
    assert listed["saved"][0]["new_count"] == 0

    patched = client.patch(f"/api/saved/{saved['id']}", json={"name": "Facet blocks, upheld", "alert": "weekly"})
    assert patched.status_code == 200
    assert patched.get_json()["name"] == "Facet blocks, upheld"
    assert client.get(f"/api/saved/{saved['id']}").get_json()["alert"] == "weekly"

    page = client.get("/saved").get_data(as_text=True)
    assert "Facet blocks, upheld" in page and "Weekly digest" in page

    # the saved search opens the search it stands for
    opened = client.get(f"/saved/{saved['id']}/open")
    assert opened.status_code == 303 and opened.location.endswith(saved["search_url"])

    assert client.delete(f"/api/saved/{saved['id']}").get_json() == {"deleted": saved["id"]}
    assert client.get("/api/saved").get_json()["saved"] == []
    assert client.get(f"/api/saved/{saved['id']}").status_code == 404


def test_bad_input_is_refused_with_the_reason(indexed_app):
    client = indexed_app.test_client()
    cases = [
        ({**SEARCH, "name": "  "}, "needs a name"),
        ({**SEARCH, "filters": {"colour": ["red"]}}, "unknown filter"),
        ({**SEARCH, "filters": {"decision": "Upheld", "citation": [3]}}, "list of text"),
        ({**SEARCH, "alert": "hourly"}, "alert must be one of"),
        ({**SEARCH, "sort": "random"}, "sort must be one of"),
        ({**SEARCH, "scope": "everything"}, "scope must be one of"),
        ({**SEARCH, "surprise": 1}, "unknown field"),
    ]
    for data, message in cases:
        resp = client.post("/api/saved", json=data)
        assert resp.status_code == 400, data
        assert message in resp.get_json()["error"], resp.get_json()
    assert client.post("/api/saved", data="not json").status_code == 400
    assert client.post("/api/saved", json=SEARCH).status_code == 201
    dup = client.post("/api/saved", json={**SEARCH, "name": "neck FACET blocks"})
    assert dup.status_code == 400 and "already have" in dup.get_json()["error"]
    assert client.get("/api/saved").get_json()["total"] == 1


def test_save_from_the_results_page_keeps_the_whole_search(indexed_app):
    client = indexed_app.test_client()
    page = client.get("/search?q=acupuncture&decision=Upheld&sort=decision_date").get_data(as_text=True)
    assert 'action="/saved"' in page and "Save this search" in page
    resp = client.post(
        "/saved",
        data={
            "name": "Acupuncture denials",
            "q": "acupuncture",
            "decision": "Upheld",
            "sort": "decision_date",
            "alert": "instant",
        },
    )
    assert resp.status_code == 303
    (saved,) = client.get("/api/saved").get_json()["saved"]
    assert (saved["name"], saved["q"], saved["filters"], saved["sort"], saved["alert"]) == (
        "Acupuncture denials",
        "acupuncture",
        {"decision": ["Upheld"]},
        "decision_date",
        "instant",
    )
    # renamed and deleted through the page's forms
    client.post(f"/saved/{saved['id']}/rename", data={"name": "Acupuncture"})
    client.post(f"/saved/{saved['id']}/alert", data={"alert": "off"})
    again = client.get(f"/api/saved/{saved['id']}").get_json()
    assert (again["name"], again["alert"]) == ("Acupuncture", "off")
    client.post(f"/saved/{saved['id']}/delete")
    assert client.get("/api/saved").get_json()["saved"] == []


def test_one_click_alerts_on_citator_and_facets(indexed_app):
    client = indexed_app.test_client()
    citations = client.get("/api/citations").get_json()
    key = citations["citations"][0]["key"] if "citations" in citations else citations["entries"][0]["key"]
    page = client.get(f"/citations/{key}").get_data(as_text=True)
    assert "Alert me on new letters citing this" in page
    assert client.post("/saved/quick", data={"facet": "citation", "value": key}).status_code == 303
    search_page = client.get("/search?q=injection").get_data(as_text=True)
    assert "Alert me on new decisions for this treatment" in search_page
    assert client.post("/saved/quick", data={"facet": "treatment", "value": "Acupuncture"}).status_code == 303
    # the same click again does not make a second saved search
    client.post("/saved/quick", data={"facet": "treatment", "value": "Acupuncture"})
    saved = client.get("/api/saved").get_json()["saved"]
    assert sorted(((s["filters"], s["alert"]) for s in saved), key=repr) == sorted(
        [({"citation": [key]}, "daily"), ({"treatment": ["Acupuncture"]}, "daily")], key=repr
    )
    assert client.post("/saved/quick", data={"facet": "specialty", "value": "x"}).status_code == 303
    assert len(client.get("/api/saved").get_json()["saved"]) == 2


def test_users_see_only_their_own_saved_searches(indexed_app):
    add_user(indexed_app, "alice")
    add_user(indexed_app, "bob")
    alice, bob = indexed_app.test_client(), indexed_app.test_client()
    login(alice, "alice")
    login(bob, "bob")
    a = alice.post("/api/saved", json=SEARCH).get_json()
    assert bob.post("/api/saved", json=SEARCH).status_code == 201  # same name, other user: fine
    assert [s["id"] for s in alice.get("/api/saved").get_json()["saved"]] == [a["id"]]
    assert a["id"] not in [s["id"] for s in bob.get("/api/saved").get_json()["saved"]]
    for call in (bob.get, bob.delete):
        assert call(f"/api/saved/{a['id']}").status_code == 404
    assert bob.patch(f"/api/saved/{a['id']}", json={"name": "mine"}).status_code == 404
    assert bob.get(f"/api/saved/{a['id']}/new").status_code == 404
    assert bob.post(f"/saved/{a['id']}/delete").status_code == 404
    assert bob.get(f"/saved/{a['id']}/new").status_code == 404
    assert alice.get(f"/api/saved/{a['id']}").get_json()["name"] == SEARCH["name"]
    anonymous = indexed_app.test_client()
    assert anonymous.get("/api/saved").status_code == 401
    assert anonymous.get("/saved").status_code == 302


def test_account_email_is_changeable_by_the_user(indexed_app):
    add_user(indexed_app, "carol")
    client = indexed_app.test_client()
    login(client, "carol")
    assert client.get("/api/account").get_json() == {"username": "carol", "email": None}
    bad = client.patch("/api/account", json={"email": "not an address"})
    assert bad.status_code == 400 and "not an e-mail address" in bad.get_json()["error"]
    assert client.patch("/api/account", json={"email": "carol@example.com"}).get_json()["email"] == "carol@example.com"
    client.post("/account/email", data={"email": "c.law@example.org"})
    assert client.get("/api/account").get_json()["email"] == "c.law@example.org"
    assert 'value="c.law@example.org"' in client.get("/saved").get_data(as_text=True)
    client.post("/account/email", data={"email": ""})
    assert client.get("/api/account").get_json()["email"] is None


def test_dates_are_part_of_a_saved_search(indexed_app):
    client = indexed_app.test_client()
    page = client.get("/search?q=therapy&decided_from=2017-01&decided_to=2017-01").get_data(as_text=True)
    assert 'name="decided_from" value="2017-01"' in page
    client.post("/saved", data={"name": "January", "q": "therapy", "decided_from": "2017-01", "decided_to": "2017-01"})
    (saved,) = client.get("/api/saved").get_json()["saved"]
    assert saved["dates"] == {"decided_from": "2017-01", "decided_to": "2017-01"}
    assert saved["search_url"] == "/search?q=therapy&decided_from=2017-01&decided_to=2017-01"
    bad = client.post("/api/saved", json={"name": "x", "dates": {"decided_from": "someday"}})
    assert bad.status_code == 400 and "decided_from" in bad.get_json()["error"]
    assert client.post("/api/saved", json={"name": "x", "dates": {"when": "2017"}}).status_code == 400
    history = client.get("/api/history").get_json()["history"]
    assert history[0]["dates"] == {"decided_from": "2017-01", "decided_to": "2017-01"}
