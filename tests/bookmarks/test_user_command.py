"""`imr user add|list|passwd|remove` against a real database file."""

from __future__ import annotations

import io
import json

import pytest

from imr_cli.main import main


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    monkeypatch.setenv("IMR_DATABASE_URL", url)
    monkeypatch.setenv("IMR_DATA_DIR", str(tmp_path))
    return url


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_passwd_remove(db, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, ["user", "add", "alice", "--password-stdin"], "a long password\n")
    assert code == 0 and "Created user 'alice'" in out
    code, _, err = run(monkeypatch, capsys, ["user", "add", "alice", "--password-stdin"], "another password\n")
    assert code == 1 and "already exists" in err
    code, _, err = run(monkeypatch, capsys, ["user", "add", "bob", "--password-stdin"], "short\n")
    assert code == 1 and "at least 8" in err
    code, out, _ = run(monkeypatch, capsys, ["user", "list", "--json"])
    assert [u["username"] for u in json.loads(out)] == ["alice"]

    from sqlalchemy.orm import Session

    from webapp.auth.accounts import authenticate
    from webapp.db import get_engine

    with Session(get_engine(db)) as s:
        assert authenticate(s, "alice", "a long password") is not None
        assert authenticate(s, "alice", "wrong") is None
    code, out, _ = run(monkeypatch, capsys, ["user", "passwd", "alice", "--password-stdin"], "a newer password\n")
    assert code == 0
    with Session(get_engine(db)) as s:
        assert authenticate(s, "alice", "a newer password") is not None

    code, _, err = run(monkeypatch, capsys, ["user", "remove", "alice"])  # stdin is not a terminal
    assert code == 1 and "--yes" in err
    code, out, _ = run(monkeypatch, capsys, ["user", "remove", "alice", "--yes"])
    assert code == 0 and "Deleted user 'alice'" in out
    code, out, _ = run(monkeypatch, capsys, ["user", "list"])
    assert "No accounts" in out


def test_prompting_needs_a_terminal(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exc:
        main(["user", "add", "carol"])
    assert "--password-stdin" in str(exc.value)


def test_prompted_password_must_match(db, monkeypatch, capsys):
    answers = iter(["first password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", type("TTY", (io.StringIO,), {"isatty": lambda self: True})())
    with pytest.raises(SystemExit) as exc:
        main(["user", "add", "carol"])
    assert "do not match" in str(exc.value)
    answers2 = iter(["same password", "same password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers2))
    assert main(["user", "add", "carol"]) == 0
