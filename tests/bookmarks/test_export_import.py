"""Exports (Markdown for a brief, CSV, JSON) read back to what was saved, and
a JSON export imports into another account or machine without loss."""

from __future__ import annotations

import csv
import io
import json

from tests.bookmarks.conftest import add_user, fresh_database, login, make_app, save

NECK = "000_d9810e0ddbbc91c8-1"
ESI = "004_0099b7c7dc1cafd7-1"
ACU = "004_0099b7c7dc1cafd7-2"


def _setup(client):
    neck = save(client, NECK, note="Facet blocks: **non-radicular** only", matters=["Smith v. ABC Corp"])
    esi = save(client, ESI, note="Overturned with imaging", matters=["Smith v. ABC Corp", "Jones"])
    acu = save(client, ACU, note="")
    return neck, esi, acu


def test_markdown_export_is_ready_for_a_brief(client):
    neck, esi, _ = _setup(client)
    smith = neck["matters"][0]["id"]
    resp = client.get(f"/bookmarks/export.md?matter={smith}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/markdown")
    assert 'filename="imr-bookmarks-smith-v-abc-corp-' in resp.headers["Content-Disposition"]
    md = resp.get_data(as_text=True)
    assert md.startswith("# IMR precedents: Smith v. ABC Corp")
    assert md.count("\n## ") == 2 and "Acupuncture" not in md
    section = md[md.index("Bilateral cervical") :]
    for expected in (
        "Upheld (the denial stands",
        "Case CM15-0101111",
        "`000_d9810e0ddbbc91c8`",
        "decided 1 Jun 2015",
        "injury 6 Sep 2014",
        "ODG, Neck and Upper Back, Facet joint diagnostic blocks",
        "> Regarding the request for cervical medial branch block",
        "Facet blocks: **non-radicular** only",
    ):
        assert expected in section, expected
    assert "Overturned (the treatment was found medically necessary)" in md
    all_md = client.get("/bookmarks/export.md").get_data(as_text=True)
    assert all_md.startswith("# IMR precedents: all bookmarks") and all_md.count("\n## ") == 3


def test_csv_export_parses_back(client):
    saved = _setup(client)
    resp = client.get("/bookmarks/export.csv")
    assert resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    by_id = {int(r["id"]): r for r in rows}
    assert set(by_id) == {b["id"] for b in saved}
    for bm in saved:
        row = by_id[bm["id"]]
        assert row["passage_id"] == bm["passage_id"]
        assert row["letter_id"] == bm["letter_id"]
        assert row["item"] == bm["item"]
        assert row["decision"] == bm["decision"]
        assert row["note"] == bm["note"]
        assert row["citations"].split("; ") == bm["citations"]
        assert row["rationale"] == bm["snapshot"]["rationale"]
        assert sorted(filter(None, row["matters"].split("; "))) == sorted(m["name"] for m in bm["matters"])
        assert row["case_number"] == bm["case_number"]
        assert row["in_index"] == "yes"


