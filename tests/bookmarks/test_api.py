"""The JSON API: every bookmark and matter action, validation and 404s."""

from __future__ import annotations

from tests.bookmarks.conftest import save

NECK = "000_d9810e0ddbbc91c8-1"
ESI = "004_0099b7c7dc1cafd7-1"
ACU = "004_0099b7c7dc1cafd7-2"


def test_create_get_list_bookmark(client):
    resp = client.post(
        "/api/bookmarks", json={"passage_id": NECK, "note": "Use for *Smith*", "matters": ["Smith v. ABC Corp"]}
    )
    assert resp.status_code == 201
    created = resp.get_json()
    assert resp.headers["Location"] == f"/api/bookmarks/{created['id']}"
    assert created["item"].startswith("Bilateral cervical medial branch blocks")
    assert created["decision"] == "Upheld"
    assert created["citations"] == [
        "ODG | Neck and Upper Back | Facet joint diagnostic blocks",
        "MTUS | ACOEM Chapter 8",
    ]
    assert created["note_html"] == "<p>Use for <em>Smith</em></p>"
    assert [m["name"] for m in created["matters"]] == ["Smith v. ABC Corp"]
    assert created["snapshot"]["letter"]["case_number"] == "CM15-0101111"
    assert created["in_index"] is True

    got = client.get(created["url"]).get_json()
    assert got["id"] == created["id"] and got["note"] == "Use for *Smith*"

    listing = client.get("/api/bookmarks").get_json()
    assert listing["total"] == 1
    assert [b["passage_id"] for b in listing["bookmarks"]] == [NECK]
    assert listing["matters"][0]["name"] == "Smith v. ABC Corp" and listing["matters"][0]["bookmarks"] == 1


def test_saving_twice_returns_the_same_bookmark_and_keeps_both_notes(client):
    first = save(client, NECK, note="first thought")
    resp = client.post("/api/bookmarks", json={"passage_id": NECK, "note": "second thought"})
    assert resp.status_code == 200
    again = resp.get_json()
    assert again["id"] == first["id"]
    assert "first thought" in again["note"] and "second thought" in again["note"]
    assert client.get("/api/bookmarks").get_json()["total"] == 1


def test_patch_note_and_matters(client):
    bm = save(client, NECK)
    m1 = client.post("/api/matters", json={"name": "Alpha"}).get_json()
    resp = client.patch(bm["url"], json={"note": "## Heading\n\n- point", "matters": [m1["id"], "Beta"]})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["note"] == "## Heading\n\n- point"
    assert "<h2>Heading</h2>" in body["note_html"] and "<li>point</li>" in body["note_html"]
    assert sorted(m["name"] for m in body["matters"]) == ["Alpha", "Beta"]
    # replacing the matters with none
    body = client.patch(bm["url"], json={"matters": []}).get_json()
    assert body["matters"] == [] and body["note"] == "## Heading\n\n- point"


def test_delete_bookmark(client):
    bm = save(client, NECK)
    assert client.delete(bm["url"]).status_code == 200
    assert client.get(bm["url"]).status_code == 404
    assert client.get("/api/bookmarks").get_json()["total"] == 0
    assert client.delete(bm["url"]).status_code == 404


def test_validation_errors_are_400_json(client):
    cases = [
        client.post("/api/bookmarks", data="not json", content_type="text/plain"),
        client.post("/api/bookmarks", json=["a list"]),
        client.post("/api/bookmarks", json={}),
        client.post("/api/bookmarks", json={"passage_id": "no-such-passage"}),
        client.post("/api/bookmarks", json={"passage_id": NECK, "colour": "red"}),
        client.post("/api/bookmarks", json={"passage_id": NECK, "matters": "Alpha"}),
        client.post("/api/bookmarks", json={"passage_id": NECK, "matters": [99999]}),
        client.post("/api/bookmarks", json={"passage_id": NECK, "note": 12}),
        client.post("/api/bookmarks", json={"passage_id": NECK, "note": "x" * 60_000}),
        client.post("/api/matters", json={"name": "   "}),
        client.post("/api/matters", json={"name": "x" * 201}),
        client.get("/api/bookmarks?sort=sideways"),
        client.get("/api/bookmarks?decision=maybe"),
        client.get("/api/bookmarks?page=0"),
    ]
    for resp in cases:
        assert resp.status_code == 400, resp.get_data(as_text=True)
        body = resp.get_json()
        assert body["status"] == 400 and body["error"], body
    assert client.get("/api/bookmarks").get_json()["total"] == 0  # nothing half-saved


