"""Personal API tokens: `imr token create USER`, sent as `Authorization: Bearer`,
revocable, stored hashed; the JSON API then works without cookie or CSRF token."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from imr_cli.main import main
from tests.bookmarks.conftest import add_user, make_app

NECK = "000_d9810e0ddbbc91c8-1"


def _token(capsys, db_url: str, user: str, *extra: str) -> str:
    assert main(["token", "--database-url", db_url, "create", user, *extra]) == 0
    return capsys.readouterr().out.strip()


def test_a_token_works_the_api_without_cookie_or_csrf(db_url, tmp_path, service, capsys):
    app = make_app(db_url, tmp_path, service, WTF_CSRF_ENABLED=True)
    add_user(app, "alice")
    token = _token(capsys, db_url, "alice", "--name", "brief builder")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/bookmarks").status_code == 401
    created = client.post("/api/bookmarks", json={"passage_id": NECK, "note": "from a script"}, headers=auth)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert client.get("/api/bookmarks", headers=auth).get_json()["total"] == 1
    assert "Set-Cookie" not in created.headers  # a token request makes no browser session
    # without the token, the same write still needs the CSRF token
    assert client.post("/api/matters", json={"name": "x"}).status_code in (400, 401)


def test_tokens_are_stored_hashed_listed_and_revocable(db_url, tmp_path, service, capsys):
    app = make_app(db_url, tmp_path, service)
    add_user(app, "alice")
    token = _token(capsys, db_url, "alice", "--name", "laptop")
    from webapp.db import get_engine

    with get_engine(db_url).connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()] and token not in stored
    assert main(["token", "--database-url", db_url, "list", "alice"]) == 0
    listing = capsys.readouterr().out
    assert "laptop" in listing and token not in listing
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/matters", headers=auth).status_code == 200
    token_id = listing.split()[0]
    assert main(["token", "--database-url", db_url, "revoke", "alice", token_id]) == 0
    revoked = client.get("/api/matters", headers=auth)
    assert revoked.status_code == 401 and "invalid or revoked" in revoked.get_json()["error"]


def test_a_token_sees_only_its_users_data(db_url, tmp_path, service, capsys):
    app = make_app(db_url, tmp_path, service)
    add_user(app, "alice")
    add_user(app, "bob")
    alice, bob = _token(capsys, db_url, "alice"), _token(capsys, db_url, "bob")
    client = app.test_client()
    saved = client.post(
        "/api/bookmarks", json={"passage_id": NECK, "note": "alice's"}, headers={"Authorization": f"Bearer {alice}"}
    ).get_json()
    as_bob = {"Authorization": f"Bearer {bob}"}
    assert client.get(f"/api/bookmarks/{saved['id']}", headers=as_bob).status_code == 404
    assert client.get("/api/bookmarks", headers=as_bob).get_json()["total"] == 0


def test_a_bad_token_is_refused_even_with_a_good_cookie(db_url, tmp_path, service, capsys):
    from tests.bookmarks.conftest import login

    app = make_app(db_url, tmp_path, service)
    add_user(app, "alice")
    client = app.test_client()
    login(client, "alice")
    assert client.get("/api/bookmarks").status_code == 200
    for bad in ("imr_nonsense", "", "x" * 5000):
        response = client.get("/api/bookmarks", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad[:20]


def test_removing_the_user_ends_their_tokens(db_url, tmp_path, service, capsys):
    from webapp.auth.accounts import remove_user
    from webapp.db import session_factory

    app = make_app(db_url, tmp_path, service)
    add_user(app, "alice")
    add_user(app, "bob")
    token = _token(capsys, db_url, "alice")
    with session_factory(app)() as s:
        remove_user(s, "alice")
    assert app.test_client().get("/api/matters", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_for_an_unknown_user_says_so(db_url, capsys):
    assert main(["token", "--database-url", db_url, "create", "nobody"]) == 1
    assert "no user named 'nobody'" in capsys.readouterr().err
