"""The letter's "original file" link serves only what was indexed: a regular file
the index recorded, reached without links, whose content still has the indexed hash."""

from __future__ import annotations

import os
import shutil

import pytest

from indexer.index.pipeline import build_index
from indexer.search.service import SearchService


@pytest.fixture
def served(tmp_path, seed_files):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in seed_files[:2]:
        shutil.copy2(f, corpus / f.name)
    build_index([corpus], tmp_path / "ix", workers=1)
    from webapp import create_app

    service = SearchService.open(tmp_path / "ix", "tantivy")
    app = create_app({"TESTING": True, "IMR_INDEX_DIR": str(tmp_path / "ix"), "IMR_SEARCH_SERVICE": service})
    letter_id = sorted(r.letter_id for r in service._gen.store.files().values() if r.letter_id)[0]
    path = service.letter_source_path(letter_id)
    yield app.test_client(), letter_id, path
    service.close()


def test_the_indexed_file_is_served(served):
    client, letter_id, path = served
    response = client.get(f"/letters/{letter_id}/source")
    assert response.status_code == 200 and response.data == path.read_bytes()


def test_a_file_replaced_by_a_link_to_etc_passwd_is_not_served(served):
    client, letter_id, path = served
    path.unlink()
    path.symlink_to("/etc/passwd")
    response = client.get(f"/letters/{letter_id}/source")
    assert response.status_code == 404 and b"root:" not in response.data


def test_a_folder_swapped_for_a_link_is_not_followed(served, tmp_path):
    client, letter_id, path = served
    moved = tmp_path / "moved"
    path.parent.rename(moved)
    path.parent.symlink_to(moved)  # same path, same bytes, but through a link
    assert client.get(f"/letters/{letter_id}/source").status_code == 404


def test_a_file_changed_since_indexing_is_not_served(served):
    client, letter_id, path = served
    path.write_bytes(path.read_bytes() + b"\nappended later")
    assert client.get(f"/letters/{letter_id}/source").status_code == 404


def test_a_fifo_in_its_place_is_not_read(served):
    client, letter_id, path = served
    path.unlink()
    os.mkfifo(path)
    assert client.get(f"/letters/{letter_id}/source").status_code == 404
