"""Every IMR_* setting: its name, default, meaning and how its value is checked.

All configuration comes from environment variables, so one build runs anywhere
(command-line flags, where there are any, set the same variables and win). This
module is the only one that reads them: the web app (`webapp.config`), the
OpenSearch engine (`indexer.index.opensearch_settings`), alerts and the command
line call `get(name)`, which returns the checked value or raises `SettingError`
naming the variable, so a bad value stops a command or the app at start instead
of misbehaving later. It sits below every other package (it imports none), so
each layer may read it. The README's settings table documents every name in
`SETTINGS` (tests/web/test_settings_documented.py checks it).

Two values are only checked in form here and parsed by their one user, which
names the variable in its errors too: `IMR_DATABASE_URL` (webapp.db: the URL
SQLAlchemy accepts) and `IMR_SMTP_URL` (webapp.saved.mail: server, login, sender).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
LOG_LEVELS = ("debug", "info", "warning", "error")


class SettingError(ValueError):
    """An IMR_* setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    """One environment variable. `parse` turns its text (stripped; the default when
    unset or empty) into the value, raising SettingError; `default` None means
    "not set" (get returns None without calling parse)."""

    name: str
    default: str | None
    help: str
    parse: Callable[[str, str], Any]
    secret: bool = False  # never shown (a password, the session key)


# ----------------------------------------------------------------- value kinds


def text(raw: str, name: str) -> str:
    return raw


def boolean(raw: str, name: str) -> bool:
    low = raw.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    raise SettingError(f"{name}={raw!r}: use true or false")


def whole(lo: int, hi: int) -> Callable[[str, str], int]:
    def parse(raw: str, name: str) -> int:
        try:
            n = int(raw)
        except ValueError:
            raise SettingError(f"{name}={raw!r} is not a whole number") from None
        if not lo <= n <= hi:
            raise SettingError(f"{name}={n} is out of range ({lo}-{hi})")
        return n

    return parse


def replicas(raw: str, name: str) -> int | None:
    """A number of replicas, or `auto` (None: 0 on one node, 1 on more)."""
    return None if raw.lower() == "auto" else whole(0, 16)(raw, name)


