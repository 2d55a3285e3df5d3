"""With CSRF protection on, every state-changing saved-search, history and
account request without the page's token is refused and changes nothing."""

from __future__ import annotations

from tests.bookmarks.conftest import csrf_token_from, make_app


def test_state_changes_need_the_token(db_url, tmp_path, corpus, monkeypatch):
    from tests.saved.conftest import real_letters

    corpus.add(real_letters()[:5])
    corpus.reindex()
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path / "data"))
    app = make_app(
        db_url, tmp_path, None, IMR_INDEX_DIR=str(corpus.index), IMR_SEARCH_SERVICE=None, WTF_CSRF_ENABLED=True
    )
    client = app.test_client()
    token = csrf_token_from(client, "/saved")
    saved = client.post("/api/saved", json={"name": "x", "q": "knee"}, headers={"X-CSRFToken": token}).get_json()
    attempts = [
        client.post("/api/saved", json={"name": "y"}),
        client.patch(f"/api/saved/{saved['id']}", json={"name": "z"}),
        client.delete(f"/api/saved/{saved['id']}"),
        client.post(f"/api/saved/{saved['id']}/feed"),
        client.delete("/api/history"),
        client.patch("/api/account", json={"email": "a@b.example"}),
        client.post("/saved", data={"name": "y", "q": "knee"}),
        client.post("/saved/quick", data={"facet": "treatment", "value": "Acupuncture"}),
        client.post(f"/saved/{saved['id']}/rename", data={"name": "z"}),
        client.post(f"/saved/{saved['id']}/alert", data={"alert": "daily"}),
        client.post(f"/saved/{saved['id']}/delete"),
        client.post(f"/saved/{saved['id']}/feed"),
        client.post("/history/clear"),
        client.post("/account/email", data={"email": "a@b.example"}),
    ]
    assert [r.status_code for r in attempts] == [400] * len(attempts)
    (row,) = client.get("/api/saved").get_json()["saved"]
    assert (row["name"], row["alert"], row["feed_url"]) == ("x", "off", None)
    assert client.get("/api/account").get_json()["email"] is None
