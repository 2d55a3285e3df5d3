"""`imr token create|list|revoke USER`: personal API tokens for the JSON API.

Once accounts exist, a program calls the API with `Authorization: Bearer <token>`
instead of a browser cookie and CSRF header. A token acts as its user; it is shown
once when created and stored only as a SHA-256 hash, so a lost token is revoked and
a new one made. Removing the user or revoking the token ends it at once.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    from imr_cli.commands.user import add_database_option

    parser = subparsers.add_parser(
        "token",
        help="personal API tokens (Authorization: Bearer) for the JSON API",
        description="Create, list and revoke a user's API tokens. Send one as "
        "`Authorization: Bearer <token>`; no CSRF token is needed then.",
    )
    add_database_option(parser)
    sub = parser.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="make a token for USER and print it (shown only this once)")
    create.add_argument("user")
    create.add_argument("--name", default="", help="what the token is for (shown in `imr token list`)")
    create.set_defaults(func=cmd_create)
    ls = sub.add_parser("list", help="list USER's tokens (ids, names, dates; never the tokens)")
    ls.add_argument("user")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_list)
    revoke = sub.add_parser("revoke", help="revoke one of USER's tokens by id")
    revoke.add_argument("user")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=cmd_revoke)


def _user(args: argparse.Namespace):
    from imr_cli.commands.user import _session
    from webapp.auth.accounts import find_user

    session = _session(args)
    user = find_user(session, args.user)
    if user is None:
        session.close()
        print(f"imr token: no user named {args.user!r} (create one with `imr user add {args.user}`)", file=sys.stderr)
        return None, None
    return session, user


def cmd_create(args: argparse.Namespace) -> int:
    from webapp.auth.sessions import create_token

    session, user = _user(args)
    if user is None:
        return 1
    with session:
        row, token = create_token(session, user, args.name)
    print(token)
    print(
        f"Token {row.id} for {user.username} created. It is shown only now: store it safely; "
        f"revoke it with `imr token revoke {user.username} {row.id}`.",
        file=sys.stderr,
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from webapp.auth.sessions import iso, list_tokens

    session, user = _user(args)
    if user is None:
        return 1
    with session:
        rows = [
            {"id": t.id, "name": t.name, "created_at": iso(t.created_at), "last_used_at": iso(t.last_used_at)}
            for t in list_tokens(session, user.id)
        ]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif not rows:
        print(f"{user.username} has no API tokens.")
    else:
        for r in rows:
            print(
                f"{r['id']:>5}  {r['name'] or '(no name)':<30}  created {r['created_at']}  last used {r['last_used_at']}"
            )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from webapp.auth.sessions import revoke_token

    session, user = _user(args)
    if user is None:
        return 1
    with session:
        if not revoke_token(session, user.id, args.id):
            print(f"imr token: {user.username} has no token {args.id}", file=sys.stderr)
            return 1
    print(f"Token {args.id} of {user.username} revoked.")
    return 0
