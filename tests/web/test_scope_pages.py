"""Scope, passages-in-letters and grouping on the search page and its JSON twin.

"spondylolisthesis" appears in one sample letter's case summary only (two
disputed items), never in a passage's own text."""

from __future__ import annotations

from tests.web.conftest import parse_html
from tests.web.test_search_pages import api

SUMMARY_ONLY = "spondylolisthesis"


def test_summary_only_word_finds_nothing_by_default_and_the_letter_with_scope(client):
    default = api(client, q=SUMMARY_ONLY)
    assert (default["total"], default["total_letters"], default["scope"]) == (0, 0, "request")
    wide = api(client, q=SUMMARY_ONLY, scope="letter")
    assert (wide["total"], wide["total_letters"], wide["scope"]) == (2, 1, "letter")
    assert {h["letter_id"] for h in wide["hits"]} == {"002_41fcf0f3b209208b"}
    assert api(client, q=f"summary:{SUMMARY_ONLY}")["total"] == 2


def test_scope_is_in_the_permalink_and_the_page(client):
    body = client.get("/search", query_string={"q": SUMMARY_ONLY, "scope": "letter"}).data.decode()
    page = parse_html(body)
    [box] = page.find("input", id="scope")
    assert "checked" in box and box["value"] == "letter"
    assert "2 passages in 1 letter" in body
    # every link that keeps the search keeps the scope (sort form, pages, JSON)
    assert "/api/search?q=spondylolisthesis&amp;scope=letter" in body
    hidden = [i for i in page.find("input", name="scope") if i.get("type") == "hidden"]
    assert hidden and all(i["value"] == "letter" for i in hidden)
    plain = client.get("/search", query_string={"q": SUMMARY_ONLY}).data.decode()
    assert "0 passages in 0 letters" in plain
    assert "also search case summaries" in plain


def test_bad_scope_is_a_400_in_the_api_and_a_notice_on_the_page(client):
    assert client.get("/api/search", query_string={"q": "x", "scope": "galaxy"}).status_code == 400
    response = client.get("/search", query_string={"q": "x", "scope": "galaxy"})
    assert response.status_code == 200
    assert "Unknown scope" in response.data.decode()


def test_every_result_count_says_passages_in_letters(client):
    data = api(client)
    assert data["total_letters"] == 5 and data["total"] >= 5
    body = client.get("/search").data.decode()
    assert f"{data['total']} passages in 5 letters" in body


def test_group_by_letter_lists_letters_with_their_items(client):
    data = api(client, q="injection", group="letter", per_page=100)
    assert data["group"] == "letter"
    assert len(data["letters"]) == data["total_letters"]
    assert sum(len(g["hits"]) for g in data["letters"]) == data["total"]
    for g in data["letters"]:
        assert all(h["letter_id"] == g["letter_id"] for h in g["hits"])
    body = client.get("/search", query_string={"q": "injection", "group": "letter"}).data.decode()
    page = parse_html(body)
    assert len(page.by_class("letter-group")) == data["total_letters"]
    assert "list passages" in body


def test_closer_matches_follow_the_exact_results_and_are_not_counted(client):
    # no sample passage says both "lumbar" and "cream"; three say one of them
    doc = api(client, q="lumbar cream")
    assert (doc["total"], doc["closer_total"], doc["closer_need"]) == (0, 3, 1)
    either = {h["passage_id"] for h in api(client, q="lumbar OR cream", per_page=100, scope="passage")["hits"]}
    assert {h["passage_id"] for h in doc["closer_matches"]} == either
    assert all(v["count"] == 0 for v in doc["facets"]["decision"])
    body = client.get("/search", query_string={"q": "lumbar cream"}).data.decode()
    assert "Closer matches: 3 more passages with 1 of your 2 words" in body
    assert "Not counted in the 0 above" in body
    assert "0 passages in 0 letters" in body


def test_requests_are_counted_and_discussions_listed_apart(client):
    # "injection" is requested by one sample passage and discussed by others
    doc = api(client, q="injection")
    every = api(client, q="injection", scope="passage", per_page=100)
    assert doc["scope"] == "request" and doc["requests_only"] is True
    assert 0 < doc["total"] < every["total"]
    assert doc["total"] + doc["discussed_total"] == every["total"]
    listed = {h["passage_id"] for h in doc["hits"]} | {h["passage_id"] for h in doc["discussed"]}
    assert listed == {h["passage_id"] for h in every["hits"]}
    body = client.get("/search", query_string={"q": "injection"}).data.decode()
    page = parse_html(body)
    [(_, note)] = page.by_class("results__scope")
    assert note["data-requests-only"] == "yes"
    n = doc["discussed_total"]
    assert f"{n} more {'has' if n == 1 else 'have'} them only in the reasoning" in body
    assert f"Also discussed: {n} more passage" in body
    assert page.find("h2", id="discussed-heading")
    assert any("scope=passage" in (a.get("href") or "") for a in page.find("a"))
