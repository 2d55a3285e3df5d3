"""When the app needs a login.

Single-user mode (no login) is allowed only when the server listens on a
loopback address and no account exists: then only this machine can reach it.
Bound anywhere else, or as soon as an account exists, every request needs a
signed-in user.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, g

from webapp.auth.accounts import has_real_users
from webapp.db import get_session


def is_loopback(host: str) -> bool:
    host = (host or "").strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_required_now(app: Flask) -> bool:
    """Computed once per request (one indexed query)."""
    cached = g.get("_imr_login_required")
    if cached is None:
        cached = not is_loopback(app.config.get("IMR_BIND_HOST", "127.0.0.1")) or has_real_users(get_session())
        g._imr_login_required = cached
    return cached