def test_csv_cells_cannot_run_as_formulas(client):
    save(client, NECK, note='=HYPERLINK("http://evil")')
    rows = list(
        csv.DictReader(io.StringIO(client.get("/bookmarks/export.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0]["note"] == '\'=HYPERLINK("http://evil")'


def test_json_export_parses_back(client):
    saved = _setup(client)
    resp = client.get("/bookmarks/export.json")
    assert resp.headers["Content-Type"].startswith("application/json")
    data = json.loads(resp.get_data(as_text=True))
    assert data["format"] == "imr-bookmarks" and data["version"] == 1
    assert sorted(m["name"] for m in data["matters"]) == ["Jones", "Smith v. ABC Corp"]
    exported = {b["id"]: b for b in data["bookmarks"]}
    for bm in saved:
        got = exported[bm["id"]]
        for key in ("passage_id", "letter_id", "item", "decision", "note", "citations", "snapshot", "created_at"):
            assert got[key] == bm[key], key
        assert sorted(m["name"] for m in got["matters"]) == sorted(m["name"] for m in bm["matters"])


def test_export_of_filtered_view_and_bad_format(client):
    _setup(client)
    data = json.loads(client.get("/bookmarks/export.json?decision=Overturned").get_data(as_text=True))
    assert [b["passage_id"] for b in data["bookmarks"]] == [ESI]
    assert client.get("/bookmarks/export.pdf").status_code == 404
    assert client.get("/bookmarks/export.md?matter=4242").status_code == 404


def test_import_round_trip_into_another_database(client, db_kind, tmp_path, service):
    saved = _setup(client)
    exported = client.get("/bookmarks/export.json").get_data(as_text=True)

    with fresh_database(db_kind, tmp_path) as other_db:
        _import_elsewhere(other_db, tmp_path, service, saved, exported)


def _import_elsewhere(other_db, tmp_path, service, saved, exported):
    other_app = make_app(other_db, tmp_path / "other", service)
    add_user(other_app, "carol")  # a different machine, a different account
    other = other_app.test_client()
    login(other, "carol")
    resp = other.post("/api/bookmarks/import", json=json.loads(exported))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json() == {"created": 3, "merged": 0, "matters_created": 2}

    got = {b["passage_id"]: b for b in other.get("/api/bookmarks").get_json()["bookmarks"]}
    for bm in saved:
        g = got[bm["passage_id"]]
        for key in ("item", "decision", "note", "citations", "snapshot", "created_at", "letter_id", "ordinal"):
            assert g[key] == bm[key], key
        assert sorted(m["name"] for m in g["matters"]) == sorted(m["name"] for m in bm["matters"])

    # importing the same file again merges instead of duplicating
    again = other.post("/api/bookmarks/import", json=json.loads(exported)).get_json()
    assert again == {"created": 0, "merged": 3, "matters_created": 0}
    assert other.get("/api/bookmarks").get_json()["total"] == 3
    assert got[NECK]["note"] == other.get(f"/api/bookmarks/{got[NECK]['id']}").get_json()["note"]


def test_import_by_form_upload(client):
    _setup(client)
    exported = client.get("/bookmarks/export.json").get_data()
    for bm in client.get("/api/bookmarks").get_json()["bookmarks"]:
        client.delete(bm["url"])
    resp = client.post(
        "/bookmarks/import",
        data={"file": (io.BytesIO(exported), "bookmarks.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "Imported 3 new bookmarks" in resp.get_data(as_text=True)
    assert client.get("/api/bookmarks").get_json()["total"] == 3


def test_import_merges_notes_without_losing_either(client):
    neck = save(client, NECK, note="local note")
    exported = json.loads(client.get("/bookmarks/export.json").get_data(as_text=True))
    exported["bookmarks"][0]["note"] = "note from the other machine"
    client.post("/api/bookmarks/import", json=exported)
    note = client.get(neck["url"]).get_json()["note"]
    assert "local note" in note and "note from the other machine" in note


def test_bad_import_files_change_nothing(client):
    _setup(client)
    good = json.loads(client.get("/bookmarks/export.json").get_data(as_text=True))
    broken = json.loads(json.dumps(good))
    broken["bookmarks"][2]["snapshot"] = {"item": "no ids"}
    cases = [
        ("not an object", ["x"]),
        ("wrong format", {"format": "something-else", "bookmarks": []}),
        ("future version", {"format": "imr-bookmarks", "version": 99, "bookmarks": []}),
        ("no list", {"format": "imr-bookmarks"}),
        ("bad snapshot in the 3rd", broken),
    ]
    for label, body in cases:
        resp = client.post("/api/bookmarks/import", json=body)
        assert resp.status_code == 400, label
        assert resp.get_json()["error"], label
    assert "bookmark 3" in client.post("/api/bookmarks/import", json=broken).get_json()["error"]
    resp = client.post(
        "/bookmarks/import",
        data={"file": (io.BytesIO(b"{not json"), "x.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "not valid JSON" in resp.get_data(as_text=True)
    assert client.get("/api/bookmarks").get_json()["total"] == 3


def test_exports_say_who_cited_each_guideline(client):
    from webapp.bookmarks.snapshot import cited_by_party

    saved = _setup(client)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/bookmarks/export.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    md = client.get("/bookmarks/export.md").get_data(as_text=True)
    data = json.loads(client.get("/bookmarks/export.json").get_data(as_text=True))
    snapshots = {b["id"]: b["snapshot"] for b in data["bookmarks"]}
    for bm, row in zip(sorted(saved, key=lambda b: b["id"]), sorted(rows, key=lambda r: int(r["id"])), strict=True):
        reviewer, administrator = cited_by_party(snapshots[bm["id"]])
        assert row["reviewer_citations"] == "; ".join(reviewer)
        assert row["administrator_only_citations"] == "; ".join(administrator)
        assert set(reviewer) | set(administrator) == set(bm["citations"])
    assert "**Guidelines the reviewer cited:**" in md
    # a claims-administrator-only citation is never presented as the reviewer's
    snap = {
        "citations": [
            {"key": "ODG | Low Back", "cited_by": "claims_administrator"},
            {"key": "MTUS | Chronic Pain Medical Treatment Guidelines", "cited_by": "reviewer"},
            {"key": "ODG | Low Back", "cited_by": "claims_administrator"},
        ]
    }
    assert cited_by_party(snap) == (["MTUS | Chronic Pain Medical Treatment Guidelines"], ["ODG | Low Back"])
