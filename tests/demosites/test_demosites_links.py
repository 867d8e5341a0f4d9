"""Every internal link resolves, and every page is reachable from the site's home page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lhtml

from demosites.markup import FALLBACK, Page

BASE = "http://site.invalid"
WEEKS = (0, 6, 12, 17, 18, 25)


def _links(body: bytes, path: str) -> set[str]:
    doc = lhtml.fromstring(body)
    out = set()
    for href in doc.xpath("//a/@href"):
        url = urljoin(BASE + path, href)
        parts = urlsplit(url)
        assert parts.netloc == "site.invalid", f"external link {href!r} on {path}"
        out.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


@pytest.mark.parametrize("week", WEEKS)
def test_no_broken_links_and_all_reachable(week: int,
                                           rendered: Callable[[int], dict[str, dict[str, Page]]]
                                           ) -> None:
    for site, pages in rendered(week).items():
        broken = []
        seen, todo = {"/"}, ["/"]
        while todo:
            path = todo.pop()
            status, ctype, body = pages.get(path) or pages[FALLBACK]
            assert status == 200 and ctype.startswith("text/html")
            for target in _links(body, path):
                if target not in pages and FALLBACK not in pages:
                    broken.append((path, target))
                elif target not in seen:
                    seen.add(target)
                    todo.append(target)
        assert not broken, f"{site} week {week}: {broken[:5]}"
        unreachable = set(pages) - seen - {FALLBACK}
        assert not unreachable, f"{site} week {week}: unreachable {sorted(unreachable)[:5]}"
