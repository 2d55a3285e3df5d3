"""The OpenAPI 3.1 description of the JSON API, served at `/api/openapi.json`.

Written by hand next to the views it describes, and checked both ways by the
tests: every `/api` route in the app must appear here (tests/web/test_api_fuzz.py
fails otherwise), and a property-based fuzz test drives every operation from this
description against a real server. Whoever adds an endpoint adds it here.
"""

from __future__ import annotations

from typing import Any

from indexer.query.tree import SCOPES
from indexer.query.types import FACETS, GROUP_FACET, GROUPS, SORTS
from indexer.stats.outcomes import available_by
from webapp.bookmarks.store import MAX_PAGE as BOOKMARK_MAX_PAGE
from webapp.bookmarks.store import MAX_PER_PAGE as BOOKMARK_MAX_PER_PAGE
from webapp.bookmarks.store import SORTS as BOOKMARK_SORTS
from webapp.db.models import ID_MAX, MATTER_NAME_MAX, NOTE_MAX
from webapp.search.state import DATE_PARAMS, MAX_PAGE, MAX_PER_PAGE

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, schema: dict, description: str, explode: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    if explode:
        param.update(style="form", explode=True)
    return param


def _path(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


# what "the similar set" and its split are, for both similar-rationale operations
SIMILAR_SET = (
    "The similar set is the `limit` (default 20) decided rationales that score best on the text's "
    "distinctive terms (BM25 over the rationale field; equal scores in a fixed order, so a smaller "
    "limit gives a prefix of a larger one), never the passage itself. `split` counts the decisions "
    "of exactly those hits: it is the outcome of the closest precedents, not of every passage that "
    "shares a term with the text (the `query` link searches those)."
)


def _ok(description: str, schema: dict | None = None, code: str = "200") -> dict:
    return {code: {"description": description, "content": {JSON: {"schema": schema or {"type": "object"}}}}}


def _errors(*codes: int) -> dict:
    words = {
        400: "Bad input (the message says which and why)",
        401: "Sign in or send an API token",
        404: "No such thing (or it belongs to another user)",
        413: "Request body too large",
        503: "The search index is not built yet",
    }
    return {str(c): {"description": words[c], "content": {JSON: {"schema": _ref("Error")}}} for c in codes}


def _body(schema: dict, description: str) -> dict:
    return {"required": True, "description": description, "content": {JSON: {"schema": schema}}}


ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
SEARCH_PARAMS = [
    _query("q", {"type": "string"}, "Query in the query language (see the README); empty browses everything"),
    *[
        _query(
            f,
            {"type": "array", "items": {"type": "string", "maxLength": 500}},
            f"Filter on the {f} facet (repeat for several values: any of them)",
            explode=True,
        )
        for f in FACETS
    ],
    *[
        _query(
            d,
            {"type": "string", "format": "date"},
            f"{d.replace('_', ' ').capitalize()}: a date (YYYY-MM-DD) or a year",
        )
        for d in DATE_PARAMS
    ],
    _query(
        "scope",
        {"type": "string", "enum": list(SCOPES)},
        "passage (default): words match the passage's own text; letter: also its letter's case summary",
    ),
    _query("group", {"type": "string", "enum": list(GROUPS)}, "passage (default), or letter: a page of letters"),
    _query(
        GROUP_FACET,
        {"type": "array", "items": {"type": "string", "maxLength": 500}},
        "Only the near-identical rationales of these groups (a hit's `group`)",
        explode=True,
    ),
    _query(
        "dups",
        {"type": "string", "enum": ["group", "all"]},
        "group (default): near-identical rationales folded under the first hit; all: each on its own",
    ),
    _query("sort", {"type": "string", "enum": list(SORTS)}, "Order of the results"),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "1-based page number"),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Results per page"),
]
PAGING = SEARCH_PARAMS[-3:]
BOOKMARK_FILTERS = [
    _query("matter", ID, "Only bookmarks filed under this matter id"),
    _query("decision", {"type": "string", "enum": ["Upheld", "Overturned", "none"]}, "Only this decision"),
    _query("citation", {"type": "string"}, "A citation key, or a prefix of one (source | chapter)"),
    _query("q", {"type": "string"}, "Text in the notes"),
    _query("sort", {"type": "string", "enum": list(BOOKMARK_SORTS)}, "Order"),
    _query("page", {"type": "integer", "minimum": 1, "maximum": BOOKMARK_MAX_PAGE}, "1-based page number"),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": BOOKMARK_MAX_PER_PAGE}, "Bookmarks per page"),
]
MATTER_REFS = {
    "type": "array",
    "items": {"oneOf": [ID, {"type": "string", "maxLength": MATTER_NAME_MAX}]},
    "description": "Matters by id, or by name (created if new)",
}


