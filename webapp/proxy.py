"""Running behind a reverse proxy, and cookies that follow the scheme.

A proxy in front of the app (nginx, Caddy, a load balancer) makes every request
come from the proxy's address over plain HTTP. `X-Forwarded-For`, `-Proto` and
`-Host` carry the real client, scheme and host name, but anyone can send those
headers, so they are believed only from the addresses in `IMR_TRUSTED_PROXIES`.
The client is the right-most address in `X-Forwarded-For` that is not itself a
trusted proxy (each proxy appends the address it saw; the left part is whatever
the client claimed). With no trusted proxies nothing is rewritten.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


def _address(value: str):
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _last(header: str) -> str:
    return header.split(",")[-1].strip()


class TrustedProxies:
    """WSGI middleware: rewrite REMOTE_ADDR, scheme and host from a trusted proxy's headers."""

    def __init__(self, app: Callable, networks: Iterable[Any]):
        self.app = app
        self.networks = tuple(networks)

    def trusted(self, addr) -> bool:
        return addr is not None and any(addr in net for net in self.networks)

    def __call__(self, environ: dict, start_response: Callable):
        if self.networks and self.trusted(_address(environ.get("REMOTE_ADDR", ""))):
            self.rewrite(environ)
        return self.app(environ, start_response)

    def rewrite(self, environ: dict) -> None:
        forwarded = [a for a in (environ.get("HTTP_X_FORWARDED_FOR") or "").split(",") if a.strip()]
        client = None
        for raw in reversed(forwarded):
            addr = _address(raw)
            if addr is None:
                break  # garbage: believe nothing further left
            client = addr
            if not self.trusted(addr):
                break
        if client is not None:
            environ["REMOTE_ADDR"] = str(client)
        proto = _last(environ.get("HTTP_X_FORWARDED_PROTO") or "").lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
        host = _last(environ.get("HTTP_X_FORWARDED_HOST") or "")
        if host:
            environ["HTTP_HOST"] = host


class SchemeAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie gets the Secure flag on every HTTPS request (unless
    IMR_SECURE_COOKIES=0), so a site served over HTTPS never lets its cookie
    travel over plain HTTP, without having to remember a setting."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config.get("IMR_SECURE_COOKIES")
        if setting is not None:
            return bool(setting)
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def init_app(app: Flask) -> None:
    app.session_interface = SchemeAwareSessionInterface()
    networks = app.config.get("IMR_TRUSTED_PROXIES") or ()
    if isinstance(networks, str):
        from webapp.config import parse_networks

        networks = parse_networks(networks)
    if networks:
        # Flask's documented way to add WSGI middleware; mypy sees a method replaced
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)  # type: ignore[method-assign]
