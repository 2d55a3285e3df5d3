"""Issue 12 in a real browser against a real `imr serve`: a misspelt word gets a
one-click "Did you mean", a connector query says how it was read, the page size
and an oldest-first sort stay in the URL, and "Back to results" on a letter
returns to exactly the results page it was opened from."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect


def test_did_you_mean_connectors_and_back_to_the_same_page(imr_server, page, artifacts_dir, console_errors):
    page.goto(imr_server.url("/search?q=acupunture"))
    suggestion = page.locator(".did-you-mean a")
    expect(suggestion).to_have_text("acupuncture")
    suggestion.click()
    page.wait_for_url(re.compile(r"q=acupuncture"))
    expect(page.locator("article.hit").first).to_be_visible()

    page.goto(imr_server.url("/search?q=facet+/s+injection"))
    expect(page.locator(".read-as")).to_contain_text("facet w/s injection")
    expect(page.locator("article.hit").first).to_be_visible()

    # block, 1 per page, oldest injury first, page 2: open a hit and come back to that page
    page.goto(imr_server.url("/search?q=block&sort=injury_date_asc&per_page=1&page=2"))
    results_url = page.url
    expect(page.locator(".per-page")).to_contain_text("50")
    page.locator("article.hit .hit__title a").first.click()
    page.wait_for_url(re.compile(r"/letters/"))
    back = page.get_by_role("link", name=re.compile("Back to results"))
    expect(back).to_be_visible()
    back.click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(results_url).query)
    page.screenshot(path=str(artifacts_dir / "back-to-results.png"), full_page=True)

    # past the last page: the last page, with one notice
    page.goto(imr_server.url("/search?q=block&page=99999"))
    expect(page.locator(".notice", has_text="There is no page 99,999")).to_have_count(1)
    expect(page.locator("article.hit").first).to_be_visible()
    assert console_errors == [], console_errors
