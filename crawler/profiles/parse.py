"""One saved or fetched page + its site profile → what the page said (records and links).

Shared by the spiders, ``narcoscope parse`` and ``reprocess``: there is exactly one parser, so a
profile checked on saved pages behaves the same in a crawl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from parsel import Selector

from crawler.profiles.extract import PageContext, evaluate, html_selector, norm, select, serialized
from crawler.profiles.model import PageRule, SiteProfile
from narcoscope.records import Listing, Post, PriceDisplay, Vendor, stable_id

Record = Listing | Vendor | Post


@dataclass(slots=True)
class ParsedPage:
    kind: str
    blocked: str | None = None
    records: list[Record] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def blocked_reason(profile: SiteProfile, url: str, status: int, text: str, sel: Selector | None) -> str | None:
    """Why this page is not content, or None. Checked before any record is read from it."""
    low = None
    for rule in profile.blocked:
        if rule.status is not None and status != rule.status:
            continue
        if rule.url is not None and not rule.url.search(path_and_query(url)):
            continue
        if rule.text is not None:
            low = text.lower() if low is None else low
            if rule.text.lower() not in low:
                continue
        if rule.css is not None and (sel is None or not select(sel, rule.css)):
            continue
        return rule.reason
    return None


def parse_page(
    profile: SiteProfile, url: str, body: bytes | str, *, status: int = 200, digest: str = "",
    encoding: str = "utf-8", sel: Selector | None = None, check_blocked: bool = True, links: bool = True,
) -> ParsedPage:
    """Classify the page by URL, detect non-content pages, then read records and links.

    ``sel`` lets a crawl reuse the selector Scrapy already built for the response.
    """
    pq = path_and_query(url)
    rule = profile.rule_for(pq)
    text = body.decode(encoding, errors="replace") if isinstance(body, bytes) else body
    sel = sel if sel is not None else html_selector(text)
    reason = blocked_reason(profile, url, status, text, sel) if check_blocked else None
    if reason is not None:
        return ParsedPage(kind=rule.kind if rule else "other", blocked=reason)
    if rule is None:
        return ParsedPage(kind="other")
    ctx = PageContext.build(url, pq, rule.match.search(pq))
    values = {name: evaluate(spec, sel, ctx) for name, spec in rule.fields.items()}
    page = ParsedPage(kind=rule.kind, fields=values)
    page.records = _records(profile, rule, url, values, digest)
    if rule.follow and links:  # reprocess needs records only, never links
        page.links = _links(profile, rule, sel, url)
    return page


_LINK_CACHE: dict[tuple[str, str, str, str], str | None] = {}
_LINK_CACHE_MAX = 200_000


def _links(profile: SiteProfile, rule: PageRule, sel: Selector, base: str) -> list[str]:
    """Same-host links that a page rule accepts, absolute, in page order, without repeats.

    Market pages repeat the same navigation on every page, so resolved hrefs are cached per
    (profile, host, directory, href): resolving and rule-matching each one costs more than parsing.
    """
    hrefs: list[str] = []
    for css in rule.links or ("a::attr(href)",):
        hrefs.extend(serialized(select(sel, css)))
    parts = urlsplit(base)
    host, directory = parts.netloc, parts.path.rsplit("/", 1)[0]
    out: list[str] = []
    seen: set[str] = set()
    for href in hrefs:
        href = href.strip()
        key = (profile.path, host, "" if href.startswith("/") else directory + "?" + parts.query, href)
        absolute = _LINK_CACHE.get(key, "")
        if absolute == "":
            absolute = _LINK_CACHE[key] = _resolve(profile, base, host, href)
            if len(_LINK_CACHE) > _LINK_CACHE_MAX:
                _LINK_CACHE.clear()
        if absolute is not None and absolute not in seen:
            seen.add(absolute)
            out.append(absolute)
    return out


def _resolve(profile: SiteProfile, base: str, host: str, href: str) -> str | None:
    if not href or href.startswith(("javascript:", "mailto:", "data:", "#")):
        return None
    absolute = urldefrag(urljoin(base, href))[0]
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return None
    pq = path_and_query(absolute)
    if any(d.search(pq) for d in profile.deny) or profile.rule_for(pq) is None:
        return None
    return absolute


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_s(v) for v in value if v)
    return norm(str(value)) if not isinstance(value, dict) else ""


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(s for s in (_s(v) for v in value) if s)
    return (_s(value),) if _s(value) else ()


def _prices(value: Any) -> tuple[PriceDisplay, ...]:
    out: list[PriceDisplay] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            text = _s(item.get("text") or item.get("price"))
            if text:
                out.append(PriceDisplay(text=text, quantity=_s(item.get("quantity"))))
        elif item:
            out.append(PriceDisplay(text=_s(item)))
    return tuple(out)


_LISTING_KEYS = {"listing_id", "title", "description", "category", "vendor", "prices", "ships_from", "ships_to"}
_VENDOR_KEYS = {"name", "rating", "pgp_key", "description", "contacts"}


def _records(profile: SiteProfile, rule: PageRule, url: str, v: dict[str, Any], digest: str) -> list[Record]:
    if rule.record == "listing":
        if not _s(v.get("listing_id")) or not _s(v.get("title")):
            return []
        extra = {k: _s(x) for k, x in v.items() if k not in _LISTING_KEYS and _s(x)}
        return [Listing(
            source=profile.name, listing_id=_s(v["listing_id"]), url=url, title=_s(v["title"]),
            description=_s(v.get("description")), category=_strs(v.get("category")),
            vendor=_s(v.get("vendor")), prices=_prices(v.get("prices")),
            ships_from=_s(v.get("ships_from")), ships_to=_s(v.get("ships_to")),
            page_digest=digest, extra=extra,
        )]
    if rule.record == "vendor":
        if not _s(v.get("name")):
            return []
        return [Vendor(
            source=profile.name, name=_s(v["name"]), url=url, rating=_s(v.get("rating")),
            pgp_key=str(v.get("pgp_key") or "").strip(), description=_s(v.get("description")),
            contacts=_strs(v.get("contacts")), page_digest=digest,
        )]
    if rule.record == "thread":
        return list(_posts(profile, url, v, digest))
    return []


def _posts(profile: SiteProfile, url: str, v: dict[str, Any], digest: str) -> list[Post]:
    thread_id = _s(v.get("thread_id"))
    out: list[Post] = []
    for item in v.get("posts") or []:
        body = _s(item.get("body"))
        if not thread_id or not body:
            continue
        author = _s(item.get("author"))
        posted = _s(item.get("posted_at"))
        post_id = _s(item.get("post_id")) or stable_id(author, posted, body)[:12]
        out.append(Post(
            source=profile.name, thread_id=thread_id, post_id=post_id, url=url, author=author,
            body=body, posted_at=posted, thread_title=_s(v.get("thread_title")),
            board=_s(v.get("board")), page_digest=digest,
        ))
    return out
