"""Security headers, no inline script, no stack traces."""

from __future__ import annotations

import pytest

from tests.web.conftest import QUERY, parse_html


def _pages(client):
    letter_id = client.get("/api/search", query_string={"q": QUERY}).get_json()["hits"][0]["letter_id"]
    return [
        "/",
        f"/search?q={QUERY}",
        f"/letters/{letter_id}",
        "/citations",
        "/no-such-page",
        "/api/search",
        f"/api/letters/{letter_id}",
    ]


def test_security_headers_on_every_response(client):
    for url in _pages(client):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style_or_handlers(client):
    html_pages = 0
    for url in _pages(client):
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        html_pages += 1
        page = parse_html(response.data)
        for tag, attrs in page.elements:
            if tag == "script":
                assert attrs.get("src"), f"inline <script> on {url}"
            assert "style" not in attrs, f"inline style attribute on {url}: <{tag}>"
            assert not [a for a in attrs if a.startswith("on")], f"event handler attribute on {url}: <{tag}>"
        assert not page.find("style")
    assert html_pages == 5  # home, search, letter, citator and the 404 page; the two API URLs are JSON


def test_static_assets_are_local(client):
    page = parse_html(client.get("/").data)
    for attrs in page.find("script") + page.find("link"):
        url = attrs.get("src") or attrs.get("href") or ""
        assert not url.startswith(("http:", "https:", "//")), url
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_unexpected_errors_show_an_apology_not_a_traceback(search_service, index_dir):
    from webapp import create_app

    app = create_app({"IMR_INDEX_DIR": str(index_dir), "IMR_SEARCH_SERVICE": search_service})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("secret internal detail")

    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"secret internal detail" not in response.data and b"Traceback" not in response.data
    assert b"Something went wrong" in response.data
    api_response = client.get("/api/boom")
    assert api_response.status_code == 500 and api_response.get_json()["status"] == 500


def test_missing_index_is_a_helpful_503(tmp_path):
    from webapp import create_app

    client = create_app({"IMR_INDEX_DIR": str(tmp_path / "nothing-here")}).test_client()
    response = client.get("/search?q=x")
    assert response.status_code == 503
    assert b"imr index" in response.data
    assert client.get("/api/search").get_json()["status"] == 503


@pytest.mark.parametrize("url", ["/no-such-page", "/letters/no-such-letter", "/citations/No | Such | Citation"])
def test_not_found_pages_help(client, url):
    response = client.get(url)
    assert response.status_code == 404
    page = parse_html(response.data)
    assert page.find("input", id="q")  # a search box to carry on
    assert b"Traceback" not in response.data


@pytest.mark.parametrize("url", ["/api/no-such", "/api/letters/no-such-letter", "/api/citations/No | Such"])
def test_api_not_found_is_json(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
