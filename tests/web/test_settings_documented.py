"""Every IMR_* setting the code reads is in the README's settings table, and a bad
value stops the app with a message naming the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Flask configuration keys that are not environment variables (a test injects a service)
CONFIG_ONLY = {"IMR_SEARCH_SERVICE"}


def _read_in_code() -> set[str]:
    names: set[str] = set()
    for folder in ("indexer", "webapp", "imr_cli"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"[\"'](IMR_[A-Z][A-Z0-9_]*[A-Z0-9])[\"']", path.read_text(encoding="utf-8")))
    return names - CONFIG_ONLY


def _documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(IMR_[A-Z0-9_]+)`", table))


def test_every_setting_the_code_reads_is_documented():
    read = _read_in_code()
    assert {"IMR_DATA_DIR", "IMR_DATABASE_URL", "IMR_OPENSEARCH_URL", "IMR_SLOW_QUERY_MS", "IMR_LOG_LEVEL"} <= read
    assert read - _documented() == set()


@pytest.mark.parametrize(
    "name, value", [("IMR_SLOW_QUERY_MS", "fast"), ("IMR_MAX_BODY_MB", "-1"), ("IMR_SECURE_COOKIES", "maybe")]
)
def test_a_bad_value_stops_the_app_naming_the_variable(monkeypatch, tmp_path, name, value):
    from webapp.config import ConfigError, load_config

    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config()


def test_a_bad_log_level_is_refused_naming_the_variable(monkeypatch):
    from imr_cli.main import log_level

    monkeypatch.setenv("IMR_LOG_LEVEL", "loud")
    with pytest.raises(SystemExit, match="IMR_LOG_LEVEL"):
        log_level(None)
    assert log_level("debug") == 10
