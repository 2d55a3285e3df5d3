"""In a real browser: the scope options (requests first, every rationale, case summaries too), and the citator's
co-citations checked against searches for passages citing both."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from playwright.sync_api import expect

SUMMARY_ONLY = "spondylolisthesis"  # in one sample letter's case summary, in no passage's own text
FACET_KEY = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"


def test_scope_option_searches_case_summaries_and_stays_in_the_permalink(
    imr_server, page, artifacts_dir, console_errors
):
    page.goto(imr_server.url("/"))
    page.get_by_label("Search decision rationales").fill(SUMMARY_ONLY)
    page.get_by_label("Search decision rationales").press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    expect(page.locator("#results-heading")).to_contain_text("0 passages in 0 letters")
    box = page.get_by_label("Also search case summaries")
    expect(box).not_to_be_checked()
    box.check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"scope=letter"))
    assert parse_qs(urlsplit(page.url).query)["scope"] == ["letter"]
    expect(page.locator("#results-heading")).to_contain_text("2 passages in 1 letter")
    expect(page.locator("article.hit")).to_have_count(2)
    # the word is marked where it matched: the case summary
    expect(page.locator("article.hit .fragment--summary mark").first).to_have_text(re.compile(SUMMARY_ONLY, re.I))
    page.screenshot(path=str(artifacts_dir / "scope-letter.png"), full_page=True)
    # the permalink reproduces the page
    page.goto(page.url)
    expect(page.get_by_label("Also search case summaries")).to_be_checked()
    expect(page.locator("#results-heading")).to_contain_text("2 passages in 1 letter")
    # and the option can be turned off from the results
    page.get_by_role("link", name="match the rationales only").click()
    expect(page.locator("#results-heading")).to_contain_text("0 passages in 0 letters")
    assert console_errors == [], console_errors


def _total(page, imr_server, query: str) -> int:
    response = page.request.get(imr_server.url("/api/search?per_page=1&q=" + quote(query)))
    assert response.ok
    return int(response.json()["total"])


def test_citator_co_citations_count_passages_citing_both(imr_server, page, artifacts_dir, console_errors):
    page.goto(imr_server.url("/citations/" + quote(FACET_KEY)))
    expect(page.locator("h1")).to_have_text("Facet joint diagnostic blocks")
    expect(page.locator(".citator-count")).to_contain_text(re.compile(r"\d+ passages? in \d+ letters?"))
    items = page.locator("#co-heading + ul.countlist li")
    n = items.count()
    assert n > 0
    own = _total(page, imr_server, f'reviewer_citation:"{FACET_KEY}"')
    checked = 0
    for i in range(n):
        link = items.nth(i).locator("a")
        key = urlsplit(link.get_attribute("href") or "").path.split("/citations/", 1)[1]
        key = re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), key)
        shown = int(items.nth(i).locator(".count").inner_text().replace(",", ""))
        assert shown <= own
        if key.count(" | ") < 2:
            continue  # a search for a chapter takes in its topics; a co-citation counts the key itself
        checked += 1
        both = _total(page, imr_server, f'reviewer_citation:"{FACET_KEY}" reviewer_citation:"{key}"')
        assert shown == both, key
    assert checked > 0
    page.screenshot(path=str(artifacts_dir / "citator-co-citations.png"), full_page=True)
    # co-citation is symmetric: the other guideline's page counts the same passages
    first = items.filter(has_text="Facet joint therapeutic").first
    count = first.locator(".count").inner_text()
    first.locator("a").click()
    page.wait_for_url(re.compile(r"/citations/"))
    back = page.locator("#co-heading + ul.countlist li", has=page.locator(f'a[href="/citations/{quote(FACET_KEY)}"]'))
    expect(back.locator(".count")).to_have_text(count)
    assert console_errors == [], console_errors


def test_requests_are_counted_and_the_discussions_listed_apart(imr_server, page, artifacts_dir, console_errors):
    # "injection" is the request of one sample passage and is discussed in others
    page.goto(imr_server.url("/search?q=injection"))
    note = page.locator(".results__scope")
    expect(note).to_have_attribute("data-requests-only", "yes")
    expect(page.locator("#discussed-heading")).to_be_visible()
    discussed = page.locator("section.discussed article.hit").count()
    counted = page.locator("article.hit").count() - discussed
    assert discussed > 0 and counted > 0
    expect(page.locator("#results-heading")).to_contain_text(f"{counted} passage")
    page.screenshot(path=str(artifacts_dir / "scope-request.png"), full_page=True)
    # every rationale with the word is counted on asking
    note.get_by_role("link", name="count them too").click()
    page.wait_for_url(re.compile(r"scope=passage"))
    expect(page.locator(".results__scope")).to_have_attribute("data-requests-only", "no")
    expect(page.locator("#discussed-heading")).to_have_count(0)
    expect(page.locator("article.hit")).to_have_count(counted + discussed)
    expect(page.locator("#results-heading")).to_contain_text(f"{counted + discussed} passages")
    # and back to the requests, the default (no scope in the permalink)
    page.locator(".results__scope").get_by_role("link", name="count only the requests for it").click()
    page.wait_for_url(lambda url: "scope=" not in url)
    expect(page.locator("section.discussed article.hit")).to_have_count(discussed)
    assert console_errors == [], console_errors
