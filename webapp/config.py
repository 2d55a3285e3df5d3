"""Configuration from the environment, so one build runs anywhere."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def load_config() -> dict[str, Any]:
    data_dir = Path(os.environ.get("IMR_DATA_DIR", "data")).resolve()
    secret = os.environ.get("IMR_SECRET_KEY")
    if not secret:
        # Persist a random key in the data folder so sessions survive restarts
        # without ever committing a secret.
        key_file = data_dir / "secret_key"
        try:
            secret = key_file.read_text().strip()
        except OSError:
            secret = secrets.token_hex(32)
            try:
                data_dir.mkdir(parents=True, exist_ok=True)
                key_file.write_text(secret)
                key_file.chmod(0o600)
            except OSError:
                pass
    return {
        "SECRET_KEY": secret,
        "IMR_DATA_DIR": str(data_dir),
        "IMR_INDEX_DIR": os.environ.get("IMR_INDEX_DIR", str(data_dir / "index")),
        "IMR_ENGINE": os.environ.get("IMR_ENGINE", "tantivy"),
        "IMR_CORPUS": os.environ.get("IMR_CORPUS", "corpus"),
        "IMR_DATABASE_URL": os.environ.get("IMR_DATABASE_URL", f"sqlite:///{data_dir / 'imr.sqlite3'}"),
        "IMR_BIND_HOST": os.environ.get("IMR_BIND_HOST", "127.0.0.1"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("IMR_SECURE_COOKIES", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
    }
