"""Throughput of the extraction pipeline beside the blank spaCy tokenizer, in the same run.

Targets (issue): >= 3,000 listings/s (~60 words) on one core with the full gazetteer, i.e. a ratio
>= 0.25 of the blank English tokenizer alone, peak RSS < 500 MB. The issue measured its references
on its own corpus: blank English tokenizer ~12,000 docs/s, plus a 10,000-pattern ``span_ruler``
~4,400/s (so its target is 0.68x of that pipeline). Both references run here on the same corpora
(``--no-ruler`` skips the second), and each verdict is printed. The blank tokenizer is the reference
that depends most on the corpus: on 60-word listings it runs anywhere from ~6,000/s (line breaks
and em dashes keep spaCy from caching) to ~33,000/s (a dozen templates, every chunk cached), while
the full pipeline runs ~3,300-4,800/s (compiled by mypyc; interpreted ~2,500-3,800/s); so the ratio
says more about the corpus than the pipeline, and the absolute rate is the figure to read (this is
the issue's machine kind: the naive FTS5 schema of ``bench/bench_index.py`` loads at the ~27,000
rows/s the index issue measured "here", on a fast evening).

    .venv/bin/python -m bench.bench_extract [--n 20000] [--n-realistic 5000] [--gazetteer DIR] [--gold]
                                            [--stages] [--repeat K] [--no-ruler]

Two corpora, each with its own reference rates, full rate and ratio:

* synthetic (the headline, comparable with earlier runs): listings shaped like market listings
  (title with amount and route, description of five sentences with dose, stealth and shipping
  talk, several languages: ~60 words, as the issue's target assumes) from a dozen ASCII sentence
  templates. Every whitespace-separated chunk recurs, so spaCy's tokenizer cache answers nearly
  all of them: it stands for the pipeline's cost, and flatters the blank tokenizer. ``--gold``
  uses tests/gold/listings.jsonl repeated instead.
* realistic: listings recombined from the hand-written gold listings (tests/gold/listings.jsonl):
  a gold listing's title, price, places and vendor, and description sentences drawn from the gold
  listings of the same language (with the line breaks they were written with) until the listing
  has 60 words; fixed seed. It has what market text has and the templates lack: em dashes, line
  breaks, accents, emoji, Cyrillic, a vocabulary that keeps growing. The blank tokenizer pays for
  its special cases here (a doc with a line break or an em dash is tokenised uncached from there
  on), so its rate is low and the ratio high; read the absolute rate beside it.

``--stages`` adds CPU time per stage (tokenizer, reading the token data every component shares,
each pipeline component, the record assembly), measured on the same listings one stage at a time.
``--repeat K`` reports the best of K runs of each rate: on a shared machine other jobs slow CPU
time too (caches, memory bandwidth), by 10-20% from one run to the next.

The headline rates analyse every listing (the extractor's memo of re-sighted texts is off). The
"re-crawl" line then shows what a weekly re-crawl costs: the synthetic listings a week later with
new prices, the memo on (texts analysed once, prices, places and vendor read again).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import spacy
from spacy.language import Language

from narcoscope import compiled
from narcoscope.records import Listing, PriceDisplay
from nlp import Extractor
from nlp._extractor import SEP
from nlp.components import _doc
from nlp.components._doc import found, lexicon_of

ROOT = Path(__file__).resolve().parents[1]
DRUGS = ["MDMA", "Ketamine", "Cocaine", "Xanax", "3-MMC", "2-FDCK", "1P-LSD", "Speed paste", "Heroin",
         "OG Kush", "Hash", "Oxycontin", "Bromazolam", "MDMB-4en-PINACA", "Mephedrone", "Valium",
         "ketamin", "alprazolan", "Crystal meth", "25I-NBOMe", "4-HO-MET", "Adderall", "LSD"]
NOVEL = ["4F-ADB-PXINACA", "zavonitazene", "fluvetizolam", "3-QMMC", "brovazepam"]
AMOUNTS = ["1g", "5g", "10 g", "3.5g", "half oz", "1 oz", "QP", "x50", "10 x 2mg", "100ug", "20 pills",
           "250mg", "an eighth", "1kg", "25 tabs"]
ROUTES = ["NL->WW", "🇩🇪 → 🇪🇺", "UK NDD", "EU to EU", "USA only", "[ES]", ""]
FROM = ["Netherlands", "Germany", "United Kingdom", "USA", "Torland", "Deutschland", "España", "Polska",
        "Россия", "NL", "EU", "Worldwide", ""]
TO = ["Worldwide", "Europe", "EU, UK", "United States", "Worldwide except USA/AUS", "Deutschland, Österreich", ""]
PRICES = ["$120", "USD 1,410.00", "€ 1.299,00", "59,00 EUR", "£45", "0.0234 BTC", "0.5 XMR", "12 mBTC", "€90"]
SENTENCES = [
    "Lab tested {p}% purity, reagent test pictures in the gallery.",
    "Stealth: vacuum sealed twice, MBB, inside a DVD case, tracking on request.",
    "We ship within 24h, escrow only for new buyers, FE for 10+ orders.",
    "Dose {d}mg and wait two hours before redosing, do not mix with alcohol.",
    "Bulk prices: 10g for $90, 25g for $200, 100g message me.",
    "Reship once if lost, no refund on seized packages, PGP key on profile.",
    "Versand aus Deutschland, Lieferzeit 2-3 Tage, sauber verpackt.",
    "Envío desde España, discreto y rápido, seguimiento incluido.",
    "Crystal clear stealth, speed of delivery is our priority.",
    "Compared with our {drug2} this batch is stronger, customers love it.",
    "Not cut with levamisole, unlike the street stuff you find locally.",
    "Contact vendor for samples; 5-HTP and MK-677 are not sold here.",
]


def synthetic(n: int, seed: int = 7) -> list[Listing]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        drug = rnd.choice(DRUGS + NOVEL[:1] if rnd.random() < 0.9 else NOVEL)
        tag = rnd.choice(["top quality", "pure", "pharma grade", "best price"])
        title = f"{drug} {rnd.choice(AMOUNTS)} {tag} {rnd.choice(ROUTES)}"
        desc = " ".join(rnd.choice(SENTENCES).format(p=rnd.randint(60, 99), d=rnd.choice([2, 10, 100]),
                                                     drug2=rnd.choice(DRUGS)) for _ in range(5))
        out.append(Listing(source="bench", listing_id=str(i), url="", title=title, description=desc,
                           vendor=f"vendor{i % 97}", prices=(PriceDisplay(rnd.choice(PRICES)),),
                           ships_from=rnd.choice(FROM), ships_to=rnd.choice(TO)))
    return out


def gold(n: int) -> list[Listing]:
    lines = (ROOT / "tests/gold/listings.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line]
    out = []
    for i in range(n):
        d = rows[i % len(rows)]
        out.append(Listing(source="gold", listing_id=f"{d['id']}-{i}", url="", title=d["title"],
                           description=d["description"], vendor=d.get("vendor") or "",
                           prices=(PriceDisplay(d["price"]),) if d.get("price") else (),
                           ships_from=d.get("ships_from") or "", ships_to=d.get("ships_to") or ""))
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])([ \n]+)")


def realistic(n: int, seed: int = 11, words: int = 60) -> list[Listing]:
    """Listings recombined from the gold listings (see the module docstring): each takes a gold
    title with its price, places and vendor, then description sentences of gold listings in the
    same language, each with the space or line break written after it, until ``words`` words."""
    lines = (ROOT / "tests/gold/listings.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line]
    sentences: dict[str, list[tuple[str, str]]] = {}  # language -> (sentence, separator after it)
    for d in rows:
        parts = _SENTENCE_END.split((d.get("description") or "").strip())
        pool = sentences.setdefault(d["gold"].get("lang") or "", [])
        pool += [(parts[i], "\n" if "\n" in parts[i + 1] else " ") for i in range(0, len(parts) - 1, 2)]
        if parts[-1]:
            pool.append((parts[-1], " "))
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        d = rnd.choice(rows)
        pool = sentences[d["gold"].get("lang") or ""] or sentences["en"]
        count = len(d["title"].split())
        desc: list[str] = []
        while count < words:
            sentence, sep = rnd.choice(pool)
            desc += [sentence, sep]
            count += len(sentence.split())
        out.append(Listing(source="realistic", listing_id=str(i), url="", title=d["title"],
                           description="".join(desc[:-1]), vendor=d.get("vendor") or "",
                           prices=(PriceDisplay(d["price"]),) if d.get("price") else (),
                           ships_from=d.get("ships_from") or "", ships_to=d.get("ships_to") or ""))
    return out


def rate(fn: object, n: int, repeat: int = 1) -> float:
    """Items per second of this process's CPU time (the best of ``repeat`` runs): other jobs on
    a shared machine inflate wall time but not (much) the CPU time we use."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.process_time()
        fn()  # type: ignore[operator]
        best = min(best, time.process_time() - start)
    return n / best


