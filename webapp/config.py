"""Configuration from the environment, so one build runs anywhere.

Everything is read and validated here, once; a bad value stops the app at start
with a message naming the variable, instead of misbehaving later.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_SLOW_QUERY_MS = 1000
DEFAULT_MAX_BODY_MB = 32  # a full export of 20,000 bookmarks is about 25 MB


class ConfigError(ValueError):
    """An IMR_* setting that cannot be used; the message says which and why."""


def _secret_key(data_dir: Path) -> str:
    """Persist a random key in the data folder so sessions survive restarts without
    ever committing a secret. The file is created owner-only before the key is in
    it (O_EXCL, mode 0600): there is no moment when others could read it."""
    key_file = data_dir / "secret_key"
    try:
        return key_file.read_text().strip()
    except OSError:
        pass
    secret = secrets.token_hex(32)
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return key_file.read_text().strip() or secret
    except OSError:
        return secret
    with os.fdopen(fd, "w") as f:
        f.write(secret)
    return secret


def parse_networks(raw: str, name: str = "IMR_TRUSTED_PROXIES") -> tuple:
    """Comma- or space-separated addresses and networks (`10.0.0.1, 172.16.0.0/12`)."""
    out = []
    for item in raw.replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"{name}: {item!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(out)


def parse_hosts(raw: str) -> tuple[str, ...]:
    return tuple(h.strip().lower().rstrip(".") for h in raw.replace(",", " ").split() if h.strip())


def _positive_mb(raw: str, name: str) -> int:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of megabytes, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return int(value * 1024 * 1024)


def _milliseconds(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of milliseconds, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more")
    return value


def _secure_cookies(raw: str) -> bool | None:
    """`1`: always Secure; `0`: never; `auto` (default): Secure on HTTPS requests
    (direct, or through a trusted proxy that says X-Forwarded-Proto: https)."""
    raw = raw.strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("", "auto"):
        return None
    raise ConfigError(f"IMR_SECURE_COOKIES must be 1, 0 or auto, not {raw!r}")


def load_config() -> dict[str, Any]:
    env = os.environ
    data_dir = Path(env.get("IMR_DATA_DIR", "data")).resolve()
    secret = env.get("IMR_SECRET_KEY") or _secret_key(data_dir)
    secure = _secure_cookies(env.get("IMR_SECURE_COOKIES", "auto"))
    return {
        "SECRET_KEY": secret,
        "IMR_DATA_DIR": str(data_dir),
        "IMR_INDEX_DIR": env.get("IMR_INDEX_DIR", str(data_dir / "index")),
        "IMR_ENGINE": env.get("IMR_ENGINE", "tantivy"),
        "IMR_CORPUS": env.get("IMR_CORPUS", "corpus"),
        "IMR_DATABASE_URL": env.get("IMR_DATABASE_URL", f"sqlite:///{data_dir / 'imr.sqlite3'}"),
        "IMR_BIND_HOST": env.get("IMR_BIND_HOST", "127.0.0.1"),
        # proxies whose X-Forwarded-For/-Proto/-Host are believed (see webapp.proxy)
        "IMR_TRUSTED_PROXIES": parse_networks(env.get("IMR_TRUSTED_PROXIES", "")),
        # host names this site answers to; empty: any in sign-in mode, loopback names only
        # in single-user mode (which always refuses other names: DNS rebinding)
        "IMR_ALLOWED_HOSTS": parse_hosts(env.get("IMR_ALLOWED_HOSTS", "")),
        "IMR_SECURE_COOKIES": secure,
        # a search slower than this is logged as a warning, with its timing and request
        "IMR_SLOW_QUERY_MS": _milliseconds(
            env.get("IMR_SLOW_QUERY_MS", str(DEFAULT_SLOW_QUERY_MS)), "IMR_SLOW_QUERY_MS"
        ),
        "MAX_CONTENT_LENGTH": _positive_mb(env.get("IMR_MAX_BODY_MB", str(DEFAULT_MAX_BODY_MB)), "IMR_MAX_BODY_MB"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": bool(secure),
        "WTF_CSRF_TIME_LIMIT": None,
        # CSRF is checked by webapp.extensions, which skips requests that carry an API token
        "WTF_CSRF_CHECK_DEFAULT": False,
    }
