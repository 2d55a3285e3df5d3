"""Error handlers for the whole app (not a blueprint: they cover every route)."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.service import IndexUnavailable

TITLES = {
    400: "That request could not be understood",
    403: "Not allowed",
    404: "Not found",
    405: "That method is not allowed here",
    413: "That request is too large",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "Search is not available yet",
}

MESSAGES = {
    404: "There is no page at this address.",
    400: "The request was not in a form this site understands.",
}

HINTS = {
    404: "Check the address, or search for the letter or guideline you were looking for.",
    400: "Check the address or the values you entered and try again.",
    500: "The problem has been logged. Try again, or go back to the search.",
    503: "The search index is not ready. Once it is built, reload this page.",
}


def wants_json() -> bool:
    return (
        request.path == "/api"
        or request.path.startswith("/api/")
        or (request.accept_mimetypes.best == "application/json")
    )


def render_error(status: int, message: str):
    title = TITLES.get(status, "Error")
    if wants_json():
        response = jsonify({"error": message or title, "status": status})
        response.status_code = status
        return response
    return make_response(
        render_template("errors/error.html", status=status, title=title, message=message, hint=HINTS.get(status, "")),
        status,
    )


def handle_http(exc: HTTPException):
    status = exc.code or 500
    description = exc.description or ""
    if description == type(exc).description:  # Werkzeug's generic wording: say it plainly
        description = MESSAGES.get(status, description)
    if status == 405:
        description = f"{request.method} is not supported at this address."
    if status == 413:
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        description = (
            f"The request body is larger than this server accepts ({limit / 1048576:g} MB; "
            "IMR_MAX_BODY_MB sets it). Split an import into smaller files."
        )
    if status >= 500 and isinstance(exc, InternalServerError) and exc.original_exception is not None:
        return handle_unexpected(exc.original_exception)
    response = render_error(status, description)
    valid_methods = getattr(exc, "valid_methods", None)
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def handle_index_unavailable(exc: IndexUnavailable):
    return render_error(503, str(exc))


def handle_unexpected(exc: BaseException):
    from flask import current_app

    if isinstance(exc, HTTPException):
        return handle_http(exc)
    current_app.logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return render_error(500, "An unexpected error stopped this page from loading.")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(IndexUnavailable, handle_index_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