def milliseconds(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number of milliseconds, not {raw!r}") from None
    if not value >= 0:  # also refuses nan
        raise SettingError(f"{name} must be 0 or more")
    return value


def megabytes(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number of megabytes, not {raw!r}") from None
    if not value > 0:
        raise SettingError(f"{name} must be more than 0")
    return value


def tri_state(raw: str, name: str) -> bool | None:
    """`1`: on; `0`: off; `auto`: None (decided per request)."""
    low = raw.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    if low == "auto":
        return None
    raise SettingError(f"{name} must be 1, 0 or auto, not {low!r}")


def networks(raw: str, name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma- or space-separated addresses and networks (`10.0.0.1, 172.16.0.0/12`)."""
    out = []
    for item in raw.replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(
                f"{name}: {item!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(out)


def host_names(raw: str, name: str) -> tuple[str, ...]:
    """Comma- or space-separated host names, lowercased, without a trailing dot."""
    return tuple(h.strip().lower().rstrip(".") for h in raw.replace(",", " ").split() if h.strip())


def http_urls(raw: str, name: str) -> tuple[str, ...]:
    """Comma-separated host URLs (`https://search1:9200`), without a trailing slash."""
    hosts = tuple(h.strip().rstrip("/") for h in raw.split(",") if h.strip())
    for h in hosts:
        if not re.match(r"^https?://[^\s/]+$", h):
            raise SettingError(f"{name}: {h!r} is not a host URL like https://search1:9200")
    return hosts


def base_url(raw: str, name: str) -> str:
    """An address users open the app at; links are built on it, so it must be one."""
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", raw):
        raise SettingError(f"{name}={raw!r}: use the address users open the app at, like https://imr.example.com")
    return raw.rstrip("/")


def index_prefix(raw: str, name: str) -> str:
    prefix = raw.lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,100}", prefix):
        raise SettingError(f"{name} {prefix!r}: use lowercase letters, digits, '-', '_', '.'")
    return prefix


def choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(raw: str, name: str) -> str:
        low = raw.lower()
        if low not in allowed:
            raise SettingError(f"{name} must be one of {', '.join(allowed)}, not {low!r}")
        return low

    return parse


def engine_name(raw: str, name: str) -> str:
    """An engine's registry name (`indexer.index.engine` says which exist: this
    module sits below it); checked in form here, by the registry when opened."""
    low = raw.lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", low):
        raise SettingError(f"{name}={raw!r} is not an engine name (tantivy, whoosh, opensearch ...)")
    return low


# ----------------------------------------------------------------- the settings

DEFAULT_SLOW_QUERY_MS = 1000
DEFAULT_MAX_BODY_MB = 32  # a full export of 20,000 bookmarks is about 25 MB
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        # where things are
        Setting("IMR_DATA_DIR", "data", "the data folder: the secret-key file, the SQLite database, the index", text),
        Setting("IMR_INDEX_DIR", None, "the index folder of the embedded engines (default DATA_DIR/index)", text),
        Setting("IMR_ENGINE", "tantivy", "the search engine the app and `imr alerts` read", engine_name),
        Setting("IMR_CORPUS", "corpus", "the letters `imr serve` indexes when there is no index yet", text),
        Setting("IMR_DATABASE_URL", None, "bookmarks, accounts and saved searches (default SQLite in DATA_DIR)", text),
        # the web app
        Setting("IMR_BIND_HOST", "127.0.0.1", "the address the app serves on (`imr serve --host`)", text),
        Setting("IMR_SECRET_KEY", None, "signs sessions and CSRF tokens (default: kept in DATA_DIR)", text, True),
        Setting("IMR_SECURE_COOKIES", "auto", "1: cookies always Secure; 0: never; auto: on HTTPS", tri_state),
        Setting("IMR_TRUSTED_PROXIES", "", "reverse proxies whose X-Forwarded-* headers are believed", networks),
        Setting("IMR_ALLOWED_HOSTS", "", "host names the site answers to", host_names),
        Setting("IMR_MAX_BODY_MB", str(DEFAULT_MAX_BODY_MB), "the largest request body, in MB", megabytes),
        Setting("IMR_SLOW_QUERY_MS", str(DEFAULT_SLOW_QUERY_MS), "searches slower than this are logged", milliseconds),
        Setting("IMR_LOG_LEVEL", "warning", "what `imr` commands log to stderr", choice(*LOG_LEVELS)),
        # alerts
        Setting("IMR_BASE_URL", DEFAULT_BASE_URL, "where links in alert e-mails and feeds point", base_url),
        Setting("IMR_SMTP_URL", None, "the SMTP server alert digests are sent through", text, True),
        Setting("IMR_SMTP_FROM", None, "the digests' sender address (else from IMR_SMTP_URL)", text),
        # the OpenSearch engine
        Setting("IMR_OPENSEARCH_URL", None, "OpenSearch hosts, comma-separated", http_urls),
        Setting("IMR_OPENSEARCH_USER", None, "user for HTTP basic authentication", text),
        Setting("IMR_OPENSEARCH_PASSWORD", None, "its password", text, True),
        Setting("IMR_OPENSEARCH_VERIFY", "true", "verify TLS certificates", boolean),
        Setting("IMR_OPENSEARCH_CA_FILE", None, "CA bundle for TLS verification", text),
        Setting("IMR_OPENSEARCH_PREFIX", "imr", "index-name prefix on the cluster", index_prefix),
        Setting("IMR_OPENSEARCH_SHARDS", "1", "primary shards of a new generation", whole(1, 1024)),
        Setting("IMR_OPENSEARCH_REPLICAS", "auto", "replicas (auto: 0 on one node, 1 on more)", replicas),
        Setting("IMR_OPENSEARCH_TIMEOUT", "30", "seconds per request", whole(1, 3600)),
        Setting("IMR_OPENSEARCH_RETRIES", "3", "retries of a failed request on another node", whole(0, 20)),
        Setting("IMR_OPENSEARCH_BULK_STREAMS", "2", "parallel bulk streams while indexing", whole(1, 64)),
        Setting("IMR_OPENSEARCH_BULK_DOCS", "500", "documents per bulk request", whole(1, 100_000)),
    )
}


def get(name: str, env: Mapping[str, str] | None = None) -> Any:
    """The checked value of setting `name` from `env` (default: the process
    environment); unset or blank reads as the default. Raises SettingError."""
    setting = SETTINGS[name]  # a KeyError here is a bug: every setting is declared above
    raw = (os.environ if env is None else env).get(name, "").strip() or setting.default
    if raw is None:
        return None
    return setting.parse(raw, name)


def is_set(name: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether `name` has a non-blank value (without checking it)."""
    SETTINGS[name]  # noqa: B018 (only declared settings may be asked about)
    return bool((os.environ if env is None else env).get(name, "").strip())
