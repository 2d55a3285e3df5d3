"""URL converters shared by every blueprint."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from webapp.db.models import ID_MAX


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id, 1 to ID_MAX. Any other number is a 404 at routing,
    before it can reach a database that cannot hold it (PostgreSQL ids are 32-bit)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=ID_MAX)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
