"""The engine registry and the lifecycle hooks: engines are named in one place,
and an engine plugs into indexing and searching through its home's hooks."""

from __future__ import annotations

import argparse

import pytest

from imr_cli.main import build_parser
from indexer.index import engine as engine_mod
from indexer.index.engine import ENGINES, EngineError, Generation, configured_engines, engine_class, engine_home
from indexer.index.generations import LocalHome
from indexer.index.pipeline import index_exists, index_letters
from indexer.index.whoosh_engine import WhooshEngine
from indexer.query.types import SearchRequest
from indexer.search.service import SearchService
from tests.search.fixtures import sample_letters


def _engine_choices(command: str) -> tuple[str, ...]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    action = next(a for a in sub.choices[command]._actions if "--engine" in a.option_strings)
    return tuple(action.choices)


@pytest.mark.parametrize("command", ["index", "search", "serve"])
def test_command_line_offers_every_registered_engine(command):
    assert _engine_choices(command) == ENGINES


def test_registry_names_the_engines_and_their_classes():
    assert {"tantivy", "whoosh"} <= set(configured_engines()) <= set(ENGINES)
    for name in ENGINES:
        assert engine_class(name).name == name
    with pytest.raises(EngineError, match="choose one of"):
        engine_class("lucene")


def test_local_home_lifecycle(tmp_path):
    home = engine_home("tantivy", tmp_path)
    assert isinstance(home, LocalHome) and home.live() is None
    with home.writer_lock():
        gen = home.create(None)
        engine, store = home.open(gen, writable=True)
        engine.commit()
        engine.close()
        store.commit()
        store.close()
        assert home.live() is None  # not published: readers never see a build
        live = home.publish(gen)
    assert home.live() == live == Generation(gen.name)
    with home.writer_lock():
        clone = home.create(live)
        assert (tmp_path / "tantivy" / f"{clone.name}.building" / "engine").is_dir()
        home.drop(clone)
    assert not (tmp_path / "tantivy" / f"{clone.name}.building").exists()
    assert home.live() == live


class _ToyEngine(WhooshEngine):
    name = "toy"


def test_an_engine_is_one_registry_line(tmp_path, monkeypatch):
    monkeypatch.setitem(engine_mod.ENGINE_CLASSES, "toy", f"{__name__}:_ToyEngine")
    index_letters(sample_letters(), tmp_path, engine="toy")
    assert index_exists(tmp_path, "toy") and (tmp_path / "toy").is_dir()
    with SearchService.open(tmp_path, "toy") as service:
        resp = service.search(SearchRequest(query="norco"))
        assert [h.passage_id for h in resp.hits] == ["CM15-0000001-1"]
        assert service.stats()["engine"] == "toy"
