"""Property-based fuzzing of the whole JSON API, over a real WSGI server (waitress).

Every operation of /api/openapi.json gets generated requests: values from its
parameter and body schemas mixed with hostile ones (huge and negative ids, control
characters, url_for option names, markup, malformed JSON, wrong or missing tokens).
Whatever comes in: never a 5xx, never a response slower than 2 s, always a JSON
answer. And the description must cover every /api route the app serves, so an
endpoint added without describing it fails here.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.api.openapi import spec

SPEC = spec()
OPERATIONS = sorted((path, method) for path, item in SPEC["paths"].items() for method in item)
EXAMPLES_PER_OPERATION = 25  # x 18 operations: over 400 requests per run
MAX_SECONDS = 2.0
NECK = "000_d9810e0ddbbc91c8-1"

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "\r\nX-Injected: 1",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "%",
    "{}",
    "[]",
    "null",
    "é" * 300,
    "\u202e",
    "a" * 5000,
    '"unbalanced',
    "(facet AND",
    "*",
    'citation:"ODG |',
    "ODG | Neck and Upper Back | Facet joint diagnostic blocks",
    "-1",
    "1e309",
    "NaN",
]
HOSTILE_INTS = [0, -1, 2**31 - 1, 2**31, 2**63, 10**20, -(2**63)]
EXTRA_PARAMS = ["_anchor", "_method", "_external", "_scheme", "page", "per_page", "q", "matter", "zzz"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: <id:bookmark_id> -> {bookmark_id}."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_api_route_is_described(app):
    """An /api route missing from /api/openapi.json fails here: add it to webapp/api/openapi.py."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule == "/api" or rule.rule.startswith("/api/")):
            continue
        path = openapi_path(rule.rule)
        if path.endswith("/") and path.rstrip("/") in SPEC["paths"]:
            path = path.rstrip("/")  # /api/ is /api
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in SPEC["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == [], f"routes missing from /api/openapi.json: {missing}"
    assert len(OPERATIONS) >= 18


def test_the_description_is_served(app):
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.get_json() == json.loads(json.dumps(SPEC))


# --- generating requests from the description ------------------------------------------


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def from_schema(schema: dict, ids: list[int]) -> st.SearchStrategy:
    schema = _resolve(schema)
    if "const" in schema:
        return st.just(schema["const"]) | TEXT
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.sampled_from(HOSTILE_STRINGS)
    if "oneOf" in schema:
        return st.one_of([from_schema(s, ids) for s in schema["oneOf"]])
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(low, high) | st.sampled_from(HOSTILE_INTS) | (st.sampled_from(ids) if ids else st.nothing())
    if kind == "string":
        return st.text(
            alphabet=st.characters(blacklist_categories=("Cs",)), max_size=schema.get("maxLength", 80)
        ) | st.sampled_from(HOSTILE_STRINGS)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), ids), max_size=4)
    if kind == "object" and "properties" in schema:
        props = {k: from_schema(v, ids) for k, v in schema["properties"].items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: v for k, v in props.items() if k in required},
            optional={k: v for k, v in props.items() if k not in required},
        )
    return JSON_VALUES


def request_strategy(path: str, method: str, ids: list[int]) -> st.SearchStrategy:
    op = SPEC["paths"][path][method]
    params = op.get("parameters", [])

    @st.composite
    def build(draw):
        url = path
        for p in (p for p in params if p["in"] == "path"):
            value = draw(from_schema(p["schema"], ids) | st.sampled_from(HOSTILE_STRINGS[:12]))
            url = url.replace("{" + p["name"] + "}", quote(str(value), safe="") or "x")
        query = []
        for p in (p for p in params if p["in"] == "query"):
            if draw(st.booleans()):
                value = draw(from_schema(p["schema"], ids))
                for v in value if isinstance(value, list) else [value]:
                    query.append((p["name"], "" if v is None else str(v)))
        for name in draw(st.lists(st.sampled_from(EXTRA_PARAMS), max_size=2)):
            query.append((name, draw(st.sampled_from(HOSTILE_STRINGS))))
        if query:
            url += "?" + urlencode(query)
        body = None
        if "requestBody" in op:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            choice = draw(st.sampled_from(["schema", "schema", "schema", "json", "garbage", "none"]))
            if choice == "schema":
                body = json.dumps(draw(from_schema(schema, ids))).encode()
            elif choice == "json":
                body = json.dumps(draw(JSON_VALUES)).encode()
            elif choice == "garbage":
                body = draw(st.binary(max_size=200))
        auth = draw(st.sampled_from(["token", "token", "token", "none", "bad"]))
        return method.upper(), url, body, auth

    return build()


# --- a real server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory, index_dir, search_service):
    import waitress

    from webapp import create_app
    from webapp.auth.accounts import create_user
    from webapp.auth.sessions import create_token
    from webapp.db import session_factory

    data = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        {
            "TESTING": False,
            "IMR_INDEX_DIR": str(index_dir),
            "IMR_SEARCH_SERVICE": search_service,
            "IMR_DATABASE_URL": f"sqlite:///{data / 'fuzz.sqlite3'}",
        }
    )
    with session_factory(app)() as s:
        user, _ = create_user(s, "fuzzer", "a long enough password")
        _, token = create_token(s, user, "fuzz")
    srv = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    port = srv.effective_port
    ids = []
    for name in ("Smith v. ABC", "Jones"):
        status, body, _ = send(port, token, "POST", "/api/matters", json.dumps({"name": name}).encode(), "token")
        ids.append(body["id"])
    status, body, _ = send(
        port, token, "POST", "/api/bookmarks", json.dumps({"passage_id": NECK, "matters": ids[:1]}).encode(), "token"
    )
    if status in (200, 201):
        ids.append(body["id"])
    yield port, token, ids
    srv.close()
    thread.join(timeout=10)


def send(port: int, token: str, method: str, url: str, body: bytes | None, auth: str):
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if auth == "token":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "bad":
        headers["Authorization"] = "Bearer imr_not-a-token"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        started = time.monotonic()
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        elapsed = time.monotonic() - started
    finally:
        conn.close()
    assert elapsed < MAX_SECONDS, f"{method} {url[:200]} took {elapsed:.2f}s"
    assert response.status < 500, f"{method} {url[:200]} -> {response.status}: {raw[:300]!r}"
    assert response.getheader("Content-Type", "").startswith("application/json"), (method, url[:200])
    data = json.loads(raw)
    if response.status >= 400:
        assert isinstance(data.get("error"), str) and data.get("status") == response.status
    return response.status, data, elapsed


@pytest.mark.parametrize("path,method", OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_fuzz_every_operation(server, path, method):
    port, token, ids = server

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )
    @given(request=request_strategy(path, method, ids))
    def check(request):
        send(port, token, *request[:3], request[3])

    check()
