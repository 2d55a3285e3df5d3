"""Similar-rationale pages, "paste your denial" and their JSON twins."""

from __future__ import annotations

from tests.web.conftest import FACET_KEY, parse_html


def _post_similar(client, **kwargs):
    """POST /api/similar as a page script does: with the page's CSRF token."""
    page = parse_html(client.get("/similar").data)
    token = page.find("meta", name="csrf-token")[0]["content"]
    return client.post("/api/similar", headers={"X-CSRFToken": token}, **kwargs)


def _some_passage(client) -> dict:
    return client.get("/api/search?q=facet&per_page=1").get_json()["hits"][0]


def test_passage_similar_api(client) -> None:
    hit = _some_passage(client)
    r = client.get(f"/api/passages/{hit['passage_id']}/similar")
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) >= {"hits", "split"}
    assert hit["passage_id"] not in [h["passage_id"] for h in data["hits"]]
    search_keys = set(client.get("/api/search?q=facet&per_page=1").get_json()["hits"][0])
    for h in data["hits"]:
        assert set(h) == search_keys  # hits shaped as in /api/search
    decided = [h["decision"] for h in data["hits"]]
    assert data["split"] == {"upheld": decided.count("Upheld"), "overturned": decided.count("Overturned")}
    assert client.get("/api/passages/nope-9/similar").status_code == 404


def test_passage_page_and_letter_link(client) -> None:
    hit = _some_passage(client)
    letter = parse_html(client.get(f"/letters/{hit['letter_id']}").data)
    links = [a["href"] for a in letter.find("a") if (a.get("href") or "").endswith("/similar")]
    assert f"/passages/{hit['passage_id']}/similar" in links
    page = client.get(f"/passages/{hit['passage_id']}/similar").get_data(as_text=True)
    assert "Similar rationales" in page and "upheld" in page


def test_paste_api_returns_hits_split_and_cite_check(client) -> None:
    text = (
        "Utilization review denied cervical medial branch blocks at C4-C5. Decision based on Non-MTUS "
        "Citation ODG, Neck Chapter Facet joint diagnostic blocks. The patient has radicular symptoms."
    )
    assert client.post("/api/similar", json={"text": text}).status_code == 400  # neither CSRF nor API token
    r = _post_similar(client, json={"text": text})
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) >= {"hits", "split", "citations"}
    [c] = [c for c in data["citations"] if c["key"] == FACET_KEY]
    assert c["raw"].startswith("ODG") and c["n"] == c["upheld"] + c["overturned"] > 0
    stats = client.get(
        "/api/stats", query_string={"citation" if c["counted_by"] == "citation" else c["counted_by"]: FACET_KEY}
    ).get_json()
    assert (c["upheld"], c["overturned"]) == (stats["overall"]["upheld"], stats["overall"]["overturned"])
    assert data["hits"]


def test_paste_api_refuses_bad_input(client) -> None:
    assert _post_similar(client, json={"text": "x" * 20_001}).status_code == 413
    for bad in ({"text": "   "}, {"nothing": 1}, ["text"]):
        r = _post_similar(client, json=bad)
        assert r.status_code == 400 and "Send JSON" in r.get_json()["error"]
    assert _post_similar(client, data="not json", content_type="text/plain").status_code == 400


def test_paste_page_needs_csrf_and_stores_nothing(client) -> None:
    import re

    page = client.get("/similar")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing you paste is stored" in html
    assert client.post("/similar", data={"text": "facet blocks"}).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    secret = "Zyxwvut unique pasted marker <script>alert(1)</script> facet joint diagnostic blocks radicular"
    r = client.post("/similar", data={"text": secret, "csrf_token": token})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Cite-check" in html
    too_long = client.post("/similar", data={"text": "x" * 20_001, "csrf_token": token})
    assert too_long.status_code == 400 and "at most 20,000" in too_long.get_data(as_text=True)


def test_split_counts_exactly_the_hits_returned(client) -> None:
    hit = _some_passage(client)
    wide = client.get(f"/api/passages/{hit['passage_id']}/similar?limit=50").get_json()
    assert len(wide["hits"]) >= 2
    top = client.get(f"/api/passages/{hit['passage_id']}/similar?limit=1").get_json()
    assert [h["passage_id"] for h in top["hits"]] == [wide["hits"][0]["passage_id"]]
    first = wide["hits"][0]["decision"].lower()
    assert top["split"] == {"upheld": int(first == "upheld"), "overturned": int(first == "overturned")}
    assert sum(wide["split"].values()) == len(wide["hits"])