def stages(extractor: Extractor, listings: list[Listing], observed: datetime, k: int = 1) -> list[tuple[str, float]]:
    """Microseconds of CPU time per listing for each stage, run one stage at a time over all docs
    (the best of ``k`` runs per stage, each run on docs made afresh)."""
    runs = [_stages(extractor, listings, observed) for _ in range(max(1, k))]
    return [(name, min(run[i][1] for run in runs)) for i, (name, _) in enumerate(runs[0])]


def _stages(extractor: Extractor, listings: list[Listing], observed: datetime) -> list[tuple[str, float]]:
    out = []
    start = time.process_time()
    docs = [extractor._listing_doc(x) for x in listings]
    out.append(("tokenizer (make_doc)", time.process_time() - start))
    lexicon = lexicon_of(extractor.nlp)
    start = time.process_time()
    for doc in docs:
        found(doc, lexicon)
    out.append(("token data (found)", time.process_time() - start))
    for name, proc in extractor.nlp.pipeline:
        start = time.process_time()
        for doc in docs:
            proc(doc)
        out.append((name, time.process_time() - start))
    start = time.process_time()
    for x, doc in zip(listings, docs, strict=True):
        extractor._listing_result(x, doc, observed)
    out.append(("record assembly", time.process_time() - start))
    return [(name, 1e6 * t / len(listings)) for name, t in out]


