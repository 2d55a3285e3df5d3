"""An attorney's bookmarking path in a real headless Chromium against a real
`imr serve` (its own server and database): search, bookmark a passage in one
click, write a Markdown note, find it on the bookmarks page, export Markdown.
And the same bookmark toggle with JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ServedApp, start_imr_server, stop_imr_server

QUERY = "ODG Neck Facet joint diagnostic blocks"
NOTE = "Cite for **non-radicular** neck pain.\n\n- see [MTUS](https://www.dir.ca.gov/)\n\n<script>alert('x')</script>"


@pytest.fixture(scope="module")
def bm_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[ServedApp]:
    served = start_imr_server(tmp_path_factory.mktemp("imr-bookmarks"))
    try:
        yield served
    finally:
        stop_imr_server(served)


def test_search_bookmark_note_list_export(bm_server, page, artifacts_dir: Path, console_errors):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(bm_server.url("/search?q=" + QUERY.replace(" ", "+")))
    hit = page.locator("article.hit").first
    expect(hit).to_be_visible()
    item = hit.locator(".hit__title").inner_text().strip()

    # One click, no page reload: the button turns into "Bookmarked".
    page.evaluate("window.__sameDocument = true")
    toggle = hit.locator("form.bm-toggle button")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_contain_text("Bookmarked")
    assert page.evaluate("window.__sameDocument") is True  # fetch(), not a form navigation
    page.screenshot(path=str(artifacts_dir / "01-bookmarked-in-results.png"), full_page=True)

    # The saved state survives a reload, and shows on the letter page too.
    page.reload()
    expect(page.locator("article.hit").first.locator("form.bm-toggle button")).to_have_attribute("aria-pressed", "true")
    page.locator("article.hit").first.locator(".hit__title a").click()
    page.wait_for_url(re.compile(r"/letters/"))
    expect(page.locator("form.bm-toggle.is-saved").first).to_be_visible()
    page.go_back()

    # Add a note in Markdown.
    page.locator("article.hit").first.locator("a.bm-note-link").click()
    page.wait_for_url(re.compile(r"/bookmarks/\d+$"))
    page.get_by_label("Note").fill(NOTE)
    page.get_by_label("Add to a new matter").fill("Smith v. ABC Corp")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/bookmarks(\?.*)?#b-\d+$"))

    # The bookmarks page shows it, the note rendered and sanitised.
    card = page.locator("article.bm-card").first
    expect(card).to_contain_text(item[:40])
    expect(card.locator(".bm-note strong")).to_have_text("non-radicular")
    expect(card.locator(".bm-note a")).to_have_attribute("href", "https://www.dir.ca.gov/")
    expect(card.locator(".bm-note script")).to_have_count(0)
    expect(card.locator(".bm-tag")).to_have_text("Smith v. ABC Corp")
    assert dialogs == []  # the note's script never ran
    page.screenshot(path=str(artifacts_dir / "02-bookmarks-page.png"), full_page=True)

    # Filter by the matter, then export it as Markdown.
    page.locator(".bm-matter-list a", has_text="Smith v. ABC Corp").click()
    expect(page.locator("h1")).to_contain_text("Smith v. ABC Corp")
    with page.expect_download() as info:
        page.locator(".bm-export a", has_text="Markdown").click()
    download = info.value
    assert download.suggested_filename.startswith("imr-bookmarks-smith-v-abc-corp-")
    path = artifacts_dir / download.suggested_filename
    download.save_as(str(path))
    md = path.read_text(encoding="utf-8")
    assert md.startswith("# IMR precedents: Smith v. ABC Corp")
    assert "Cite for **non-radicular** neck pain." in md
    assert "Facet joint diagnostic blocks" in md
    assert "**Decision:**" in md and "> " in md
    assert console_errors == [], console_errors


def test_bookmark_toggle_works_without_javascript(bm_server, browser, artifacts_dir: Path):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(bm_server.url("/search?q=medial+branch+block"))
        hit = page.locator("article.hit").nth(1)
        hit_id = hit.get_attribute("id")
        button = hit.locator("form.bm-toggle button")
        before = button.get_attribute("aria-pressed")
        with page.expect_navigation():
            button.click()
        # a full round trip back to the same results page, state flipped
        assert "/search?q=medial" in page.url
        after = page.locator(f"article.hit[id='{hit_id}'] form.bm-toggle button")
        expect(after).to_have_attribute("aria-pressed", "false" if before == "true" else "true")
        page.screenshot(path=str(artifacts_dir / "no-js-bookmarked.png"), full_page=True)
        with page.expect_navigation():
            after.click()
        expect(page.locator(f"article.hit[id='{hit_id}'] form.bm-toggle button")).to_have_attribute(
            "aria-pressed", before
        )
    finally:
        context.close()
