"""The letter page, its original file, and its JSON twin."""

from __future__ import annotations

from urllib.parse import unquote

from tests.web.conftest import FACET_KEY, QUERY, parse_html


def _first_hit(client, q=QUERY):
    return client.get("/api/search", query_string={"q": q}).get_json()["hits"][0]


def test_letter_page_anchors_every_passage_and_links_citations(client, search_service):
    hit = _first_hit(client)
    letter = search_service.get_letter(hit["letter_id"])
    response = client.get(f"/letters/{hit['letter_id']}")
    assert response.status_code == 200
    page = parse_html(response.data)
    anchors = {a["id"] for a in page.find("article", class_="passage")}
    parsed = [p for p in letter.passages if not p.unparsed]
    assert anchors == {f"p-{p.ordinal}" for p in parsed}
    cited = {c.key for p in parsed for c in p.citations}
    linked = {
        unquote(a["href"]).removeprefix("/citations/")
        for a in page.find("a")
        if (a.get("href") or "").startswith("/citations/")
    }
    assert cited <= linked
    # laid out by section, in the letter's order
    titles = [s.title for s in letter.sections]
    body = response.data.decode()
    positions = [body.find(f">{t}<") for t in titles if t]
    assert all(p > 0 for p in positions) and positions == sorted(positions)


def test_arriving_from_a_search_highlights_the_query(client):
    hit = _first_hit(client)
    plain = client.get(f"/letters/{hit['letter_id']}").data.decode()
    highlighted = client.get(f"/letters/{hit['letter_id']}", query_string={"q": "facet"}).data.decode()
    assert "<mark>" not in plain
    assert "<mark>" in highlighted
    assert "Remove highlighting" in highlighted


def test_search_results_link_to_the_passage_anchor_with_the_query(client):
    hit = _first_hit(client)
    page = parse_html(client.get("/search", query_string={"q": QUERY}).data)
    hrefs = {a["href"] for a in page.find("a") if (a.get("href") or "").startswith("/letters/")}
    assert any(h.startswith(f"/letters/{hit['letter_id']}?q=") and h.endswith(f"#p-{hit['ordinal']}") for h in hrefs)


def test_original_file_is_served_as_published(client, search_service):
    hit = _first_hit(client)
    page = parse_html(client.get(f"/letters/{hit['letter_id']}").data)
    source = [a["href"] for a in page.find("a") if (a.get("href") or "").endswith("/source")]
    assert source == [f"/letters/{hit['letter_id']}/source"]
    response = client.get(source[0])
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == search_service.letter_source_path(hit["letter_id"]).read_bytes()


def test_letter_json_twin(client, search_service):
    hit = _first_hit(client)
    data = client.get(f"/api/letters/{hit['letter_id']}").get_json()
    assert data["letter"] == search_service.get_letter(hit["letter_id"]).to_dict()
    assert data["html_url"] == f"/letters/{hit['letter_id']}"
    assert data["source_url"] == f"/letters/{hit['letter_id']}/source"
    page = parse_html(client.get(data["html_url"]).data)
    assert page.find("link", rel="alternate", type="application/json")[0]["href"] == f"/api/letters/{hit['letter_id']}"


def test_unknown_letter_is_404_on_page_source_and_api(client):
    assert client.get("/letters/no-such-letter").status_code == 404
    assert b"no letter with the id" in client.get("/letters/no-such-letter").data
    assert client.get("/letters/no-such-letter/source").status_code == 404
    assert client.get("/api/letters/no-such-letter").status_code == 404


def test_letter_page_has_a_print_stylesheet_and_landmarks(client):
    hit = _first_hit(client)
    page = parse_html(client.get(f"/letters/{hit['letter_id']}").data)
    assert page.find("main") and page.find("nav") and page.find("header")
    css = client.get("/static/app.css").data.decode()
    assert "@media print" in css


def test_passages_citing_the_guideline_name_it_on_the_letter_page(client):
    data = client.get("/api/search", query_string={"citation": FACET_KEY}).get_json()
    for hit in data["hits"]:
        body = client.get(f"/letters/{hit['letter_id']}").data.decode()
        assert "Facet joint diagnostic blocks" in body
