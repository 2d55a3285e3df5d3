"""The HTML side: every action as a plain form post (no JavaScript), the
fetch() variant of the toggle, the bookmarks page and the saved-state button."""

from __future__ import annotations

import html
import re

from flask import render_template_string

from tests.bookmarks.conftest import save

NECK = "000_d9810e0ddbbc91c8-1"
ESI = "004_0099b7c7dc1cafd7-1"
ACU = "004_0099b7c7dc1cafd7-2"


def bookmarks(client, query: str = "") -> list[dict]:
    return client.get("/api/bookmarks" + query).get_json()["bookmarks"]


def test_form_save_and_unsave_redirect_back(client):
    resp = client.post("/bookmarks/save", data={"passage_id": NECK, "next": "/search?q=facet"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/search?q=facet"
    assert [b["passage_id"] for b in bookmarks(client)] == [NECK]
    resp = client.post("/bookmarks/unsave", data={"passage_id": NECK, "next": "/letters/x#p-1"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/letters/x#p-1"
    assert bookmarks(client) == []


def test_form_redirect_never_leaves_the_site(client):
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"):
        resp = client.post("/bookmarks/save", data={"passage_id": NECK, "next": evil})
        assert resp.status_code == 303
        assert resp.headers["Location"] == "/bookmarks", evil


def test_toggle_answers_json_to_fetch(client):
    headers = {"Accept": "application/json"}
    resp = client.post("/bookmarks/save", data={"passage_id": ESI}, headers=headers)
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["bookmarked"] is True and data["passage_id"] == ESI
    assert data["edit_url"] == f"/bookmarks/{data['bookmark_id']}"
    resp = client.post("/bookmarks/unsave", data={"passage_id": ESI}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["bookmarked"] is False
    bad = client.post("/bookmarks/save", data={"passage_id": "gone-9"}, headers=headers)
    assert bad.status_code == 400 and "no longer in the index" in bad.get_json()["error"]


def test_save_unknown_passage_by_form_says_so(client):
    resp = client.post("/bookmarks/save", data={"passage_id": "gone-9", "next": "/bookmarks"}, follow_redirects=True)
    assert resp.status_code == 200
    assert "no longer in the index" in resp.get_data(as_text=True)
    assert bookmarks(client) == []


def test_button_shows_saved_state(app, client):
    save(client, NECK)
    template = '{% with passage_id = pid %}{% include "bookmarks/_button.html" %}{% endwith %}'
    with app.test_request_context("/search?q=facet"):
        saved = render_template_string(template, pid=NECK)
        unsaved = render_template_string(template, pid=ESI)
    assert 'aria-pressed="true"' in saved and "Bookmarked" in saved and 'action="/bookmarks/unsave"' in saved
    assert re.search(r'class="bm-note-link"\s+href="/bookmarks/\d+"', saved)
    assert 'aria-pressed="false"' in unsaved and 'action="/bookmarks/save"' in unsaved
    assert 'name="next" value="/search?q=facet"' in unsaved
    assert 'name="csrf_token"' in unsaved


def test_bookmarks_page_lists_and_filters(client):
    save(client, NECK, note="Facet **blocks**", matters=["Smith v. ABC Corp"])
    save(client, ESI, note="imaging matters", matters=["Jones"])
    page = client.get("/bookmarks")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Bilateral cervical medial branch blocks" in text and "Lumbar epidural steroid injection" in text
    assert "Facet <strong>blocks</strong>" in text
    assert "Smith v. ABC Corp" in text and "CM15-0101111" in text
    smith = next(b["matters"][0]["id"] for b in bookmarks(client) if b["passage_id"] == NECK)
    filtered = client.get(f"/bookmarks?matter={smith}").get_data(as_text=True)
    assert "Bilateral cervical" in filtered and "Lumbar epidural" not in filtered
    assert "Bookmarks in “Smith v. ABC Corp”" in filtered
    by_note = client.get("/bookmarks?q=imaging").get_data(as_text=True)
    assert "Lumbar epidural" in by_note and "Bilateral cervical" not in by_note
    by_decision = client.get("/bookmarks?decision=Upheld").get_data(as_text=True)
    assert "Bilateral cervical" in by_decision and "Lumbar epidural" not in by_decision
    by_cite = client.get("/bookmarks?citation=MTUS | Chronic Pain Medical Treatment Guidelines").get_data(as_text=True)
    assert "Lumbar epidural" in by_cite and "Bilateral cervical" not in by_cite
    bad = client.get("/bookmarks?sort=nonsense")
    assert bad.status_code == 400 and "sort must be one of" in bad.get_data(as_text=True)


def test_bookmarks_page_sorted_by_letter(client):
    save(client, ACU)
    save(client, NECK)
    save(client, ESI)
    text = client.get("/bookmarks?sort=letter").get_data(as_text=True)
    assert text.index("Bilateral cervical") < text.index("Lumbar epidural") < text.index("Acupuncture, 12")
    text = client.get("/bookmarks").get_data(as_text=True)  # newest saved first
    assert text.index("Lumbar epidural") < text.index("Bilateral cervical") < text.index("Acupuncture, 12")


def test_empty_page_explains_what_to_do(client):
    text = client.get("/bookmarks").get_data(as_text=True)
    assert "No bookmarks yet" in text


def test_edit_note_and_matters_by_form(client):
    bm = save(client, NECK)
    client.post("/api/matters", json={"name": "Alpha"})
    alpha = client.get("/api/matters").get_json()["matters"][0]["id"]
    page = client.get(f"/bookmarks/{bm['id']}")
    assert page.status_code == 200 and 'name="note"' in page.get_data(as_text=True)
    resp = client.post(
        f"/bookmarks/{bm['id']}", data={"note": "Cite **this**", "matters": [str(alpha)], "new_matter": "Brand new"}
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#b-{bm['id']}")
    got = client.get(bm["url"]).get_json()
    assert got["note"] == "Cite **this**"
    assert sorted(m["name"] for m in got["matters"]) == ["Alpha", "Brand new"]


def test_edit_with_bad_input_keeps_what_was_typed(client):
    bm = save(client, NECK, note="original")
    long_note = "keep me " * 8000
    resp = client.post(f"/bookmarks/{bm['id']}", data={"note": long_note})
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "note is too long" in text and "keep me keep me" in text
    assert client.get(bm["url"]).get_json()["note"] == "original"


def test_delete_bookmark_by_form(client):
    bm = save(client, NECK)
    resp = client.post(f"/bookmarks/{bm['id']}/delete", data={"next": "/bookmarks"})
    assert resp.status_code == 303
    assert bookmarks(client) == []
    assert client.post(f"/bookmarks/{bm['id']}/delete").status_code == 404
    assert client.get(f"/bookmarks/{bm['id']}").status_code == 404


def test_matters_by_form(client):
    resp = client.post("/matters", data={"name": "Smith v. ABC Corp"}, follow_redirects=True)
    assert "Matter “Smith v. ABC Corp” created." in html.unescape(resp.get_data(as_text=True))
    dup = client.post("/matters", data={"name": "SMITH v. abc corp"}, follow_redirects=True)
    assert "already exists" in html.unescape(dup.get_data(as_text=True))
    mid = client.get("/api/matters").get_json()["matters"][0]["id"]
    save(client, NECK, matters=[mid])
    client.post(f"/matters/{mid}/rename", data={"name": "Smith v. ABC Corporation"})
    assert client.get("/api/matters").get_json()["matters"][0]["name"] == "Smith v. ABC Corporation"
    empty = client.post(f"/matters/{mid}/rename", data={"name": " "}, follow_redirects=True)
    assert "needs a name" in empty.get_data(as_text=True)
    client.post(f"/matters/{mid}/delete")
    assert client.get("/api/matters").get_json()["matters"] == []
    assert len(bookmarks(client)) == 1  # the bookmark survives its matter
    assert client.post("/matters/9999/delete").status_code == 404


def test_pages_escape_user_text(client):
    save(client, NECK, matters=["<img src=x onerror=alert(1)>"])
    text = client.get("/bookmarks").get_data(as_text=True)
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
