"""Evidence written inline or beside the reactor: a page's row is added only once its files exist."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawler.evidence_writer import EvidenceWriteError, EvidenceWriter
from crawler.frontier import request_dict
from narcoscope.records import RawPage
from store import PageStore, RecordStore
from store.warc import WarcLog, read_record

T = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)


def _page(url: str, body: bytes, warc: WarcLog) -> RawPage:
    return RawPage(url=url, source="m", fetched_at=T, observed_at=T, status=200, headers={"Server": "x"},
                   digest=PageStore.digest(body), crawl_id="c", warc_path=str(warc.path))


@pytest.mark.parametrize("threaded", [False, True])
def test_rows_follow_the_files_and_point_at_readable_evidence(tmp_path: Path, threaded: bool) -> None:
    pages, store = PageStore(tmp_path / "pages"), RecordStore(tmp_path / "db.sqlite")
    warc, writer = WarcLog(tmp_path / "c.warc.gz"), EvidenceWriter(pages, threaded=threaded, max_pending=2)
    bodies = {f"http://127.0.0.1/p{i}": f"<h1>page {i}</h1>".encode() * (i + 1) for i in range(20)}
    bodies["http://127.0.0.1/same"] = bodies["http://127.0.0.1/p3"]  # content-addressed: stored once
    for url, body in bodies.items():
        writer.submit(_page(url, body, warc), body, warc, [("Server", "x")])
    assert store.query("SELECT count(*) FROM pages")[0][0] == 0  # nothing before the drain
    assert writer.drain(store) == len(bodies)
    store.commit()
    writer.close()
    warc.close()
    for url, body in bodies.items():
        page = store.pages_for(url)[0]
        assert pages.get(page.digest, verify=True) == body
        rec = read_record(page.warc_path, page.warc_offset)
        assert (rec.uri, rec.body, rec.verified) == (url, body, True)
    assert len(list((tmp_path / "pages").rglob("*.gz"))) == len(bodies) - 1
    assert not list((tmp_path / "pages").rglob(".tmp-*"))


@pytest.mark.parametrize("threaded", [False, True])
def test_a_failed_write_is_never_committed_and_keeps_failing(tmp_path: Path, threaded: bool) -> None:
    pages, store = PageStore(tmp_path / "pages"), RecordStore(tmp_path / "db.sqlite")
    warc, writer = WarcLog(tmp_path / "c.warc.gz"), EvidenceWriter(pages, threaded=threaded)
    good, bad = b"<p>kept</p>", b"<p>lost</p>"
    writer.submit(_page("http://127.0.0.1/good", good, warc), good, warc, [])
    writer.drain(store)
    blocker = tmp_path / "pages" / PageStore.digest(bad)[:2]
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the fan-out directory should be")
    with pytest.raises(EvidenceWriteError) if not threaded else _noop():
        writer.submit(_page("http://127.0.0.1/bad", bad, warc), bad, warc, [])
    with pytest.raises(EvidenceWriteError):
        writer.drain(store)
    with pytest.raises(EvidenceWriteError):  # every later drain too: the crawl stops committing
        writer.drain(store)
    store.commit()
    assert [r[0] for r in store.query("SELECT url FROM pages")] == ["http://127.0.0.1/good"]
    writer.close()


class _noop:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_page_store_files_are_plain_gzip(tmp_path: Path) -> None:
    pages = PageStore(tmp_path)
    digest = pages.put(b"<html>x</html>")
    assert gzip.decompress(pages.path_for(digest).read_bytes()) == b"<html>x</html>"
    assert pages.put(b"<html>x</html>") == digest


def test_request_dict_matches_scrapy(tmp_path: Path) -> None:
    import scrapy

    from crawler.profiles import load_profiles
    from crawler.spiders.profiled import MarketSpider

    spider = MarketSpider(load_profiles()["tortuga"], mirror="http://127.0.0.1:1")
    requests = [
        scrapy.Request("http://127.0.0.1:1/a", callback=spider.parse, errback=spider.on_error,
                       meta={"tor_source": "tortuga"}, priority=3, headers={"X-A": "1"}),
        scrapy.Request("http://127.0.0.1:1/b"),
        scrapy.FormRequest("http://127.0.0.1:1/f", formdata={"q": "x"}, callback=spider.parse),
        scrapy.Request("http://127.0.0.1:1/c", callback=spider.parse, dont_filter=True, cb_kwargs={"k": 1}),
    ]
    for request in requests:
        assert request_dict(request, spider) == request.to_dict(spider=spider)
    other = MarketSpider(load_profiles()["tortuga"], mirror="http://127.0.0.1:1")
    foreign = scrapy.Request("http://127.0.0.1:1/d", callback=other.parse)  # falls back to Scrapy's lookup
    assert request_dict(foreign, spider) == foreign.to_dict(spider=spider)
    with pytest.raises(ValueError):  # not a method at all: Scrapy's error
        request_dict(scrapy.Request("http://127.0.0.1:1/e", callback=lambda r: None), spider)
