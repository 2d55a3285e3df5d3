"""Saved searches in a real headless Chromium against a real `imr serve`:
save a search from the results page, index more letters with `imr index`,
see "new" on /saved, open the new results, copy a citation, open a letter."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, ServedApp, imr_command, start_imr_server, stop_imr_server

REAL_LETTERS = ROOT.parent / "shared" / "real-letters" / "txt"
QUERY = "physical therapy"


def _letters() -> list[Path]:
    files = sorted(REAL_LETTERS.glob("*.txt"))
    if len(files) < 60:
        pytest.fail(f"the real letters are missing from {REAL_LETTERS}")
    return files


@pytest.fixture(scope="module")
def saved_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[ServedApp]:
    root = tmp_path_factory.mktemp("imr-saved")
    corpus = root / "letters"
    corpus.mkdir()
    for f in _letters()[:30]:
        shutil.copy(f, corpus / f.name)
    served = start_imr_server(root / "data", corpus=corpus)
    served.corpus = corpus  # type: ignore[attr-defined]
    try:
        yield served
    finally:
        stop_imr_server(served)


def test_save_index_see_new_open(saved_server, page, artifacts_dir: Path, console_errors):
    # a shared CI machine can be slow: wait for pages longer than the default
    page.set_default_navigation_timeout(60_000)
    page.set_default_timeout(30_000)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=saved_server.base_url)
    page.goto(saved_server.url("/search?q=" + QUERY.replace(" ", "+")))
    expect(page.locator("article.hit").first).to_be_visible()
    page.get_by_text("Save this search").click()
    page.get_by_label("Name", exact=True).fill("Physical therapy precedents")
    page.get_by_label("Tell me about new decisions").select_option("off")
    page.get_by_role("button", name="Save search").click()
    page.wait_for_url(re.compile(r"/saved#saved-\d+$"))
    card = page.locator("article.saved-card", has_text="Physical therapy precedents")
    expect(card).to_contain_text("Nothing new since you last looked")
    expect(card.locator("a.saved-new")).to_have_count(0)

    # the monthly batch arrives: index it as cron would
    for f in _letters()[30:60]:
        shutil.copy(f, saved_server.corpus / f.name)  # type: ignore[attr-defined]
    env = {**os.environ, "IMR_DATA_DIR": str(saved_server.data_dir)}
    env.pop("IMR_DATABASE_URL", None)
    done = subprocess.run(
        [*imr_command(), "index", str(saved_server.corpus), "--index", str(saved_server.index_dir)],  # type: ignore[attr-defined]
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "“Physical therapy precedents”" in done.stderr

    with urllib.request.urlopen(saved_server.url("/api/saved")) as resp:
        (saved,) = json.load(resp)["saved"]
    assert saved["new_count"] > 0

    page.goto(saved_server.url("/saved"))
    badge = page.locator("article.saved-card a.saved-new")
    expect(badge).to_have_text(f"{saved['new_count']} new")
    page.screenshot(path=str(artifacts_dir / "01-saved-with-new.png"), full_page=True)
    badge.click()
    page.wait_for_url(re.compile(r"/saved/\d+/new$"))
    fresh = page.locator("article.saved-hit.is-new")
    expect(fresh).to_have_count(saved["new_count"])
    page.screenshot(path=str(artifacts_dir / "02-new-results.png"), full_page=True)

    first = fresh.first
    line = first.locator(".copy-cite__text").inner_text()
    assert re.match(r"^IMR CM\d{2}-\d{7} \([A-Z][a-z]+\.? \d{1,2}, \d{4}\), item \d+: .+", line), line
    first.get_by_role("button", name="Copy citation").click()
    expect(first.locator(".copy-cite__status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == line

    first.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/letters/[^#]+#p-\d+$"))
    expect(page.locator("main")).to_be_visible()

    # looked at: no longer new
    page.goto(saved_server.url("/saved"))
    expect(page.locator("article.saved-card a.saved-new")).to_have_count(0)
    assert console_errors == []
