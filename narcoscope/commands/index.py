"""``narcoscope index``: replay spooled batches, rebuild an index, show its state."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "index maintenance: replay spooled batches, rebuild (reindex), status"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("index", help=HELP, formatter_class=Formatter, description=HELP + """.

When the index is down or rejects a batch, the batch is spooled to $NARCOSCOPE_HOME/spool and
replayed automatically on the next run; `index replay` does it now. `index reindex` rebuilds an
index from the record store (stored listings, posts, extractions and sightings; no crawling, no
re-extraction): switching from SQLite to Elasticsearch is `narcoscope index reindex --to https://…`.""")
    sub2 = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, helptext in (("replay", "re-send spooled batches to the index"),
                           ("reindex", "rebuild an index from the record store"),
                           ("status", "documents in the index and batches waiting in the spool")):
        a = sub2.add_parser(name, help=helptext, description=helptext, formatter_class=Formatter)
        a.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
        a.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
        if name == "reindex":
            a.add_argument("--to", help="target index URL (default: the configured index)")
        a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from index import SpoolingIndex, open_index
    from narcoscope.paths import Paths

    paths = Paths.from_env(args.home, args.index)
    if args.action == "reindex":
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from narcoscope.reindex import reindex
        from store import RecordStore

        store = RecordStore(paths.db)
        try:
            totals = {t: store.query(f"SELECT count(*) FROM {t}")[0][0] for t in ("listings", "posts", "observations")}
        finally:
            store.close()
        with Progress(TextColumn("[bold]reindex {task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), transient=False) as bar:
            tasks = {what: bar.add_task(what, total=n) for what, n in totals.items()}

            def progress(what: str, n: int) -> None:
                bar.update(tasks[what], completed=n)

            s = reindex(paths, args.to or paths.index_url, progress=progress)
            for what, n in (("listings", s.listings), ("posts", s.posts), ("observations", s.observations)):
                bar.update(tasks[what], completed=n, total=n)  # done (observations without an extraction are skipped)
        print(f"reindexed {s.listings} listings, {s.posts} posts, {s.observations} observations, "
              f"{s.volumes} weekly volumes into {args.to or paths.index_url}")
        return 0
    idx = SpoolingIndex(open_index(paths.index_url), paths.spool, auto_replay=False)
    try:
        if args.action == "replay":
            r = idx.replay()
            print(f"replayed {r.batches} batch(es), {r.docs} document(s); {r.remaining} file(s) still waiting")
            return 1 if r.remaining else 0
        print(f"index {paths.index_url}: {idx.count()} documents; spool: {len(idx.pending())} batch(es) waiting")
        return 0
    finally:
        idx.close()
