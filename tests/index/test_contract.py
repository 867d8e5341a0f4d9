"""ONE behavioural suite for every index backend (the ``backend`` fixture: SQLite, and ES when
NARCOSCOPE_ES_URL is set). Expected ids were worked out by hand from ``fixture_corpus``; counts
that are easy to recompute (facets, weekly) are checked against a plain-Python oracle."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from fixture_corpus import BASE, BY_ID, DOCS, observations, volumes

from index.base import Index, InvalidRequestError, SearchRequest
from index.documents import PRICE_BANDS, iso_week, price_band
from index.query import QuerySyntaxError

ALL_LISTINGS = {d.doc_id for d in DOCS if d.kind == "listing"}
COCAINE_TEXT = {"L01", "L02", "L03", "L21", "L22", "L25", "L28", "L31", "P01"}

QUERIES: list[tuple[str, set[str]]] = [
    ("cocaine", COCAINE_TEXT),
    ('"crystal meth"', {"L04", "P05"}),
    ("cocaine from:NL", {"L01", "L02", "L21", "L31"}),
    ("substance:heroin", {"L07", "L08", "L21", "L33", "P04", "P10"}),
    ("class:opioid", {"L07", "L08", "L16", "L21", "L23", "L33", "L40", "P04", "P08", "P10"}),
    ("vendor:DRAGON", {"L07", "L08", "L21", "L33"}),
    ("market:bravo kind:listing", {"L03", "L04", "L07", "L08", "L11", "L12", "L15", "L16", "L19", "L20", "L23",
                                   "L24", "L27", "L28"}),
    ("price_usd:[100 TO 200]", {"L03", "L09", "L11", "L12", "L14", "L27"}),
    ("price_usd:>400", {"L23", "L28"}),
    ("price_usd:<20", {"L10", "L35", "L38"}),
    ("mdmb*", {"L11", "L12", "P02"}),
    ("ketamine -sample", {"L09", "L29", "L36", "P03"}),
    ("heroin OR fentanyl", {"L07", "L08", "L21", "L23", "L33", "P04", "P08", "P10"}),
    ("title:crystal", {"L04", "L05", "P05"}),
    ("from:US to:CA", {"L16"}),
    ("seen:[2026-03-01 TO *]", {"L09", "L11", "L13", "L16", "L20"}),
    ("(cocaine OR heroin) from:DE", {"L03", "L25", "L28"}),
    ("cocaine OR substance:fentanyl", COCAINE_TEXT | {"L23", "P08"}),
    ("NOT source:alpha kind:listing", ALL_LISTINGS - {d.doc_id for d in DOCS if d.source == "alpha"}),
    ("lang:de", {"P07"}),
    ('"vacuum sealed"', {"L01"}),
    ("shard", {"L04", "L09", "L27"}),
    ("NOT price_usd:[0 TO 1000] kind:listing", {"L22"}),
    ("to:WW", {"L01", "L09", "L11", "L12", "L13", "L26", "L35"}),
    ("cocaine -vendor:snowman", {"L01", "L02", "L21", "L22", "P01"}),
    ("substance:mdmb*", {"L11", "L12", "P02"}),
    ("first_seen:[2026-01-05 TO 2026-01-06]", {"L01", "L02"}),
]


@pytest.fixture
def loaded(backend: Index) -> Index:
    backend.write_batch(DOCS, observations(), volumes())
    return backend


def ids(index: Index, query: str, **kw: object) -> set[str]:
    res = index.search(SearchRequest(query=query, size=100, **kw))  # type: ignore[arg-type]
    assert not res.total_is_lower_bound
    assert res.total == len(res.hits)
    return {h.doc.doc_id for h in res.hits}


def test_write_and_get(loaded: Index) -> None:
    assert loaded.count() == 50
    for doc in (BY_ID["L01"], BY_ID["L22"], BY_ID["P07"]):
        assert loaded.get(doc.doc_id) == doc
    assert loaded.get("nope") is None


def test_rewrite_is_idempotent_and_merges_seen_times(loaded: Index) -> None:
    loaded.write_batch(DOCS, observations(), volumes())
    assert loaded.count() == 50
    old = BY_ID["L03"]
    newer = dataclasses.replace(old, title="Colombian coke 2g RESTOCK", price_usd=140.0,
                                first_seen=old.first_seen + timedelta(days=5),
                                last_seen=old.last_seen + timedelta(days=9))
    earlier = dataclasses.replace(old, first_seen=old.first_seen - timedelta(days=3), last_seen=old.first_seen)
    loaded.write_batch([newer])
    loaded.write_batch([earlier, newer])  # the same id twice in one batch
    got = loaded.get("L03")
    assert got is not None and loaded.count() == 50
    assert got.first_seen == old.first_seen - timedelta(days=3)
    assert got.last_seen == old.last_seen + timedelta(days=9)
    assert got.title == "Colombian coke 2g RESTOCK" and got.price_usd == 140.0
    assert ids(loaded, "restock") == {"L03"}
    assert ids(loaded, "vendor:snowman") == {"L03", "L25", "L28", "L31"}


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_search_finds_expected_ids(loaded: Index, query: str, expected: set[str]) -> None:
    assert ids(loaded, query) == expected


def test_kind_filter_and_empty_query(loaded: Index) -> None:
    assert ids(loaded, "", kind="post") == {d.doc_id for d in DOCS if d.kind == "post"}
    assert ids(loaded, "cocaine", kind="listing") == COCAINE_TEXT - {"P01"}


def test_syntax_error_and_bad_request(loaded: Index) -> None:
    with pytest.raises(QuerySyntaxError):
        loaded.search(SearchRequest(query="cocaine (heroin"))
    with pytest.raises(InvalidRequestError):
        loaded.search(SearchRequest(query="x", facets=["colour"]))


def test_relevance_scores_are_ordered(loaded: Index) -> None:
    res = loaded.search(SearchRequest(query="cocaine", size=20))
    scores = [h.score for h in res.hits]
    assert all(s is not None for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


def _oracle_order(key: str, docs: list) -> list[str]:
    if key == "newest":
        return [d.doc_id for d in sorted(docs, key=lambda d: d.first_seen, reverse=True)]
    if key == "price_asc":
        return [d.doc_id for d in sorted(docs, key=lambda d: (d.price_usd is None, d.price_usd or 0))]
    if key == "price_desc":
        return [d.doc_id for d in sorted(docs, key=lambda d: (d.price_usd is None, -(d.price_usd or 0)))]
    return [d.doc_id for d in sorted(docs, key=lambda d: (d.last_seen, d.first_seen), reverse=True)]


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "last_seen"])
def test_sort_orders(loaded: Index, sort: str) -> None:
    docs = [d for d in DOCS if d.source == "alpha"]
    res = loaded.search(SearchRequest(query="source:alpha", sort=sort, size=50))  # type: ignore[arg-type]
    assert [h.doc.doc_id for h in res.hits] == _oracle_order(sort, docs)


def test_pagination_is_stable_and_complete(loaded: Index) -> None:
    full = [h.doc.doc_id for h in loaded.search(SearchRequest(query="kind:listing", sort="newest", size=40)).hits]
    pages = []
    for offset in range(0, 40, 7):
        res = loaded.search(SearchRequest(query="kind:listing", sort="newest", size=7, offset=offset))
        assert res.total == 40
        pages += [h.doc.doc_id for h in res.hits]
    assert pages == full and len(set(full)) == 40


def _oracle_facets(docs: list) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        out["substance"].update(set(d.substances))
        out["class"].update(set(d.classes))
        out["ships_to"].update(set(d.ships_to))
        for field, value in (("source", d.source), ("vendor", d.vendor), ("ships_from", d.ships_from),
                             ("lang", d.lang), ("price_band", price_band(d.price_usd))):
            if value:
                out[field][value] += 1
    return out


@pytest.mark.parametrize("query", ["", "substance:cocaine", "cocaine OR heroin", "kind:listing price_usd:<100"])
def test_facets_match_oracle(loaded: Index, query: str) -> None:
    fields = ["substance", "class", "source", "vendor", "ships_from", "ships_to", "price_band", "lang"]
    res = loaded.search(SearchRequest(query=query, size=100, facets=fields))
    assert not res.facets_sampled
    matched = [BY_ID[h.doc.doc_id] for h in res.hits]
    oracle = _oracle_facets(matched)
    for field in fields:
        if field == "price_band":  # bands come in band order, not by count
            assert res.facets[field] == [(b, oracle[field][b]) for b, _l, _h in PRICE_BANDS if oracle[field][b]]
        else:  # top 20 by count, ties by value
            assert res.facets[field] == sorted(oracle[field].items(), key=lambda kv: (-kv[1], kv[0]))[:20], field


def test_facets_by_hand(loaded: Index) -> None:
    res = loaded.search(SearchRequest(query="substance:cocaine", facets=["source", "price_band", "ships_from"]))
    assert res.facets["source"] == [("alpha", 5), ("bravo", 2), ("dread", 2), ("charlie", 1)]
    assert res.facets["price_band"] == [("10-50", 1), ("50-100", 2), ("100-500", 3), ("500-1000", 1)]
    assert res.facets["ships_from"] == [("NL", 4), ("DE", 3), ("XX", 1)]


def test_highlight_escapes_hostile_text(loaded: Index) -> None:
    res = loaded.search(SearchRequest(query="cocaine vendor:evil", highlight=True))
    (hit,) = res.hits
    title, body = hit.highlights["title"], hit.highlights["body"]
    assert "<script>" not in title and "&lt;script&gt;" in title
    assert "<mark>cocaine</mark>" in title
    assert "<b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body and "&amp;" in body
    assert "<mark>cocaine</mark>" in body
    stripped = title.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def _oracle_weekly(by: str, doc_filter: set[str] | None = None) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for obs in observations():
        if doc_filter is not None and obs.doc_id not in doc_filter:
            continue
        keys = {"substance": obs.substances, "class": obs.classes, "source": [obs.source],
                "ships_from": [obs.ships_from] if obs.ships_from else []}[by]
        for key in set(keys):
            groups[(iso_week(obs.observed_at), key)].append(obs)
    return {k: (len(v), len({o.doc_id for o in v}), len({o.vendor for o in v if o.vendor}), len({o.source for o in v}))
            for k, v in groups.items()}


@pytest.mark.parametrize("by", ["substance", "class", "source", "ships_from"])
def test_weekly_matches_oracle(loaded: Index, by: str) -> None:
    agg = loaded.weekly(by)
    got = {(r.week, r.key): (r.observations, r.listings, r.vendors, r.markets) for r in agg.rows}
    assert got == _oracle_weekly(by)
    weeks = {t.week: t for t in agg.totals}
    first_week = iso_week(BASE)
    assert weeks[first_week].crawl_pages == 2 * 100 and weeks[first_week].crawl_listings == 2 * 50
    obs_per_week = Counter(iso_week(o.observed_at) for o in observations())
    assert {w: t.observations for w, t in weeks.items() if t.observations} == dict(obs_per_week)


def test_weekly_with_query_and_range(loaded: Index) -> None:
    agg = loaded.weekly("source", query="cocaine from:NL")
    got = {(r.week, r.key): (r.observations, r.listings, r.vendors, r.markets) for r in agg.rows}
    assert got == _oracle_weekly("source", {"L01", "L02", "L21", "L31"})
    start, end = date(2026, 1, 14), date(2026, 1, 20)  # a Wednesday, and the Tuesday after: two ISO weeks
    ranged = loaded.weekly("substance", start=start, end=end)
    assert {r.week for r in ranged.rows} == {"2026-W03", "2026-W04"}
    assert {t.week for t in ranged.totals} <= {"2026-W03", "2026-W04"}
    with pytest.raises(InvalidRequestError):
        loaded.weekly("colour")


def test_delete_source(loaded: Index) -> None:
    assert loaded.delete_source("charlie") == 10
    assert loaded.count() == 40
    assert ids(loaded, "cocaine") == COCAINE_TEXT - {"L31"}
    assert "charlie" not in {r.key for r in loaded.weekly("source").rows}
    res = loaded.search(SearchRequest(facets=["source"]))
    assert "charlie" not in dict(res.facets["source"])
    assert loaded.delete_source("charlie") == 0