def test_unknown_ids_are_404_json(client):
    for method, url in [
        ("get", "/api/bookmarks/12345"),
        ("patch", "/api/bookmarks/12345"),
        ("delete", "/api/bookmarks/12345"),
        ("get", "/api/matters/777"),
        ("patch", "/api/matters/777"),
        ("delete", "/api/matters/777"),
    ]:
        kwargs = {"json": {"note": "x", "name": "y"}} if method == "patch" else {}
        resp = getattr(client, method)(url, **kwargs)
        assert resp.status_code == 404, url
        assert resp.get_json()["status"] == 404


def test_matters_crud(client):
    resp = client.post("/api/matters", json={"name": "  Smith   v. ABC Corp "})
    assert resp.status_code == 201
    m = resp.get_json()
    assert m["name"] == "Smith v. ABC Corp"
    dup = client.post("/api/matters", json={"name": "smith v. abc corp"})
    assert dup.status_code == 200 and dup.get_json() == m  # the existing matter, not a second one
    other = client.post("/api/matters", json={"name": "Jones"}).get_json()
    clash = client.patch(f"/api/matters/{other['id']}", json={"name": "Smith v. ABC Corp"})
    assert clash.status_code == 400
    renamed = client.patch(f"/api/matters/{m['id']}", json={"name": "Smith v. ABC Corporation"}).get_json()
    assert renamed["name"] == "Smith v. ABC Corporation"
    names = [x["name"] for x in client.get("/api/matters").get_json()["matters"]]
    assert names == ["Jones", "Smith v. ABC Corporation"]

    bm = save(client, NECK, matters=[m["id"]])
    assert client.get(f"/api/matters/{m['id']}").get_json()["bookmarks"] == 1
    assert client.delete(f"/api/matters/{m['id']}").status_code == 200
    # the bookmark stays, without the matter
    kept = client.get(bm["url"]).get_json()
    assert kept["matters"] == []
    assert [x["name"] for x in client.get("/api/matters").get_json()["matters"]] == ["Jones"]


def test_filters_and_sorts(client):
    neck = save(client, NECK, note="facet blocks need non-radicular pain", matters=["Smith"])
    esi = save(client, ESI, note="ESI overturned with imaging", matters=["Jones"])
    acu = save(client, ACU, note="No functional improvement", matters=["Smith"])
    matters = {m["name"]: m["id"] for m in client.get("/api/matters").get_json()["matters"]}

    def ids(query: str) -> list[int]:
        resp = client.get("/api/bookmarks" + query)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return [b["id"] for b in resp.get_json()["bookmarks"]]

    assert ids(f"?matter={matters['Smith']}") == [acu["id"], neck["id"]]
    assert ids("?decision=overturned") == [esi["id"]]
    assert ids("?decision=Upheld&sort=oldest") == [neck["id"], acu["id"]]
    assert ids("?citation=ODG | Neck and Upper Back | Facet joint diagnostic blocks") == [neck["id"]]
    # a chapter matches every topic under it
    assert ids("?citation=ODG | Neck and Upper Back") == [neck["id"]]
    assert ids("?citation=MTUS&sort=letter") == [neck["id"], esi["id"], acu["id"]]
    assert ids("?q=IMAGING") == [esi["id"]]
    assert ids("?q=100%25") == []  # LIKE wildcards are literal
    assert ids("?sort=saved") == [acu["id"], esi["id"], neck["id"]]
    assert ids("?sort=letter") == [neck["id"], esi["id"], acu["id"]]
    assert ids(f"?matter={matters['Smith']}&q=functional") == [acu["id"]]
    page = client.get("/api/bookmarks?per_page=2&page=2").get_json()
    assert page["total"] == 3 and page["pages"] == 2 and len(page["bookmarks"]) == 1
    facets = client.get("/api/bookmarks").get_json()["facets"]
    assert {f["value"]: f["count"] for f in facets["decision"]} == {"Overturned": 1, "Upheld": 2}
