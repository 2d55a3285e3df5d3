"""When the app needs a login.

Single-user mode (no login) is allowed only when the server listens on a
loopback address and no account exists: then only this machine can reach it.
Bound anywhere else, or as soon as an account exists, every request needs a
signed-in user.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, current_app, g, request

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


def is_loopback_name(host: str) -> bool:
    """localhost, *.localhost (RFC 6761: always this machine) or a loopback address."""
    host = (host or "").strip().lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost") or is_loopback(host)


def request_host_name() -> str:
    """The Host header without its port ([::1]:8000 -> ::1)."""
    host = (request.host or "").strip().lower()
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def check_host():
    """Before every request: refuse a Host this site is not.

    In single-user mode nothing else stands between a web page and the notes: a
    malicious site can point its own name at 127.0.0.1 (DNS rebinding) and its
    scripts then talk to this server as same-origin. Such requests carry the
    attacker's name in Host, so only loopback names are accepted there. In sign-in
    mode, IMR_ALLOWED_HOSTS (if set) lists the names served."""
    host = request_host_name()
    allowed = current_app.config.get("IMR_ALLOWED_HOSTS") or ()
    if isinstance(allowed, str):
        from webapp.config import parse_hosts

        allowed = parse_hosts(allowed)
    if not login_required_now(current_app):
        ok = is_loopback_name(host) or host in allowed
        why = (
            "this server runs in single-user mode and answers only to this machine's names "
            "(localhost, 127.0.0.1, [::1])"
        )
    else:
        ok = not allowed or host in allowed
        why = "it is not in IMR_ALLOWED_HOSTS"
    if ok:
        return None
    from webapp.errors.handlers import render_error

    return render_error(400, f"The host name “{host[:100]}” is not served here: {why}.")


def login_required_now(app: Flask) -> bool:
    """Computed once per request (one indexed query)."""
    cached = g.get("_imr_login_required")
    if cached is None:
        cached = not is_loopback(app.config.get("IMR_BIND_HOST", "127.0.0.1")) or has_real_users(get_session())
        g._imr_login_required = cached
    return cached
