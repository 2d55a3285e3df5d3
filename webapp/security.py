"""Security headers on every response.

The CSP allows scripts and styles only from our own origin (no inline script,
no inline style attributes), no plugins, no framing: highlights and letter
text are untrusted input, and these headers are the second line of defence
behind escaping.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Search terms live in URLs; never send them to another site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def refuse_large_bodies() -> None:
    """A body over MAX_CONTENT_LENGTH is refused before anything reads it (a 413 with
    the limit): Werkzeug enforces the limit while reading JSON, but a form parser
    that meets it only drops the file and the view would report "no file chosen".
    A chunked body (no length) is cut off at the limit while being read."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        abort(413)


def init_app(app: Flask) -> None:
    app.before_request(refuse_large_bodies)
    app.after_request(add_security_headers)
