"""The attorney's path in a real browser against a real `imr serve`:
search a guideline, narrow by its citation facet, open the letter at the passage."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

QUERY = "ODG Neck Facet joint diagnostic blocks"
TOPIC = "Facet joint diagnostic blocks"


def _no_page_errors(console_errors: list[str]) -> None:
    # CSP violations and script errors are reported on the console.
    assert console_errors == [], console_errors


def test_search_filter_by_citation_and_open_letter_at_passage(imr_server, page, artifacts_dir, console_errors):
    page.goto(imr_server.url("/"))
    page.get_by_label("Search decision rationales").fill(QUERY)
    page.get_by_label("Search decision rationales").press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    expect(page.locator("#results-heading")).to_contain_text("passage")
    hits = page.locator("article.hit")
    expect(hits.first).to_be_visible()
    # The query words are highlighted in the results, and the outcome split is shown.
    expect(page.locator("article.hit mark").first).to_be_visible()
    expect(page.locator("section.outcome")).to_contain_text("upheld")
    page.screenshot(path=str(artifacts_dir / "01-search.png"), full_page=True)

    # Click the citation facet for that guideline.
    facet = page.locator('a.facet-value[data-facet="citation"]', has_text=TOPIC).first
    expect(facet).to_be_visible()
    facet_count = int(facet.locator(".facet-value__count").inner_text().replace(",", ""))
    assert facet_count > 0
    facet.click()
    page.wait_for_url(re.compile(r"[?&]citation="))
    params = parse_qs(urlsplit(page.url).query)
    assert params["q"] == [QUERY]
    assert any(TOPIC in value for value in params["citation"])
    expect(page.locator(".chips .chip", has_text=TOPIC)).to_be_visible()
    expect(page.locator('a.facet-value.is-active[data-facet="citation"]', has_text=TOPIC)).to_be_visible()
    # The facet's count is the number of results once it is applied, and each cites it.
    expect(hits).to_have_count(min(facet_count, 20))
    for i in range(hits.count()):
        expect(hits.nth(i).locator(".cite-chip", has_text=TOPIC)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "02-citation-facet.png"), full_page=True)

    # Open the first result: the letter page, scrolled to that passage, query highlighted.
    link = hits.first.locator(".hit__title a")
    href = link.get_attribute("href") or ""
    anchor = urlsplit(href).fragment
    assert re.fullmatch(r"p-\d+", anchor), href
    link.click()
    page.wait_for_url(re.compile(r"/letters/[^/?#]+\?.*#p-\d+$"))
    passage = page.locator(f"#{anchor}")
    expect(passage).to_be_visible()
    expect(passage).to_be_in_viewport()
    expect(passage.locator("mark").first).to_be_visible()
    expect(passage.locator(".cite-chip", has_text=TOPIC)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "03-letter-passage.png"))

    # The citation chip leads to the citator page with the by-year chart.
    passage.locator(".cite-chip", has_text=TOPIC).click()
    page.wait_for_url(re.compile(r"/citations/"))
    expect(page.locator("h1")).to_have_text(TOPIC)
    expect(page.locator("svg.chart__svg")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "04-citator.png"), full_page=True)
    _no_page_errors(console_errors)


def test_phone_layout_has_no_sideways_scroll(imr_server, page, artifacts_dir, console_errors):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(imr_server.url("/search?q=" + QUERY.replace(" ", "+")))
    expect(page.locator("article.hit").first).to_be_visible()
    # On a phone the filters start folded under a "Filters" summary.
    expect(page.locator("summary.filters__summary")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.screenshot(path=str(artifacts_dir / "phone-search.png"), full_page=True)
    _no_page_errors(console_errors)


def test_keyboard_user_can_search_and_reach_results(imr_server, page, console_errors):
    page.goto(imr_server.url("/"))
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("/")  # the search shortcut
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("medial branch block")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=medial"))
    # Decision badges explain themselves on keyboard focus.
    badge = page.locator("article.hit .decision").first
    badge.focus()
    expect(badge.locator(".tip")).to_be_visible()
    _no_page_errors(console_errors)


def test_letter_prints_without_navigation(imr_server, page, artifacts_dir, console_errors):
    page.goto(imr_server.url("/search?q=" + QUERY.replace(" ", "+")))
    page.locator("article.hit .hit__title a").first.click()
    page.wait_for_url(re.compile(r"/letters/"))
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".letter__actions")).to_be_hidden()
    expect(page.locator("article.passage").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "letter-print.png"), full_page=True)
    _no_page_errors(console_errors)