SAVED_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "q": {"type": "string", "maxLength": 5000},
    "filters": {
        "type": "object",
        "description": "{facet: [values]}",
        "additionalProperties": {"type": "array", "items": {"type": "string", "maxLength": 500}},
    },
    "dates": {
        "type": "object",
        "description": "{decided_from, decided_to, injured_from, injured_to}",
        "additionalProperties": {"type": "string"},
    },
    "scope": {"type": "string", "enum": ["passage", "letter"]},
    "sort": {"type": "string", "enum": list(SORTS)},
    "alert": {"type": "string", "enum": ["off", "instant", "daily", "weekly"]},
}


def _saved_paths() -> dict[str, Any]:
    """Saved searches, search history and the account's e-mail (webapp/saved/api.py)."""
    saved_id = _path("saved_id", ID, "A saved search id")
    one = {**_ok("The saved search, with new_count"), **_errors(401, 404)}
    return {
        "/api/saved": {
            "get": {
                "summary": "Your saved searches, each with new_count",
                "operationId": "listSaved",
                "responses": {**_ok("Saved searches"), **_errors(401)},
            },
            "post": {
                "summary": "Save a search",
                "operationId": "createSaved",
                "requestBody": _body(
                    {"type": "object", "additionalProperties": False, "required": ["name"], "properties": SAVED_FIELDS},
                    "The search and its alert",
                ),
                "responses": {**_ok("Created", None, "201"), **_errors(400, 401, 413)},
            },
        },
        "/api/saved/{saved_id}": {
            "get": {
                "summary": "One saved search",
                "operationId": "getSaved",
                "parameters": [saved_id],
                "responses": one,
            },
            "patch": {
                "summary": "Rename it, change the search or its alert",
                "operationId": "updateSaved",
                "parameters": [saved_id],
                "requestBody": _body(
                    {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": SAVED_FIELDS},
                    "What to change",
                ),
                "responses": {**one, **_errors(400, 401, 404, 413)},
            },
            "delete": {
                "summary": "Delete it",
                "operationId": "deleteSaved",
                "parameters": [saved_id],
                "responses": {**_ok("{deleted: id}"), **_errors(401, 404)},
            },
        },
        "/api/saved/{saved_id}/new": {
            "get": {
                "summary": "The passages found since you last looked (all=1: every one found)",
                "operationId": "savedNew",
                "parameters": [saved_id, _query("all", {"type": "string", "enum": ["0", "1"]}, "Every result found")],
                "responses": one,
            }
        },
        "/api/saved/{saved_id}/seen": {
            "post": {
                "summary": "Mark its new results as looked at",
                "operationId": "savedSeen",
                "parameters": [saved_id],
                "responses": one,
            }
        },
        "/api/saved/{saved_id}/feed": {
            "post": {
                "summary": "A new private Atom feed address (the old one stops working)",
                "operationId": "savedFeedOn",
                "parameters": [saved_id],
                "responses": one,
            },
            "delete": {
                "summary": "Turn its feed off",
                "operationId": "savedFeedOff",
                "parameters": [saved_id],
                "responses": one,
            },
        },
        "/api/history": {
            "get": {
                "summary": "Your last 100 searches",
                "operationId": "history",
                "responses": {**_ok("Searches, newest first"), **_errors(401)},
            },
            "delete": {
                "summary": "Clear your search history",
                "operationId": "clearHistory",
                "responses": {**_ok("{cleared: n}"), **_errors(401)},
            },
        },
        "/api/account": {
            "get": {
                "summary": "Your user name and alert e-mail address",
                "operationId": "account",
                "responses": {**_ok("{username, email}"), **_errors(401)},
            },
            "patch": {
                "summary": "Set (or, with null, clear) the address alerts are e-mailed to",
                "operationId": "updateAccount",
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["email"],
                        "properties": {"email": {"type": ["string", "null"], "maxLength": 320}},
                    },
                    "The address",
                ),
                "responses": {**_ok("{username, email}"), **_errors(400, 401, 413)},
            },
        },
    }


