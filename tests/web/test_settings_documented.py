"""IMR_* settings: `indexer.settings` is the one module that reads them, every one
it declares is in the README's settings table, and a bad value stops a command or
the app with a message naming the variable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from indexer import settings
from indexer.settings import SETTINGS, SettingError

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = ROOT / "indexer" / "settings.py"
# Flask configuration keys that are not environment variables (a test injects a service)
CONFIG_ONLY = {"IMR_SEARCH_SERVICE"}


def _code_files() -> list[Path]:
    return [p for folder in ("indexer", "webapp", "imr_cli") for p in sorted((ROOT / folder).rglob("*.py"))]


def _documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(IMR_[A-Z0-9_]+)`", table))


def test_every_setting_is_documented():
    assert len(SETTINGS) >= 28
    assert set(SETTINGS) - _documented() == set()


def test_every_imr_name_in_the_code_is_a_declared_setting():
    """A variable read anywhere (even through a constant) must be declared, hence documented."""
    named: dict[str, str] = {}
    for path in _code_files():
        for name in re.findall(r"[\"'](IMR_[A-Z][A-Z0-9_]*[A-Z0-9])[\"']", path.read_text(encoding="utf-8")):
            named.setdefault(name, str(path.relative_to(ROOT)))
    expected = {"IMR_DATA_DIR", "IMR_DATABASE_URL", "IMR_OPENSEARCH_URL", "IMR_SLOW_QUERY_MS", "IMR_LOG_LEVEL"}
    assert expected <= set(named)  # the scan finds the names where they are
    unknown = {name: where for name, where in named.items() if name not in SETTINGS and name not in CONFIG_ONLY}
    assert unknown == {}


def _environment_reads(path: Path) -> list[str]:
    """Where a file reads the process environment: any use of `os.environ` or
    `os.getenv` except setting a variable (`os.environ[name] = value`: the command
    line's flags set the variables they stand for), and `from os import environ`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    written = {
        id(target.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Subscript)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and ast.unparse(node) in ("os.environ", "os.getenv"):
            if id(node) not in written:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            if {a.name for a in node.names} & {"environ", "getenv", "getenvb", "environb"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_settings_module_reads_the_environment():
    reads = [r for path in _code_files() if path != SETTINGS_MODULE for r in _environment_reads(path)]
    assert reads == []
    assert _environment_reads(SETTINGS_MODULE)  # the check finds reads where there are some


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_default_is_a_valid_value(name):
    settings.get(name, {})  # a default the settings' own check refuses would stop every start


BAD_VALUES = [
    ("IMR_ENGINE", "two words"),
    ("IMR_SECURE_COOKIES", "maybe"),
    ("IMR_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
    ("IMR_MAX_BODY_MB", "-1"),
    ("IMR_MAX_BODY_MB", "lots"),
    ("IMR_SLOW_QUERY_MS", "fast"),
    ("IMR_SLOW_QUERY_MS", "nan"),
    ("IMR_LOG_LEVEL", "loud"),
    ("IMR_BASE_URL", "imr.example.com"),
    ("IMR_OPENSEARCH_URL", "search1:9200"),
    ("IMR_OPENSEARCH_VERIFY", "maybe"),
    ("IMR_OPENSEARCH_PREFIX", "My Firm"),
    ("IMR_OPENSEARCH_SHARDS", "0"),
    ("IMR_OPENSEARCH_REPLICAS", "many"),
    ("IMR_OPENSEARCH_TIMEOUT", "30s"),
    ("IMR_OPENSEARCH_RETRIES", "-1"),
    ("IMR_OPENSEARCH_BULK_STREAMS", "1000"),
    ("IMR_OPENSEARCH_BULK_DOCS", "0"),
]


@pytest.mark.parametrize("name, value", BAD_VALUES)
def test_a_bad_value_is_refused_naming_the_variable(name, value):
    with pytest.raises(SettingError, match=name):
        settings.get(name, {name: value})


def test_values_are_read_as_their_kinds():
    env = {
        "IMR_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        "IMR_ALLOWED_HOSTS": "IMR.example.com. other.example.com",
        "IMR_SECURE_COOKIES": " 0 ",
        "IMR_MAX_BODY_MB": "0.5",
        "IMR_BASE_URL": "https://imr.example.com/",
        "IMR_ENGINE": "OpenSearch",
        "IMR_OPENSEARCH_REPLICAS": "AUTO",
    }
    assert [str(n) for n in settings.get("IMR_TRUSTED_PROXIES", env)] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert settings.get("IMR_ALLOWED_HOSTS", env) == ("imr.example.com", "other.example.com")
    assert settings.get("IMR_SECURE_COOKIES", env) is False
    assert settings.get("IMR_SECURE_COOKIES", {}) is None  # auto
    assert settings.get("IMR_MAX_BODY_MB", env) == 0.5
    assert settings.get("IMR_BASE_URL", env) == "https://imr.example.com"
    assert settings.get("IMR_ENGINE", env) == "opensearch"
    assert settings.get("IMR_OPENSEARCH_REPLICAS", env) is None
    assert settings.get("IMR_SMTP_URL", {"IMR_SMTP_URL": "  "}) is None  # blank is unset


@pytest.mark.parametrize(
    "name, value", [("IMR_SLOW_QUERY_MS", "fast"), ("IMR_MAX_BODY_MB", "-1"), ("IMR_SECURE_COOKIES", "maybe")]
)
def test_a_bad_value_stops_the_app_naming_the_variable(monkeypatch, tmp_path, name, value):
    from webapp.config import ConfigError, load_config

    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config()


def test_a_bad_value_stops_a_command_with_a_message_not_a_traceback(monkeypatch, tmp_path):
    from imr_cli.main import main

    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IMR_SECURE_COOKIES", "maybe")
    with pytest.raises(SystemExit, match="^imr: IMR_SECURE_COOKIES must be 1, 0 or auto"):
        main(["user", "list"])


def test_a_bad_log_level_is_refused_naming_the_variable(monkeypatch):
    from imr_cli.main import log_level

    monkeypatch.setenv("IMR_LOG_LEVEL", "loud")
    with pytest.raises(SystemExit, match="IMR_LOG_LEVEL"):
        log_level(None)
    assert log_level("debug") == 10
