"""`imr user add|list|remove|passwd`: manage the web app's accounts.

As soon as one account exists the web app asks everyone to sign in, and each
account sees only its own bookmarks and matters. Passwords are prompted for
(never taken from the command line, where they would land in shell history)
or read from stdin with --password-stdin for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "user",
        help="manage accounts for the web app (bookmarks are per account)",
        description="Manage the web app's accounts. With no account and the server on 127.0.0.1, "
        "the app runs single-user without sign-in.",
    )
    add_database_option(parser)
    sub = parser.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="create an account (prompts for the password)")
    add.add_argument("name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of prompting",
    )
    add.add_argument("--email", metavar="ADDR", help="where saved-search alerts are e-mailed (changeable later)")
    add.set_defaults(func=cmd_add)

    email = sub.add_parser("email", help="set or clear (with --clear) the address alerts are e-mailed to")
    email.add_argument("name")
    email.add_argument("address", nargs="?")
    email.add_argument("--clear", action="store_true", help="no e-mail: alerts show on /saved only")
    email.set_defaults(func=cmd_email)

    passwd = sub.add_parser("passwd", help="set a new password (signs the account out everywhere)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=cmd_passwd)

    ls = sub.add_parser("list", help="list accounts with their bookmark and matter counts")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_list)

    rm = sub.add_parser("remove", help="delete an account and its bookmarks and matters")
    rm.add_argument("name")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(func=cmd_remove)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """--database-url, for the commands that work on the web app's database (user, token)."""
    parser.add_argument(
        "--database-url", metavar="URL", help="the app's database (default: IMR_DATABASE_URL, else data/imr.sqlite3)"
    )


def _session(args: argparse.Namespace):
    from sqlalchemy.orm import Session

    from webapp.db import get_engine
    from webapp.db.migrate import upgrade_to_head

    url = args.database_url
    if not url:
        from webapp.config import load_config

        url = load_config()["IMR_DATABASE_URL"]
    engine = get_engine(url)
    upgrade_to_head(engine)
    return Session(engine, expire_on_commit=False)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("imr user: no terminal to prompt for a password; use --password-stdin")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise SystemExit("imr user: the passwords do not match; nothing changed")
    return first


def _fail(exc: Exception) -> int:
    print(f"imr user: {exc}", file=sys.stderr)
    return 1


def cmd_add(args: argparse.Namespace) -> int:
    from webapp.auth.accounts import AccountError, create_user, validate_password, validate_username

    try:
        validate_username(args.name)
        email = _email(args.email)
        password = _read_password(args)
        validate_password(password)
        with _session(args) as session:
            user, adopted = create_user(session, args.name, password, email=email)
    except AccountError as exc:
        return _fail(exc)
    print(
        f"Created user {user.username!r}"
        + (f" (alerts to {user.email})" if user.email else "")
        + ". The web app now asks everyone to sign in."
    )
    if adopted:
        print("The bookmarks and matters saved in single-user mode now belong to this account.")
    return 0


def _email(address: str | None) -> str | None:
    from webapp.auth.accounts import AccountError
    from webapp.saved.mail import valid_email

    if address is None:
        return None
    try:
        return valid_email(address)
    except ValueError as exc:
        raise AccountError(str(exc)) from None


def cmd_email(args: argparse.Namespace) -> int:
    from webapp.auth.accounts import AccountError, find_user

    try:
        if bool(args.address) == bool(args.clear):
            raise AccountError("give an address, or --clear to stop e-mail")
        address = None if args.clear else _email(args.address)
        with _session(args) as session:
            user = find_user(session, args.name)
            if user is None:
                raise AccountError(f"no user named {args.name!r}")
            user.email = address
            session.commit()
    except AccountError as exc:
        return _fail(exc)
    print(f"Alerts for {args.name!r} go to {address}." if address else f"No e-mail for {args.name!r}.")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from webapp.auth.accounts import AccountError, find_user, set_password, validate_password

    try:
        with _session(args) as session:
            if find_user(session, args.name) is None:
                raise AccountError(f"no user named {args.name!r}")
            password = _read_password(args)
            validate_password(password)
            set_password(session, args.name, password)
    except AccountError as exc:
        return _fail(exc)
    print(f"Password changed for {args.name!r}; its existing sessions are signed out.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from webapp.auth.accounts import list_users

    with _session(args) as session:
        users = list_users(session)
    if args.json:
        print(json.dumps([asdict(u) for u in users], indent=2))
        return 0
    if not users:
        print("No accounts: on 127.0.0.1 the web app runs single-user without sign-in.")
        return 0
    width = max(len(u.username) for u in users)
    print(f"{'USER'.ljust(width)}  BOOKMARKS  MATTERS  CREATED")
    for u in users:
        print(f"{u.username.ljust(width)}  {u.bookmarks:>9}  {u.matters:>7}  {u.created_at}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from webapp.auth.accounts import AccountError, find_user, owned_counts, remove_user

    try:
        with _session(args) as session:
            user = find_user(session, args.name)
            if user is None:
                raise AccountError(f"no user named {args.name!r}")
            bookmarks, matters = owned_counts(session, user.id)
            if not args.yes:
                if not sys.stdin.isatty():
                    raise AccountError("refusing to delete without confirmation; add --yes")
                answer = input(
                    f"Delete {args.name!r} with {bookmarks} bookmark(s) and {matters} matter(s)? "
                    "Export them first if they are needed. [y/N] "
                )
                if answer.strip().lower() not in ("y", "yes"):
                    print("Nothing deleted.")
                    return 1
            remove_user(session, args.name)
    except AccountError as exc:
        return _fail(exc)
    print(f"Deleted user {args.name!r} ({bookmarks} bookmark(s), {matters} matter(s)).")
    return 0
