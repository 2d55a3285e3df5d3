"""Accounts: when sign-in is required, sign in/out, and that each user sees
and touches only their own bookmarks and matters (others' ids are 404)."""

from __future__ import annotations

import pytest

from tests.bookmarks.conftest import add_user, login, make_app, save
from webapp.auth.policy import is_loopback

NECK = "000_d9810e0ddbbc91c8-1"
ESI = "004_0099b7c7dc1cafd7-1"


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("example.org")


def test_single_user_mode_needs_no_login(client):
    assert client.get("/bookmarks").status_code == 200
    assert save(client, NECK)["id"]
    assert client.get("/login").status_code == 302  # nothing to sign in to


def test_bound_to_a_network_address_requires_login(db_url, tmp_path, service, monkeypatch):
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    app = make_app(db_url, tmp_path, service, IMR_BIND_HOST="0.0.0.0")
    client = app.test_client()
    resp = client.get("/bookmarks")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=/bookmarks")
    api = client.get("/api/bookmarks")
    assert api.status_code == 401 and api.get_json()["error"] == "sign in required"
    assert client.post("/api/bookmarks", json={"passage_id": NECK}).status_code == 401
    assert client.get("/login").status_code == 200
    # with no account at all nobody can sign in
    assert login(client, "anyone").status_code == 401


def test_a_user_account_turns_on_login(app):
    add_user(app, "alice")
    client = app.test_client()
    assert client.get("/bookmarks").status_code == 302
    assert client.get("/api/bookmarks").status_code == 401
    wrong = login(client, "alice", "wrong password")
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.get_data(as_text=True)
    resp = login(client, "alice")
    assert resp.status_code == 302
    page = client.get("/bookmarks")
    assert page.status_code == 200 and "Signed in as" in page.get_data(as_text=True)
    assert save(client, NECK)["id"]


def test_login_next_is_kept_and_safe(app):
    add_user(app, "alice")
    client = app.test_client()
    resp = client.post(
        "/login", data={"username": "alice", "password": "correct horse battery", "next": "/bookmarks?sort=letter"}
    )
    assert resp.headers["Location"] == "/bookmarks?sort=letter"
    client.post("/logout")
    resp = client.post(
        "/login", data={"username": "alice", "password": "correct horse battery", "next": "https://evil.example/"}
    )
    assert resp.headers["Location"] == "/"


def test_logout(app):
    add_user(app, "alice")
    client = app.test_client()
    login(client, "alice")
    assert client.get("/api/bookmarks").status_code == 200
    resp = client.post("/logout")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert client.get("/api/bookmarks").status_code == 401


def test_password_change_signs_out_existing_sessions(app):
    from webapp.auth.accounts import set_password
    from webapp.db import session_factory

    add_user(app, "alice")
    client = app.test_client()
    login(client, "alice")
    assert client.get("/api/bookmarks").status_code == 200
    with session_factory(app)() as s:
        set_password(s, "alice", "a brand new password")
    assert client.get("/api/bookmarks").status_code == 401
    assert login(client, "alice", "a brand new password").status_code == 302


def test_users_see_only_their_own_data(app):
    add_user(app, "alice")
    add_user(app, "bob")
    alice, bob = app.test_client(), app.test_client()
    login(alice, "alice")
    login(bob, "bob")

    a_bm = save(alice, NECK, note="alice's secret strategy", matters=["Alice matter"])
    a_matter = a_bm["matters"][0]["id"]
    b_bm = save(bob, ESI, note="bob's note")

    # listings are separate
    assert [b["id"] for b in bob.get("/api/bookmarks").get_json()["bookmarks"]] == [b_bm["id"]]
    assert bob.get("/api/matters").get_json()["matters"] == []
    assert "alice&#39;s secret" not in bob.get("/bookmarks").get_data(as_text=True)
    assert "alice's secret" not in bob.get("/bookmarks/export.md").get_data(as_text=True)

    # bob cannot read, change or delete alice's bookmark or matter by id: 404, like a missing id
    url = f"/api/bookmarks/{a_bm['id']}"
    assert bob.get(url).status_code == 404
    assert bob.patch(url, json={"note": "pwned"}).status_code == 404
    assert bob.delete(url).status_code == 404
    assert bob.get(f"/bookmarks/{a_bm['id']}").status_code == 404
    assert bob.post(f"/bookmarks/{a_bm['id']}", data={"note": "pwned"}).status_code == 404
    assert bob.post(f"/bookmarks/{a_bm['id']}/delete").status_code == 404
    assert bob.get(f"/api/matters/{a_matter}").status_code == 404
    assert bob.patch(f"/api/matters/{a_matter}", json={"name": "mine"}).status_code == 404
    assert bob.delete(f"/api/matters/{a_matter}").status_code == 404
    assert bob.post(f"/matters/{a_matter}/rename", data={"name": "mine"}).status_code == 404
    assert bob.post(f"/matters/{a_matter}/delete").status_code == 404
    # nor file his bookmark under her matter
    assert bob.patch(f"/api/bookmarks/{b_bm['id']}", json={"matters": [a_matter]}).status_code == 400
    # nor un-bookmark her passage
    bob.post("/bookmarks/unsave", data={"passage_id": NECK})

    same = alice.get(url).get_json()
    assert same["note"] == "alice's secret strategy"
    assert same["matters"] == [{"id": a_matter, "name": "Alice matter"}]
    # both may bookmark the same passage independently
    assert save(bob, NECK)["id"] != a_bm["id"]


def test_first_account_adopts_single_user_bookmarks(app, client):
    bm = save(client, NECK, note="made before accounts existed")
    add_user(app, "alice")
    other = app.test_client()
    login(other, "alice")
    got = other.get(f"/api/bookmarks/{bm['id']}")
    assert got.status_code == 200 and got.get_json()["note"] == "made before accounts existed"


@pytest.mark.parametrize("name", ["", "a b", "(local)", "x" * 65, "-dash"])
def test_bad_user_names_are_refused(app, name):
    from webapp.auth.accounts import AccountError

    with pytest.raises(AccountError):
        add_user(app, name)


def test_passwords_are_stored_hashed(app):
    from sqlalchemy import select

    from webapp.db import session_factory
    from webapp.db.models import User

    add_user(app, "alice", "correct horse battery")
    with session_factory(app)() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "alice"))
    assert "correct horse battery" not in stored
    assert stored.startswith("scrypt:")


def test_repeated_wrong_passwords_are_throttled(app):
    from webapp.auth.throttle import MAX_FAILURES

    add_user(app, "alice")
    client = app.test_client()
    for _ in range(MAX_FAILURES):
        assert login(client, "alice", "guess").status_code == 401
    blocked = login(client, "alice")  # even the right password waits now
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.get_data(as_text=True)
    assert client.get("/api/bookmarks").status_code == 401


def test_login_page_explains_when_no_account_exists(db_url, tmp_path, service, monkeypatch):
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    app = make_app(db_url, tmp_path, service, IMR_BIND_HOST="0.0.0.0")
    text = app.test_client().get("/login").get_data(as_text=True)
    assert "No accounts exist yet" in text and "imr user add NAME" in text
