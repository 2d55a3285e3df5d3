"""Regenerate the README screenshot(s) from a real `imr serve` on the sample corpus.

    .venv/bin/python docs/screenshots.py            # writes docs/screenshot-search.png

Uses Debian's Chromium through Playwright (no browser download), like the e2e tests.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERY = "ODG Neck Facet joint diagnostic blocks"
CITATION = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, start_imr_server, stop_imr_server

    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="imr-shot-") as tmp:
        served = start_imr_server(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
                page.goto(served.url("/search?" + urlencode({"q": QUERY, "citation": CITATION})))
                page.wait_for_selector("article.hit")
                out = ROOT / "docs" / "screenshot-search.png"
                page.screenshot(path=str(out))
                print(f"wrote {out.relative_to(ROOT)}")
                browser.close()
        finally:
            stop_imr_server(served)
    return 0


if __name__ == "__main__":
    sys.exit(main())
