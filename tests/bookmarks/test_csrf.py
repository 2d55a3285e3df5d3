"""With CSRF protection on (as in production), every state-changing request
without the page's token is refused and changes nothing."""

from __future__ import annotations

from tests.bookmarks.conftest import csrf_token_from

NECK = "000_d9810e0ddbbc91c8-1"


def test_state_changing_requests_without_token_are_refused(csrf_app):
    client = csrf_app.test_client()
    attempts = [
        client.post("/api/bookmarks", json={"passage_id": NECK}),
        client.post("/api/matters", json={"name": "Alpha"}),
        client.post("/bookmarks/save", data={"passage_id": NECK}),
        client.post("/matters", data={"name": "Alpha"}),
        client.post("/bookmarks/import", data={}),
        client.post("/api/bookmarks", json={"passage_id": NECK}, headers={"X-CSRFToken": "forged"}),
    ]
    for resp in attempts:
        assert resp.status_code == 400
    api = attempts[0].get_json()
    assert api["status"] == 400 and "CSRF" in api["error"]
    token = csrf_token_from(client)
    listing = client.get("/api/bookmarks").get_json()
    assert listing["total"] == 0 and listing["matters"] == []
    assert token


def test_token_from_the_page_is_accepted(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token_from(client)
    resp = client.post("/api/bookmarks", json={"passage_id": NECK}, headers={"X-CSRFToken": token})
    assert resp.status_code == 201
    bm = resp.get_json()
    # PATCH and DELETE need it too
    assert client.patch(bm["url"], json={"note": "x"}).status_code == 400
    assert client.patch(bm["url"], json={"note": "x"}, headers={"X-CSRFToken": token}).status_code == 200
    assert client.delete(bm["url"]).status_code == 400
    assert client.get(bm["url"]).status_code == 200
    # a plain HTML form carries it as a hidden field
    resp = client.post("/matters", data={"name": "Alpha", "csrf_token": token})
    assert resp.status_code == 303
    assert [m["name"] for m in client.get("/api/matters").get_json()["matters"]] == ["Alpha"]
    assert client.delete(bm["url"], headers={"X-CSRFToken": token}).status_code == 200


def test_form_posts_with_the_pages_token_work(csrf_app):
    client = csrf_app.test_client()
    html = client.get("/bookmarks").get_data(as_text=True)
    assert 'name="csrf_token"' in html  # every form on the page carries it
    token = csrf_token_from(client)
    resp = client.post("/bookmarks/save", data={"passage_id": NECK, "csrf_token": token})
    assert resp.status_code == 303
    assert client.get("/api/bookmarks").get_json()["total"] == 1
