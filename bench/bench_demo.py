"""Extraction against the demo generator's truth, without a crawl: listings and forum posts.

    .venv/bin/python -m bench.bench_demo [--weeks 0,10,18] [--errors]

Listings are rebuilt from the generator's specs (title, description, vendor, displayed price,
ships-from/to text as the pages show them) and compared with the truth the integration test
uses (latest sighting over the weeks): substances, novel candidates, origin, price. Posts come
from ``DemoWorld.build(seed=7).truth(week)`` threads; each post is extracted twice: body alone
(compared with the post's ``substances`` / ``vendors_mentioned``) and with its thread title
(compared with the post's plus the title's). The full crawl-based check stays in
``tests/integration`` (``-k extraction``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demosites import DemoWorld
from narcoscope.records import Listing, Post, PriceDisplay
from nlp import Extractor

WHEN = datetime(2026, 5, 4)


@dataclass(slots=True)
class Tally:
    """Exact-set agreement per record, plus micro P/R over the set items."""

    records: int = 0
    exact: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, label: str, pred: set[str], gold: set[str]) -> None:
        self.records += 1
        self.exact += pred == gold
        self.tp += len(pred & gold)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)
        if pred != gold:
            self.errors.append(f"{label}: predicted {sorted(pred)} truth {sorted(gold)}")

    def line(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return (f"{name:28s} {self.exact:5d}/{self.records:<5d} agree ({self.exact / max(self.records, 1):.3f})"
                f"  P {p:.3f} R {r:.3f}")


def demo_listings(world: DemoWorld, weeks: list[int]) -> list[tuple[Listing, dict[str, Any]]]:
    """(listing as the pages show it, truth) for the latest sighting of every listing."""
    last: dict[tuple[str, str], tuple[Listing, dict[str, Any]]] = {}
    for week in weeks:
        truth = {(t["source"], t["listing_id"]): t for t in world.truth(week)["listings"]}
        for market, specs in world.listings.items():
            for s in specs:
                t = truth.get((market, s.listing_id))
                if t is None:
                    continue
                rec = Listing(source=market, listing_id=s.listing_id, url="", title=s.title,
                              description=s.description, vendor=s.vendor,
                              prices=(PriceDisplay(t["price"]["display"]),),
                              ships_from=s.ships_from_text, ships_to=s.ships_to_text)
                last[(market, s.listing_id)] = (rec, t)
    return list(last.values())


def demo_posts(world: DemoWorld, weeks: list[int]) -> list[tuple[Post, dict[str, Any], dict[str, Any]]]:
    """(post, post truth, thread truth) for every post visible in any of ``weeks``, once."""
    bodies = {(forum, th.thread_id, p.post_id): p.body for forum, sim in world.forums.items()
              for th in sim.threads for p in th.posts}
    out: dict[tuple[str, str, str], tuple[Post, dict[str, Any], dict[str, Any]]] = {}
    for week in weeks:
        for th in world.truth(week)["threads"]:
            for p in th["posts"]:
                key = (th["source"], th["thread_id"], p["post_id"])
                post = Post(source=th["source"], thread_id=th["thread_id"], post_id=p["post_id"], url="",
                            author=p["author"], body=bodies[key], thread_title=th["title"])
                out[key] = (post, p, th)
    return list(out.values())


def run(weeks: list[int], show_errors: bool) -> dict[str, Tally]:
    world = DemoWorld.build(seed=7)
    ex = Extractor.from_config()
    tallies: dict[str, Tally] = {k: Tally() for k in (
        "listing substances", "listing novel", "listing origin", "listing price", "listing all four",
        "post substances (body)", "post substances (+title)", "post vendors (body)", "post novel (body)")}
    pairs = demo_listings(world, weeks)
    for (rec, t), e in zip(pairs, ex.extract_many([p for p, _ in pairs], WHEN), strict=True):
        label = f"{rec.source}/{rec.listing_id} {rec.title!r}"
        subs, novel = set(e.substances), {c.lower() for c in e.candidates}
        origin, price = {e.ships_from}, {(e.price_amount, e.price_currency)}
        t_price = {(t["price"]["amount"], t["price"]["currency"])}
        tallies["listing substances"].add(label, subs, set(t["substances"]))
        tallies["listing novel"].add(label, novel, {n.lower() for n in t["novel"]})
        tallies["listing origin"].add(label, {str(x) for x in origin}, {t["ships_from"]})
        tallies["listing price"].add(label, {str(x) for x in price}, {str(x) for x in t_price})
        ok = (subs == set(t["substances"]) and novel == {n.lower() for n in t["novel"]}
              and e.ships_from == t["ships_from"] and price == t_price)
        tallies["listing all four"].add(label, {"ok"} if ok else set(), {"ok"})
    posts = demo_posts(world, weeks)
    bare = [Post(source=p.source, thread_id=p.thread_id, post_id=p.post_id, url="", author=p.author,
                 body=p.body, thread_title="") for p, _, _ in posts]
    for (post, pt, th), e_body, e_full in zip(posts, ex.extract_many(bare, WHEN),
                                              ex.extract_many([p for p, _, _ in posts], WHEN), strict=True):
        label = f"{post.source}/{post.thread_id}/{post.post_id} {post.body[:70]!r}"
        tallies["post substances (body)"].add(label, set(e_body.substances), set(pt["substances"]))
        tallies["post substances (+title)"].add(f"{label} title {th['title']!r}", set(e_full.substances),
                                                set(pt["substances"]) | set(th["title_substances"]))
        vendors = {x.value for x in e_body.entities if x.label == "VENDOR"}
        tallies["post vendors (body)"].add(label, vendors, set(pt["vendors_mentioned"]))
        tallies["post novel (body)"].add(label, {c.lower() for c in e_body.candidates},
                                         {n.lower() for n in pt["novel"]})
    if show_errors:
        for name, tally in tallies.items():
            for err in tally.errors:
                print(f"  [{name}] {err}")
    return tallies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", default="0,10,18")
    ap.add_argument("--errors", action="store_true")
    args = ap.parse_args()
    tallies = run([int(w) for w in args.weeks.split(",")], args.errors)
    for name, t in tallies.items():
        print(t.line(name))
    markets = Counter(e.split("/")[0] for e in tallies["listing substances"].errors)
    if markets:
        print(f"listing substance differences by market: {dict(markets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
