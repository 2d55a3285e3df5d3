"""Sessions that end, hosts that are checked, a throttle that locks out only the
guesser, matters that stay unique under concurrent requests, ids never reused,
bounded request bodies, private responses never cached, private files."""

from __future__ import annotations

import io
import json
import os
import stat
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.bookmarks.conftest import add_user, login, make_app, save

PASSWORD = "correct horse battery"
NECK, ESI, ACU = "000_d9810e0ddbbc91c8-1", "004_0099b7c7dc1cafd7-1", "004_0099b7c7dc1cafd7-2"


@pytest.fixture
def accounts_app(app):
    add_user(app, "alice")
    add_user(app, "bob")
    return app


# --- 8. sign-out ends the session on the server --------------------------------------


def test_a_cookie_copied_before_sign_out_reads_nothing_after(accounts_app):
    client = accounts_app.test_client()
    assert login(client, "alice").status_code == 302
    save(client, NECK, note="privileged strategy")
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    thief = accounts_app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/api/bookmarks")
    assert response.status_code == 401
    assert b"privileged strategy" not in thief.get("/bookmarks", follow_redirects=True).data


def test_signing_out_one_browser_leaves_the_others_signed_in(accounts_app):
    laptop, phone = accounts_app.test_client(), accounts_app.test_client()
    login(laptop, "alice")
    login(phone, "alice")
    laptop.post("/logout")
    assert laptop.get("/api/bookmarks").status_code == 401
    assert phone.get("/api/bookmarks").status_code == 200


def test_a_new_password_ends_every_session(accounts_app):
    from webapp.auth.accounts import set_password
    from webapp.db import session_factory

    client = accounts_app.test_client()
    login(client, "alice")
    with session_factory(accounts_app)() as s:
        set_password(s, "alice", "another long password")
    assert client.get("/api/bookmarks").status_code == 401


# --- 9. Host checks (DNS rebinding) -------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "app.localhost"])
def test_single_user_mode_answers_to_loopback_names(client, host):
    assert client.get("/api/bookmarks", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "10.0.0.5"])
def test_single_user_mode_refuses_a_rebound_host(client, host):
    save(client, NECK, note="secret note")
    response = client.get("/api/bookmarks", headers={"Host": host})
    assert response.status_code == 400 and b"secret note" not in response.data
    assert "single-user mode" in response.get_json()["error"]
    page = client.get("/bookmarks", headers={"Host": host})
    assert page.status_code == 400 and b"secret note" not in page.data
    assert client.post("/api/matters", json={"name": "x"}, headers={"Host": host}).status_code == 400


def test_allowed_hosts_apply_in_sign_in_mode(db_url, tmp_path, service):
    app = make_app(db_url, tmp_path, service, IMR_ALLOWED_HOSTS="imr.example.com")
    add_user(app, "alice")
    client = app.test_client()
    assert client.get("/login", headers={"Host": "imr.example.com"}).status_code == 200
    assert client.get("/login", headers={"Host": "other.example"}).status_code == 400


# --- 10. the throttle --------------------------------------------------------------------


def test_guessing_one_account_does_not_lock_out_other_users_at_the_address(accounts_app):
    client = accounts_app.test_client()
    for _ in range(8):
        assert login(client, "alice", "wrong password!").status_code == 401
    assert login(client, "alice", PASSWORD).status_code == 429  # alice from here: throttled
    other = accounts_app.test_client()
    assert login(other, "bob", PASSWORD).status_code == 302  # bob, same address: fine


