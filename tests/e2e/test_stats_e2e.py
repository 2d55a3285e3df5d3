"""The statistics charts in a real browser: drawn without script, on screen and in print."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import imr_command, start_imr_server, stop_imr_server


@pytest.fixture(scope="module")
def stats_server(tmp_path_factory, chromium_path):
    """A server over synthetic letters decided across several years (the sample
    letters carry no decision dates, so they would leave the year chart empty)."""
    root = tmp_path_factory.mktemp("stats-e2e")
    corpus = root / "corpus"
    subprocess.run(
        [*imr_command(), "synth", "--letters", "300", "--out", str(corpus), "--seed", "15", "--workers", "1"],
        check=True,
        capture_output=True,
    )
    served = start_imr_server(root / "data", corpus=corpus)
    try:
        yield served
    finally:
        stop_imr_server(served)


def test_stats_charts_render_on_screen_and_in_print(stats_server, page, artifacts_dir, console_errors):
    page.goto(stats_server.url("/search?q=guidelines"))
    page.get_by_role("link", name="Outcome statistics for this search").click()
    page.wait_for_url(re.compile(r"/stats\?"))
    for chart in ("year-rate", "ranked"):
        svg = page.locator(f'svg[data-chart="{chart}"]')
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 40
    # the year chart plots one point per year with decisions, the ranked chart one bar per group shown
    years = page.locator('svg[data-chart="year-rate"] circle')
    assert years.count() >= 2
    bars = page.locator('svg[data-chart="ranked"] rect')
    assert bars.count() == page.locator(".stats-table tbody tr").count() or bars.count() == 20
    page.screenshot(path=str(artifacts_dir / "stats-screen.png"), full_page=True)

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator('svg[data-chart="year-rate"]')).to_be_visible()
    expect(page.locator('svg[data-chart="ranked"]')).to_be_visible()
    assert page.locator('svg[data-chart="ranked"]').bounding_box()["width"] > 300
    page.screenshot(path=str(artifacts_dir / "stats-print.png"), full_page=True)
    page.pdf(path=str(artifacts_dir / "stats-print.pdf"))
    assert (artifacts_dir / "stats-print.pdf").stat().st_size > 1000
    assert console_errors == [], console_errors


def test_stats_page_works_without_javascript(stats_server, browser, artifacts_dir):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(stats_server.url("/stats?by=specialty"))
        expect(page.locator('svg[data-chart="ranked"] rect').first).to_be_visible()
        page.get_by_role("link", name="Year decided").click()
        page.wait_for_url(re.compile(r"by=decision_year"))
        expect(page.locator("#by-heading")).to_contain_text("year decided")
        page.screenshot(path=str(artifacts_dir / "stats-nojs.png"), full_page=True)
    finally:
        context.close()
