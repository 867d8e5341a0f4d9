"""``narcoscope vendors``: one seller across markets — accounts, aliases and the evidence linking them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

HELP = "vendor identities across markets (shared PGP keys, contacts, names)"
DESCRIPTION = """\
Accounts on different markets are joined into one identity by strong evidence only: the same
PGP key (the OpenPGP v4 fingerprint computed from the armored key on the vendor's profile) or the
same contact handle (Jabber/XMPP, Wickr, Session, Telegram, e-mail — from the profile's contact
fields and from profile and listing descriptions). The same or a similar name ("DutchShop" vs
"Dutch_Shop") is shown as weak evidence and never merges identities on its own.

The evidence tables are brought up to date from the record store before each command."""

EPILOG = """\
examples:
  narcoscope vendors show IronTrading
  narcoscope vendors show dutchshop --market tortuga --json
  narcoscope vendors list
  narcoscope vendors update --rebuild"""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("vendors", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--no-update", action="store_true", help="read the evidence as it stands, without updating")
    cmds = p.add_subparsers(dest="vendors_command", metavar="ACTION", required=True)
    show = cmds.add_parser("show", help="a vendor's identity: markets, aliases, evidence for each link",
                           formatter_class=Formatter)
    show.add_argument("name", help="vendor name on any market (case-insensitive)")
    show.add_argument("--market", help="only the account on this market")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=run_show)
    lst = cmds.add_parser("list", help="identities with accounts on more than one market or name",
                          formatter_class=Formatter)
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(func=run_list)
    upd = cmds.add_parser("update", help="update the evidence from the record store and print counts",
                          formatter_class=Formatter)
    upd.add_argument("--rebuild", action="store_true", help="forget derived evidence and recompute it all")
    upd.set_defaults(func=run_update)


def _open(args: argparse.Namespace, *, rebuild: bool = False) -> Any:
    import entities
    from entities.db import connect
    from narcoscope.paths import Paths

    paths = Paths.from_env(args.home)
    if not args.no_update or rebuild:
        entities.update(paths, rebuild=rebuild)
    return connect(paths.db)


def run_update(args: argparse.Namespace) -> int:
    import entities
    from narcoscope.paths import Paths

    stats = entities.update(Paths.from_env(args.home), rebuild=args.rebuild)
    for key, value in stats.items():
        print(f"{key}: {value}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from entities import identity
    from narcoscope.cli import UserError

    db = _open(args)
    try:
        found = identity.find(db, args.name, args.market)
        if not found:
            hint = identity.suggestions(db, args.name)
            raise UserError(f"no vendor called {args.name!r}" + (f" on {args.market}" if args.market else "")
                            + (f"; did you mean: {', '.join(hint)}" if hint else ""))
    finally:
        db.close()
    if args.json:
        json.dump([i.as_dict() for i in found], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for ident in found:
        _print_identity(ident)
    return 0


def _print_identity(ident: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(Text(f"identity {ident.identity_id}: {len(ident.accounts)} account(s) on "
                       f"{', '.join(ident.markets)}", style="bold"))
    console.print(Text(f"aliases: {', '.join(ident.aliases)}"))
    accounts = Table(title="accounts", title_justify="left")
    for col in ("market", "name", "PGP fingerprint", "first seen", "last seen"):
        accounts.add_column(col, overflow="fold")
    for a in ident.accounts:
        accounts.add_row(*(Text(x or "") for x in (a["source"], a["name"], _fpr(a["fingerprint"]),
                                                   a["first_seen"][:10], a["last_seen"][:10])))
    console.print(accounts)
    for title, links in (("strong evidence (joins accounts)", ident.strong),
                         ("weak evidence (possibly the same seller; not joined)", ident.weak)):
        if not links:
            console.print(Text(f"{title}: none"))
            continue
        table = Table(title=title, title_justify="left")
        for col in ("kind", "value", "account A", "account B", "page digests"):
            table.add_column(col, overflow="fold")
        for link in links:
            table.add_row(*(Text(x) for x in (
                link["kind"], _fpr(link["value"]) if link["kind"] == "pgp" else link["value"],
                f"{link['name_a']} ({link['source_a']})", f"{link['name_b']} ({link['source_b']})",
                f"{link['digest_a'][:12] or '-'} / {link['digest_b'][:12] or '-'}")))
        console.print(table)


def _fpr(fpr: str | None) -> str:
    """Fingerprints in the usual groups of four, as vendors print them."""
    return " ".join(fpr[i:i + 4] for i in range(0, len(fpr), 4)) if fpr else ""


def run_list(args: argparse.Namespace) -> int:
    from entities.identity import linked_identities

    db = _open(args)
    try:
        rows = linked_identities(db)
    finally:
        db.close()
    if args.json:
        json.dump([dict(r) for r in rows], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{len(rows)} identities with more than one account", title_justify="left")
    for col in ("identity", "accounts", "markets", "names"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(Text(r["identity_id"]), str(r["accounts"]), str(r["markets"]), Text(r["names"]))
    Console().print(table)
    return 0
