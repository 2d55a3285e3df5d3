"""Issue 12 on the web: the results page says how a query was read, offers
"did you mean" in one click, pages cleanly past the end, keeps dates and page
size in the URL, returns "back to results" to the exact page, and lists every
operator on the syntax help page (with a JSON twin)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from webapp.search.syntax import SYNTAX


def links(body: bytes | str) -> list[tuple[str, str]]:
    """(href, text) of every link, text without tags, both unescaped."""
    body = body.decode() if isinstance(body, bytes) else body
    return [
        (html.unescape(h), html.unescape(re.sub(r"<[^>]+>", "", t)).strip())
        for h, t in re.findall(r'<a [^>]*?href="([^"]*)"[^>]*>(.*?)</a>', body, re.S)
    ]


def api(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.data
    return response.get_json()


def test_connectors_are_shown_as_read(client):
    body = client.get("/search", query_string={"q": "facet /s injection"}).data.decode()
    assert "Searched for" in body and "facet w/s injection" in body


def test_did_you_mean_is_one_click(client):
    body = client.get("/search", query_string={"q": "acupunture"}).data
    [href] = [h for h, t in links(body) if t == "acupuncture"]
    assert parse_qs(urlsplit(href).query)["q"] == ["acupuncture"]
    corrected = api(client, q="acupuncture")
    assert corrected["total"] == api(client, q="acupunture")["did_you_mean_total"] > 0


def test_past_the_last_page_goes_to_the_last_page_with_one_notice(client):
    total = api(client)["total"]
    last = -(-total // 2)
    body = client.get("/search", query_string={"per_page": 2, "page": 99999}).data.decode()
    assert body.count('class="notice notice--info"') == 1
    assert "There is no page 99,999" in body and f"page {last} of {last}" in body
    assert "must be between" not in body and "There is no page 99999" not in body
    data = api(client, per_page=2, page=99999)
    assert data["page"] == data["last_page"] == last and data["hits"]


def test_per_page_choice_keeps_the_first_result_in_view(client):
    body = client.get("/search", query_string={"q": "block", "per_page": 2, "page": 2}).data
    choices = {t: h for h, t in links(body) if t in ("20", "50", "100") and "page" in h or t == "20"}
    assert set(choices) == {"20", "50", "100"}
    assert parse_qs(urlsplit(choices["50"]).query) == {"q": ["block"], "per_page": ["50"]}


def test_date_filters_are_url_parameters_and_chips(client):
    data = api(client, injured_from="2014", injured_to="2014-12")
    assert data["dates"] == {"injured_from": "2014-01-01", "injured_to": "2014-12-31"}
    assert data["total"] == api(client, q="injured:2014")["total"] > 0
    body = client.get("/search", query_string={"injured_from": "2014"}).data.decode()
    assert "Injured from" in body and 'value="2014"' in body
    assert client.get("/api/search", query_string={"decided_from": "2016-13"}).status_code == 400
    assert "decided_from" in client.get("/search", query_string={"decided_from": "2016-13"}).data.decode()


def test_back_to_results_returns_to_the_exact_page(client):
    params = {"q": "block", "decision": "Upheld", "sort": "injury_date_asc", "per_page": 1, "page": 2}
    body = client.get("/search", query_string=params).data
    hit = [h for h, _ in links(body) if h.startswith("/letters/")][0]
    [back] = [h for h, t in links(client.get(hit).data) if "Back to results" in t]
    assert urlsplit(back).path == "/search"
    assert parse_qs(urlsplit(back).query) == {k: [str(v)] for k, v in params.items()}


def test_back_link_cannot_point_elsewhere(client, search_service):
    letter_id = api(client)["hits"][0]["letter_id"]
    for evil in ("https://evil.example/search?q=x", "//evil.example/search", "/bookmarks?x=1", "javascript:alert(1)"):
        body = client.get(f"/letters/{letter_id}", query_string={"back": evil}).data
        assert [h for h, t in links(body) if "Back to results" in t] == []
        body = client.get(f"/letters/{letter_id}", query_string={"back": evil, "q": "block"}).data
        assert [h for h, t in links(body) if "Back to results" in t] == ["/search?q=block"]


def test_syntax_page_lists_every_operator_with_a_runnable_example(client):
    body = client.get("/search/syntax").data
    queries = {parse_qs(urlsplit(h).query).get("q", [""])[0] for h, _ in links(body)}
    assert [op.example for op in SYNTAX if op.example not in queries] == []
    data = client.get("/api/syntax").get_json()
    assert [o["example"] for o in data["operators"]] == [op.example for op in SYNTAX]
    assert "/search/syntax" in client.get("/search").data.decode()


def test_citator_past_the_last_page_shows_the_last_page(client):
    from urllib.parse import quote

    key = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"
    body = client.get(f"/citations/{quote(key)}", query_string={"page": 500}).data.decode()
    assert "There is no page 500" in body and "<ol" in body