ABSOLUTE_TARGET = 3000  # listings/s on one core
RATIO_TARGET = 0.25  # of the blank English tokenizer alone
RULER_PATTERNS = 10_000  # the reference span_ruler
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _bump(m: re.Match[str]) -> str:
    """The same price a little higher, written the same way (markets re-price week to week)."""
    digits = m.group()
    sep = "," if "," in digits else "."
    value = float(digits.replace(",", ".")) * 1.03
    decimals = len(digits.rsplit(sep, 1)[1]) if sep in digits else 0
    return f"{value:.{decimals}f}".replace(".", sep)


@dataclasses.dataclass(frozen=True)
class Rates:
    """One corpus's rates (listings per second of CPU time)."""

    words: float  # words per listing on average
    blank: float  # the blank English tokenizer alone (the reference)
    ruler: float | None  # blank English + span_ruler with 10,000 gazetteer phrases (the other reference)
    tokenizer: float  # the pipeline's own tokenizer alone
    full: float  # the full extraction, memo off


def reference_ruler(extractor: Extractor, patterns: int = RULER_PATTERNS) -> Language:
    """The issue's reference pipeline: a blank English pipeline with a ``span_ruler`` matching
    ``patterns`` distinct phrases of the gazetteer on LOWER (as narcoscope matches them)."""
    gz = extractor.nlp.get_pipe("substances").gz  # type: ignore[attr-defined]
    phrases = sorted({" ".join(tokens) for _, tokens in gz.patterns})[:patterns]
    ruler_nlp = spacy.blank("en")
    ruler = ruler_nlp.add_pipe("span_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "SUBSTANCE", "pattern": p} for p in phrases])  # type: ignore[attr-defined]
    return ruler_nlp


def measure(extractor: Extractor, blank: Language, ruler: Language | None, listings: list[Listing],
            observed: datetime, k: int) -> Rates:
    """The rates of one corpus, each the best of ``k`` runs. Docs are dropped as they are made:
    peak RSS should reflect the pipeline, not a list of Docs."""
    texts = [f"{x.title}{SEP}{x.description}" for x in listings]
    list(extractor.extract_many(listings[:500], observed))  # warm caches (ECB table, memo dicts)
    return Rates(words=sum(len(t.split()) for t in texts) / len(texts),
                 blank=rate(lambda: sum(len(blank.tokenizer(t)) for t in texts), len(texts), k),
                 ruler=rate(lambda: sum(len(ruler(t).spans) for t in texts), len(texts), k) if ruler else None,
                 tokenizer=rate(lambda: sum(len(extractor.nlp.make_doc(t)) for t in texts), len(texts), k),
                 full=rate(lambda: sum(1 for _ in extractor.extract_many(listings, observed)), len(listings), k))


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="synthetic listings (default 20000)")
    ap.add_argument("--n-realistic", type=int, default=5000, help="realistic listings (default 5000; 0: none)")
    ap.add_argument("--gazetteer", type=Path, default=None, help="default: config/gazetteer")
    ap.add_argument("--gold", action="store_true", help="gold listings repeated instead of the synthetic ones")
    ap.add_argument("--stages", action="store_true", help="also print CPU time per pipeline stage")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs per rate (default 1)")
    ap.add_argument("--no-ruler", action="store_true", help="skip the span_ruler reference pipeline")
    args = ap.parse_args()
    corpora = {"gold" if args.gold else "synthetic": gold(args.n) if args.gold else synthetic(args.n)}
    if args.n_realistic > 0:
        corpora["realistic"] = realistic(args.n_realistic)
    t0 = time.perf_counter()
    extractor = Extractor.from_config(gazetteer_dir=args.gazetteer)
    load_s = time.perf_counter() - t0
    gz = extractor.nlp.get_pipe("substances").gz  # type: ignore[attr-defined]
    blank = spacy.blank("en")
    ruler = None if args.no_ruler else reference_ruler(extractor)
    observed = datetime(2026, 5, 4)
    # Every listing is analysed here: the memo of re-sighted texts (what a weekly re-crawl gains
    # from) is off for the headline figures and measured on its own below.
    memo_on = extractor.settings
    extractor.settings = dataclasses.replace(memo_on, memo_size=0)
    k = args.repeat
    rates = {name: measure(extractor, blank, ruler, listings, observed, k) for name, listings in corpora.items()}
    extractor.settings = memo_on
    listings = next(iter(corpora.values()))
    list(extractor.extract_many(listings, observed))  # last week's crawl: every text seen once
    repriced = [dataclasses.replace(x, prices=tuple(PriceDisplay(_NUMBER.sub(_bump, p.text, 1), p.quantity)
                                                    for p in x.prices)) for x in listings]
    week_later = observed + timedelta(days=7)
    recrawl_rate = rate(lambda: sum(1 for _ in extractor.extract_many(repriced, week_later)), len(listings), k)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"gazetteer: {len(gz.substances)} substances, {len(gz.patterns)} patterns, version {extractor.version}")
    print(f"start-up (Extractor.from_config): {load_s:.2f} s")
    print(f"token-data loops: {'C (nlp/_tokendata.c)' if _doc.read_tokens is not _doc.py_read_tokens else 'Python'}")
    listed = compiled.listed()
    built = [m for m in listed if m.extension is not None and not m.stale]
    print(f"compiled by mypyc: {len(built)} of the {len(listed)} modules pyproject.toml lists"
          + ("" if len(built) == len(listed) else " (the rest run interpreted: run make)"))
    print(f"rates are per second of process CPU time (robust to other load on the machine), best of {k}")
    for name, r in rates.items():
        print(f"{name}: {len(corpora[name])} listings, {r.words:.0f} words each on average")
        print(f"  blank en tokenizer:   {r.blank:10,.0f} listings/s  (the issue measured ~12,000 on its corpus)")
        if r.ruler:
            print(f"  blank en + span_ruler: {r.ruler:9,.0f} listings/s  ({RULER_PATTERNS:,} gazetteer phrases "
                  f"on LOWER; the issue measured ~4,400)")
        print(f"  narcoscope tokenizer: {r.tokenizer:10,.0f} listings/s")
        print(f"  full extraction:      {r.full:10,.0f} listings/s  ({1e6 / r.full:.0f} us/listing)")
        print(f"  target >= {ABSOLUTE_TARGET:,}/s: {met(r.full >= ABSOLUTE_TARGET)}; ratio full/blank tokenizer "
              f"{r.full / r.blank:.3f}, target >= {RATIO_TARGET}: {met(r.full / r.blank >= RATIO_TARGET)}")
        if r.ruler:
            print(f"  full / span_ruler reference: {r.full / r.ruler:.2f}x  (the issue's figures put its target "
                  f"at {ABSOLUTE_TARGET / 4400:.2f}x of its span_ruler)")
    print(f"re-crawl a week later: {recrawl_rate:9,.0f} listings/s  ({next(iter(corpora))}: same texts, new prices,"
          f" the text memo of {memo_on.memo_size:,} texts on)")
    print(f"peak RSS: {peak_mb:.0f} MB  (target < 500 MB)")
    if args.stages:
        print(f"per stage (us of CPU per listing, stages run one at a time, outside memory zones, best of {k}):")
        table = {name: stages(extractor, listings[: min(len(listings), 5000)], observed, k)
                 for name, listings in corpora.items()}
        print(f"  {'':22s} " + " ".join(f"{name:>10s}" for name in table))
        for i, (stage, _) in enumerate(next(iter(table.values()))):
            print(f"  {stage:22s} " + " ".join(f"{rows[i][1]:10.0f}" for rows in table.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
