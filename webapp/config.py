"""The web app's configuration: the IMR_* settings (read and checked by
`indexer.settings`, the one module that reads the environment) as Flask config.

Everything is read here, once, when the app is created: a bad value stops the
app at start with a message naming the variable, instead of misbehaving later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from indexer import settings

# An IMR_* setting that cannot be used; the message says which and why.
ConfigError = settings.SettingError


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
    """Comma- or space-separated addresses and networks (`10.0.0.1, 172.16.0.0/12`):
    for a test that configures the app with text instead of the environment."""
    return settings.networks(raw, name)


def parse_hosts(raw: str) -> tuple[str, ...]:
    return settings.host_names(raw, "IMR_ALLOWED_HOSTS")


def load_config() -> dict[str, Any]:
    get = settings.get
    data_dir = Path(get("IMR_DATA_DIR")).resolve()
    secret = get("IMR_SECRET_KEY") or _secret_key(data_dir)
    secure = get("IMR_SECURE_COOKIES")
    return {
        "SECRET_KEY": secret,
        "IMR_DATA_DIR": str(data_dir),
        "IMR_INDEX_DIR": get("IMR_INDEX_DIR") or str(data_dir / "index"),
        "IMR_ENGINE": get("IMR_ENGINE"),
        "IMR_CORPUS": get("IMR_CORPUS"),
        "IMR_DATABASE_URL": get("IMR_DATABASE_URL") or f"sqlite:///{data_dir / 'imr.sqlite3'}",
        "IMR_BIND_HOST": get("IMR_BIND_HOST"),
        # proxies whose X-Forwarded-For/-Proto/-Host are believed (see webapp.proxy)
        "IMR_TRUSTED_PROXIES": get("IMR_TRUSTED_PROXIES"),
        # host names this site answers to; empty: any in sign-in mode, loopback names only
        # in single-user mode (which always refuses other names: DNS rebinding)
        "IMR_ALLOWED_HOSTS": get("IMR_ALLOWED_HOSTS"),
        "IMR_SECURE_COOKIES": secure,
        # a search slower than this is logged as a warning, with its timing and request
        "IMR_SLOW_QUERY_MS": get("IMR_SLOW_QUERY_MS"),
        "MAX_CONTENT_LENGTH": int(get("IMR_MAX_BODY_MB") * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": bool(secure),
        "WTF_CSRF_TIME_LIMIT": None,
        # CSRF is checked by webapp.extensions, which skips requests that carry an API token
        "WTF_CSRF_CHECK_DEFAULT": False,
    }