def test_a_locked_account_still_signs_in_from_another_address(accounts_app):
    client = accounts_app.test_client()
    for _ in range(9):
        login(client, "alice", "wrong password!")
    elsewhere = accounts_app.test_client()
    response = elsewhere.post(
        "/login", data={"username": "alice", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert response.status_code == 302


def test_an_address_guessing_many_accounts_is_throttled(accounts_app):
    client = accounts_app.test_client()
    for n in range(50):
        login(client, f"user{n}", "wrong password!")
    assert login(client, "bob", PASSWORD).status_code == 429


def test_the_throttle_uses_the_client_address_from_a_trusted_proxy(db_url, tmp_path, service):
    app = make_app(db_url, tmp_path, service, IMR_TRUSTED_PROXIES="127.0.0.1")
    add_user(app, "alice")
    client = app.test_client()
    for _ in range(8):
        client.post(
            "/login",
            data={"username": "alice", "password": "wrong password!"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
    blocked = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert blocked.status_code == 429
    ok = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, headers={"X-Forwarded-For": "198.51.100.20"}
    )
    assert ok.status_code == 302


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(accounts_app):
    client = accounts_app.test_client()
    for n in range(8):  # a guesser cannot dodge the limit by inventing addresses
        client.post(
            "/login",
            data={"username": "alice", "password": "wrong password!"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    blocked = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, headers={"X-Forwarded-For": "198.51.100.1"}
    )
    assert blocked.status_code == 429


# --- 11. concurrent matters (a real WSGI server, both databases) --------------------------


@pytest.fixture
def served(app):
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=16)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


def _post_json(url: str, data: dict) -> tuple[int, dict]:
    req = urllib.request.Request(
        url, data=json.dumps(data).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_creating_one_matter_concurrently_gives_one_matter(served, client):
    names = ["Race", "RACE", "race", "  Race "]
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda n: _post_json(f"{served}/api/matters", {"name": names[n % 4]}), range(240)))
    statuses = sorted({s for s, _ in results})
    assert statuses in ([200, 201], [201]), statuses
    assert [s for s, _ in results].count(201) == 1
    assert len({(body["id"], body["name"]) for _, body in results}) == 1
    (winner,) = {body["name"] for _, body in results}  # whichever request created it named it
    assert winner.lower() == "race"
    assert [m["name"] for m in client.get("/api/matters").get_json()["matters"]] == [winner]


def test_concurrent_bookmarks_naming_a_new_matter_share_it(served, client):
    passages = [NECK, ESI, ACU] * 20
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(
            pool.map(
                lambda p: _post_json(
                    f"{served}/api/bookmarks", {"passage_id": p[1], "matters": [["Smith", "SMITH"][p[0] % 2]]}
                ),
                enumerate(passages),
            )
        )
    assert all(s in (200, 201) for s, _ in results), [s for s, _ in results]
    matters = client.get("/api/matters").get_json()["matters"]
    assert [(m["name"].lower(), m["bookmarks"]) for m in matters] == [("smith", 3)]


def test_case_variants_made_before_the_upgrade_are_merged(db_url, tmp_path, service):
    """A database from the previous release may hold "Race" and "RACE": the
    migration keeps the oldest and moves the other's bookmarks into it."""
    import sqlalchemy as sa
    from alembic import command

    from webapp.db import get_engine
    from webapp.db.migrate import alembic_config

    engine = get_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, session_token, is_local, created_at) "
                "VALUES (1, '(local)', 't', true, CURRENT_TIMESTAMP)"
            )
        )
        for mid, name in ((1, "Race"), (2, "RACE")):
            conn.execute(
                sa.text("INSERT INTO matters (id, user_id, name, created_at) VALUES (:i, 1, :n, CURRENT_TIMESTAMP)"),
                {"i": mid, "n": name},
            )
        conn.execute(
            sa.text(
                "INSERT INTO bookmarks (id, user_id, passage_id, letter_id, ordinal, item, note, "
                "snapshot, created_at, updated_at) VALUES (1, 1, 'p', 'l', 1, 'i', 'kept', '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(sa.text("INSERT INTO bookmark_matters VALUES (1, 2)"))
        conn.execute(sa.text("INSERT INTO bookmark_citations VALUES (1, 'MTUS | ACOEM')"))
    app = make_app(db_url, tmp_path, service)
    matters = app.test_client().get("/api/matters").get_json()["matters"]
    assert [(m["id"], m["name"], m["bookmarks"]) for m in matters] == [(1, "Race", 1)]
    with engine.connect() as conn:  # the table rebuild kept the rows pointing at bookmarks
        assert conn.execute(sa.text("SELECT key FROM bookmark_citations")).scalars().all() == ["MTUS | ACOEM"]


# --- 12. ids are never reused -----------------------------------------------------------


def test_a_deleted_bookmarks_id_is_never_given_to_a_new_one(client):
    first = save(client, NECK)
    assert client.delete(first["url"]).status_code == 200
    second = save(client, ESI)
    assert second["id"] != first["id"]
    assert client.delete(first["url"]).status_code == 404  # the retried DELETE
    assert client.get(second["url"]).status_code == 200


def test_a_deleted_matters_id_is_never_given_to_a_new_one(client):
    first = client.post("/api/matters", json={"name": "One"}).get_json()
    client.delete(f"/api/matters/{first['id']}")
    second = client.post("/api/matters", json={"name": "Two"}).get_json()
    assert second["id"] != first["id"]
    assert client.delete(f"/api/matters/{first['id']}").status_code == 404


# --- 13. out-of-range ids and url_for's option names --------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/bookmarks?matter=99999999999999999999",
        "/bookmarks?matter=99999999999999999999",
        "/api/bookmarks?matter=2147483648",
        "/api/bookmarks/2147483648",
        "/api/bookmarks/99999999999999999999",
        "/api/matters/2147483648",
        "/bookmarks/2147483648",
        "/bookmarks/export.md?matter=99999999999999999999",
    ],
)
def test_out_of_range_ids_are_not_found_or_bad_requests(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)


