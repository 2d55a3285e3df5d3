"""End-to-end fixtures: a real `imr serve` subprocess and a real headless Chromium.

Reusable by every e2e test module:
- `imr_server`   (session) a running `imr serve` on a free port with its own temp data dir
                  (the sample corpus is indexed on start); `.url(path)` builds absolute URLs.
- `start_imr_server(data_dir, ...)` the same, for a test that needs its own server.
- `browser`      (session) Debian's Chromium driven by Playwright via `executable_path`.
- `page`         (function) a fresh browser context and page; console errors are collected
                  in `console_errors`.
- `artifacts_dir` where to save screenshots: `$IMR_TEST_ARTIFACTS/<test name>` when that
                  variable is set (CI uploads it), else the test's tmp_path.

The tests skip only when Chromium is absent and CI is not set; in CI they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 180.0  # seconds: the first start indexes the corpus


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `e2e` (so `-m "not e2e"` skips the browser runs)."""
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def chromium_or_skip() -> str:
    path = shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI: install Debian's `chromium` package.")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium); set CI=1 to make this a failure.")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def imr_command() -> list[str]:
    """The `imr` console script next to this Python, or the same entry point via -m."""
    script = Path(sys.executable).with_name("imr")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "imr_cli.main"]


@dataclass
class ServedApp:
    base_url: str
    port: int
    data_dir: Path
    index_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def start_imr_server(
    data_dir: Path,
    *,
    corpus: Path = CORPUS,
    engine: str = "tantivy",
    extra_args: list[str] | tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT,
) -> ServedApp:
    """Start `imr serve` and wait until it answers; fails the test with the server log if it cannot."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    index_dir = data_dir / "index"
    log_path = data_dir / "server.log"
    full_env = {**os.environ, "IMR_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("IMR_INDEX_DIR", None)
    cmd = [
        *imr_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--index",
        str(index_dir),
        "--corpus",
        str(corpus),
        "--engine",
        engine,
        "--data-dir",
        str(data_dir),
        *extra_args,
    ]
    log = log_path.open("wb")
    process = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    served = ServedApp(f"http://127.0.0.1:{port}", port, data_dir, index_dir, log_path, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"imr serve exited with {process.returncode}:\n{served.log()[-4000:]}")
        try:
            with urllib.request.urlopen(served.url("/api/search?per_page=1"), timeout=5) as response:
                if response.status == 200:
                    return served
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    stop_imr_server(served)
    pytest.fail(f"imr serve did not answer within {timeout:.0f}s:\n{served.log()[-4000:]}")


def stop_imr_server(served: ServedApp) -> None:
    if served.process.poll() is None:
        served.process.terminate()
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="session")
def imr_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[ServedApp]:
    served = start_imr_server(tmp_path_factory.mktemp("imr-serve"))
    try:
        yield served
    finally:
        stop_imr_server(served)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(browser, console_errors: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = os.environ.get("IMR_TEST_ARTIFACTS")
    if not root:
        return tmp_path
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
    folder = Path(root).resolve() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
