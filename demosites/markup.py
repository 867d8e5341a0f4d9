"""Small HTML helpers shared by the site renderers."""

from __future__ import annotations

import html
from urllib.parse import quote

Page = tuple[int, str, bytes]  # (status, content type, body)
HTML = "text/html; charset=utf-8"
FALLBACK = "*"  # render-dict key served for any path not otherwise present (seized sites)
PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def esc(text: str) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(text, quote=True)


def q(value: str) -> str:
    """Percent-encode a path segment or query value."""
    return quote(value, safe="")


def page(body: str, status: int = 200) -> Page:
    """Encode a finished document."""
    return status, HTML, body.encode("utf-8")


def doc(title: str, body: str, css: str = "", lang: str = "en") -> str:
    """A minimal HTML5 document."""
    style = f"<style>{css}</style>" if css else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title>{style}</head>\n<body>\n{body}\n</body></html>\n")


def pages_of(items: list[object], size: int) -> int:
    """Number of index pages for ``items`` (at least one, even when empty)."""
    return max(1, (len(items) + size - 1) // size)


def pager(links: list[tuple[int, str]], current: int, cls: str = "pagination") -> str:
    """Page-number links; the current page is not a link."""
    parts = []
    for num, href in links:
        parts.append(f"<strong>{num}</strong>" if num == current
                     else f'<a href="{esc(href)}">{num}</a>')
    return f'<div class="{cls}">' + " ".join(parts) + "</div>" if len(links) > 1 else ""
