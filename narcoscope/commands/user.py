"""``narcoscope user``: manage workbench accounts (add, passwd, list, remove, token)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

HELP = "manage workbench accounts and API tokens"
DESCRIPTION = """\
Local accounts for `narcoscope web`. Passwords are argon2-hashed; they are read from a prompt,
from standard input with --password-stdin, or from $NARCOSCOPE_PASSWORD — never from an argument,
so they stay out of shell history and process lists."""

EPILOG = """\
examples:
  narcoscope user add alice --role admin
  printf '%s\\n' "$PW" | narcoscope user add bob --password-stdin
  narcoscope user token bob --name ci      # prints a new API token once"""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("user", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = acts.add_parser("add", help="create a user")
    add.add_argument("name")
    add.add_argument("--role", choices=("analyst", "admin"), default="analyst")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw = acts.add_parser("passwd", help="set a user's password (ends their sessions)")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    acts.add_parser("list", help="list users")
    rm = acts.add_parser("remove", help="delete a user, their sessions and tokens")
    rm.add_argument("name")
    tok = acts.add_parser("token", help="create an API token for a user (printed once)")
    tok.add_argument("name")
    tok.add_argument("--label", default="cli", help="what the token is for")
    p.set_defaults(func=run)


def read_password(args: argparse.Namespace) -> str:
    """From stdin (--password-stdin), else $NARCOSCOPE_PASSWORD, else an interactive prompt."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    env = os.environ.get("NARCOSCOPE_PASSWORD")
    if env:
        return env
    from narcoscope.cli import UserError

    if not sys.stdin.isatty():
        raise UserError("no password: use --password-stdin, $NARCOSCOPE_PASSWORD or a terminal")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        raise UserError("passwords differ")
    return first


def run(args: argparse.Namespace) -> int:
    from narcoscope.cli import UserError
    from narcoscope.paths import Paths
    from web import accounts
    from web.webdb import WebDB

    paths = Paths.from_env(args.home)
    db = WebDB(paths.home / "web.db")
    try:
        if args.action == "add":
            user = accounts.add_user(db, args.name, read_password(args), args.role)
            db.audit("cli", "user.create", {"name": user.name, "role": user.role})
            sys.stdout.write(f"created {user.role} {user.name}\n")
        elif args.action == "passwd":
            accounts.set_password(db, args.name, read_password(args))
            db.audit("cli", "user.passwd", {"name": args.name})
            sys.stdout.write(f"password changed for {args.name}\n")
        elif args.action == "list":
            for u in accounts.list_users(db):
                sys.stdout.write(f"{u['name']}\t{u['role']}\t{u['created_at']}\n")
        elif args.action == "remove":
            accounts.remove_user(db, args.name)
            db.audit("cli", "user.remove", {"name": args.name})
            sys.stdout.write(f"removed {args.name}\n")
        else:
            found = next((u for u in accounts.list_users(db) if str(u["name"]).casefold() == args.name.casefold()),
                         None)
            if found is None:
                raise UserError(f"no user {args.name!r}")
            owner = accounts.User(int(str(found["id"])), str(found["name"]),
                                  "admin" if found["role"] == "admin" else "analyst")
            _tid, token = accounts.create_token(db, owner, args.label)
            db.audit("cli", "token.create", {"name": owner.name, "label": args.label})
            sys.stdout.write(token + "\n")
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from None
    return 0