def spec() -> dict[str, Any]:
    bookmark_id = _path("bookmark_id", ID, "A bookmark id")
    matter_id = _path("matter_id", ID, "A matter id")
    paths: dict[str, Any] = {
        "/api": {
            "get": {
                "summary": "What the API offers",
                "operationId": "index",
                "responses": _ok("Endpoints and search parameters"),
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This description",
                "operationId": "openapi",
                "security": [],
                "responses": _ok("OpenAPI 3.1 document"),
            }
        },
        "/api/search": {
            "get": {
                "summary": "Search passages (the JSON twin of /search)",
                "operationId": "search",
                "parameters": SEARCH_PARAMS,
                "responses": {
                    **_ok("Hits, total, facets and how the query was read", _ref("SearchResponse")),
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/syntax": {
            "get": {
                "summary": "The query language: every operator with an example",
                "operationId": "syntax",
                "responses": {**_ok("Operators"), **_errors(401)},
            }
        },
        "/api/letters/{letter_id}": {
            "get": {
                "summary": "One letter, parsed, with its passages",
                "operationId": "letter",
                "parameters": [_path("letter_id", {"type": "string"}, "A letter id (its IMR case number)")],
                "responses": {**_ok("The letter"), **_errors(401, 404, 503)},
            }
        },
        "/api/citations": {
            "get": {
                "summary": "The guideline citator: every cited guideline with counts",
                "operationId": "citations",
                "parameters": [_query("filter", {"type": "string"}, "Words the citation must contain")],
                "responses": {**_ok("Citations by source and chapter"), **_errors(401, 503)},
            }
        },
        "/api/stats": {
            "get": {
                "summary": "Outcome statistics of a search: overall and by one facet, with Wilson 95% intervals",
                "operationId": "stats",
                "parameters": [
                    *SEARCH_PARAMS,
                    _query(
                        "by",
                        {"type": "string", "enum": list(available_by())},
                        "The facet to split by (default treatment)",
                    ),
                ],
                "responses": {**_ok("overall, by, groups and published baselines"), **_errors(400, 401, 503)},
            }
        },
        "/api/passages/{passage_id}/similar": {
            "get": {
                "summary": "Passages whose rationale says the same things as this one's (never itself)",
                "description": SIMILAR_SET,
                "operationId": "passage_similar",
                "parameters": [
                    _path("passage_id", {"type": "string"}, "A passage id"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 50}, "How many (default 20)"),
                ],
                "responses": {
                    **_ok("hits (as in /api/search) and the split of those hits' decisions"),
                    **_errors(401, 404, 503),
                },
            }
        },
        "/api/similar": {
            "post": {
                "summary": "Similar decided rationales and a cite-check for a pasted denial; nothing is stored",
                "description": SIMILAR_SET,
                "operationId": "similar",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["text"],
                        "properties": {
                            "text": {"type": "string", "minLength": 1, "maxLength": 20000},
                            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
                        },
                    },
                    "The text to compare",
                ),
                "responses": {**_ok("hits, split and citations"), **_errors(400, 401, 413, 503)},
            }
        },
        "/api/citations/{key}": {
            "get": {
                "summary": "One guideline: its outcomes and the passages citing it",
                "operationId": "citation",
                "parameters": [_path("key", {"type": "string"}, "A citation key: SOURCE | CHAPTER | TOPIC"), *PAGING],
                "responses": {**_ok("The citation's detail"), **_errors(400, 401, 404, 503)},
            }
        },
        "/api/bookmarks": {
            "get": {
                "summary": "Your bookmarks, filtered and paged",
                "operationId": "listBookmarks",
                "parameters": BOOKMARK_FILTERS,
                "responses": {**_ok("Bookmarks, total, matters and filter options"), **_errors(400, 401)},
            },
            "post": {
                "summary": "Bookmark a passage (saving it again adds the note and matters)",
                "operationId": "createBookmark",
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["passage_id"],
                        "properties": {
                            "passage_id": {"type": "string"},
                            "note": {"type": "string", "maxLength": NOTE_MAX},
                            "matters": MATTER_REFS,
                        },
                    },
                    "The passage and your note",
                ),
                "responses": {
                    **_ok("Created", _ref("Bookmark"), "201"),
                    **_ok("Already saved", _ref("Bookmark")),
                    **_errors(400, 401, 413),
                },
            },
        },
        "/api/bookmarks/{bookmark_id}": {
            "get": {
                "summary": "One bookmark",
                "operationId": "getBookmark",
                "parameters": [bookmark_id],
                "responses": {**_ok("The bookmark", _ref("Bookmark")), **_errors(401, 404)},
            },
            "patch": {
                "summary": "Change its note and/or matters",
                "operationId": "updateBookmark",
                "parameters": [bookmark_id],
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {"note": {"type": "string", "maxLength": NOTE_MAX}, "matters": MATTER_REFS},
                    },
                    "What to change",
                ),
                "responses": {**_ok("The bookmark", _ref("Bookmark")), **_errors(400, 401, 404, 413)},
            },
            "delete": {
                "summary": "Delete it",
                "operationId": "deleteBookmark",
                "parameters": [bookmark_id],
                "responses": {**_ok("{deleted: id}"), **_errors(401, 404)},
            },
        },
        "/api/bookmarks/import": {
            "post": {
                "summary": "Import a JSON export (all or nothing; saved passages are merged)",
                "operationId": "importBookmarks",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["bookmarks"],
                        "properties": {
                            "format": {"const": "imr-bookmarks"},
                            "version": {"type": "integer"},
                            "matters": {"type": "array"},
                            "bookmarks": {"type": "array", "items": {"type": "object"}},
                        },
                    },
                    "A file from /bookmarks/export.json",
                ),
                "responses": {**_ok("{created, merged, matters_created}"), **_errors(400, 401, 413)},
            }
        },
        "/api/matters": {
            "get": {
                "summary": "Your matters with bookmark counts",
                "operationId": "listMatters",
                "responses": {**_ok("Matters"), **_errors(401)},
            },
            "post": {
                "summary": "Create a matter (one that exists, in any case, is returned instead)",
                "operationId": "createMatter",
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {"name": {"type": "string", "maxLength": MATTER_NAME_MAX}},
                    },
                    "Its name",
                ),
                "responses": {
                    **_ok("Created", _ref("Matter"), "201"),
                    **_ok("Already exists: that matter", _ref("Matter")),
                    **_errors(400, 401),
                },
            },
        },
        "/api/matters/{matter_id}": {
            "get": {
                "summary": "One matter",
                "operationId": "getMatter",
                "parameters": [matter_id],
                "responses": {**_ok("The matter", _ref("Matter")), **_errors(401, 404)},
            },
            "patch": {
                "summary": "Rename it",
                "operationId": "renameMatter",
                "parameters": [matter_id],
                "requestBody": _body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {"name": {"type": "string", "maxLength": MATTER_NAME_MAX}},
                    },
                    "The new name",
                ),
                "responses": {**_ok("The matter", _ref("Matter")), **_errors(400, 401, 404)},
            },
            "delete": {
                "summary": "Delete it (its bookmarks stay)",
                "operationId": "deleteMatter",
                "parameters": [matter_id],
                "responses": {**_ok("{deleted: id}"), **_errors(401, 404)},
            },
        },
        **_saved_paths(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IMR Precedent Search API",
            "version": "1",
            "description": "Search California IMR determination letters by rationale, and keep bookmarks. "
            "Errors are JSON {error, status}. Once accounts exist, send a personal token "
            "(`imr token create USER`) as `Authorization: Bearer <token>`; a browser session "
            "works too, with the page's CSRF token in `X-CSRFToken` for changes.",
        },
        "paths": paths,
        "security": [{"bearerToken": []}, {"browserSession": []}],
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token from `imr token create USER`",
                },
                "browserSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The signed-in browser's cookie (changes also need X-CSRFToken)",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "status"],
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                },
                "SearchResponse": {
                    "type": "object",
                    "required": ["hits", "total"],
                    "properties": {
                        "hits": {"type": "array", "items": {"type": "object"}},
                        "total": {"type": "integer"},
                        "facets": {"type": "object"},
                    },
                },
                "Bookmark": {
                    "type": "object",
                    "required": ["id", "passage_id"],
                    "properties": {
                        "id": {"type": "integer"},
                        "passage_id": {"type": "string"},
                        "note": {"type": "string"},
                        "matters": {"type": "array"},
                    },
                },
                "Matter": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
            },
        },
    }