@pytest.mark.parametrize(
    "query", ["_anchor=x", "_method=POST", "_external=1", "_scheme=javascript", "_anchor=x&_method=POST&_external=1"]
)
def test_parameters_named_like_url_for_options_are_harmless(client, query):
    for path in ("/bookmarks", "/api/bookmarks"):
        assert client.get(f"{path}?{query}").status_code == 200, (path, query)


def test_patching_an_out_of_range_matter_id_is_a_400(client):
    bm = save(client, NECK)
    response = client.patch(bm["url"], json={"matters": [2**40]})
    assert response.status_code == 400


# --- 14. request bodies are bounded -------------------------------------------------------


def test_an_oversized_body_gets_a_clear_413(db_url, tmp_path, service):
    app = make_app(db_url, tmp_path, service, MAX_CONTENT_LENGTH=1024 * 1024)
    client = app.test_client()
    body = json.dumps({"format": "imr-bookmarks", "bookmarks": [], "pad": "x" * (2 * 1024 * 1024)})
    response = client.post("/api/bookmarks/import", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "1 MB" in response.get_json()["error"]
    form = client.post("/bookmarks/import", data={"file": (io.BytesIO(bytes(2 * 1024 * 1024)), "big.json")})
    assert form.status_code == 413


def test_the_default_body_limit_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 32 * 1024 * 1024


# --- 15. caching, cookies, files ----------------------------------------------------------


def test_private_pages_are_not_stored_by_caches(client):
    save(client, NECK, note="n")
    for path in ("/bookmarks", "/api/bookmarks", "/api/matters", "/bookmarks/export.md"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path


def test_sign_in_pages_are_not_stored(accounts_app):
    client = accounts_app.test_client()
    assert client.get("/login").headers.get("Cache-Control") == "no-store"
    login(client, "alice")
    assert client.get("/api/bookmarks").headers.get("Cache-Control") == "no-store"


def test_the_cookie_is_secure_behind_an_https_proxy(db_url, tmp_path, service):
    app = make_app(db_url, tmp_path, service, IMR_TRUSTED_PROXIES="127.0.0.1", IMR_SECURE_COOKIES=None)
    add_user(app, "alice")
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "imr.example.com"},
        base_url="http://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    plain = app.test_client().get("/login")
    assert "Secure" not in plain.headers.get("Set-Cookie", "Secure-less")


def test_the_cookie_is_not_secure_when_a_stranger_claims_https(accounts_app):
    client = accounts_app.test_client()
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"}
    )
    assert "Secure" not in response.headers["Set-Cookie"]


def test_the_database_and_secret_key_are_private(tmp_path, service, monkeypatch):
    data = tmp_path / "fresh-data"
    monkeypatch.setenv("IMR_DATA_DIR", str(data))
    monkeypatch.delenv("IMR_SECRET_KEY", raising=False)
    monkeypatch.setenv("IMR_DATABASE_URL", f"sqlite:///{data / 'imr.sqlite3'}")
    old = os.umask(0o022)
    try:
        from webapp import create_app
        from webapp.db import dispose_engine

        app = create_app({"TESTING": True, "IMR_SEARCH_SERVICE": service})
        app.test_client().get("/api/bookmarks")
        dispose_engine(app.config["IMR_DATABASE_URL"])
    finally:
        os.umask(old)
    for name in ("imr.sqlite3", "secret_key"):
        mode = stat.S_IMODE((data / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_the_secret_key_is_never_written_readable(tmp_path, monkeypatch):
    """The file is created 0600 before the key is written (no window where it is 0644)."""
    import webapp.config as config

    seen = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *a, **k):
        if str(path).endswith("secret_key"):
            seen.append(mode)
        return real_open(path, flags, mode, *a, **k)

    monkeypatch.setattr(os, "open", spy)
    config._secret_key(tmp_path / "d")
    assert seen == [0o600]


def test_the_markdown_export_carries_no_markup_from_notes(client):
    import markdown

    note = (
        "**Strong** point. <script>alert(1)</script> <img src=x onerror=alert(2)>\n"
        "[click](javascript:alert(3)) [tab](java\tscript:alert(4)) [ent](&#106;avascript:alert(5)) "
        "[ok](https://www.dir.ca.gov/dwc/)\n\n[ref]: javascript:alert(6)\n\n`<b>literal code</b>`"
    )
    save(client, NECK, note=note)
    export = client.get("/bookmarks/export.md").get_data(as_text=True)
    html = markdown.markdown(export, extensions=["extra", "sane_lists"])
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace("#blocked", "")
    assert 'href="java' not in html and 'href="&amp;#106;' in html  # an entity spells nothing
    assert "<strong>Strong</strong>" in html and 'href="https://www.dir.ca.gov/dwc/"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the text is still there, as text
    assert "<code>&lt;b&gt;literal code&lt;/b&gt;</code>" in html
