"""Captured pages shown as evidence: digest, capture time and a sanitised *text* view.

The raw HTML of a scraped page is hostile and is never sent to a browser; only the visible text
is extracted (scripts, styles, templates and comments dropped) and the page shows it with
``textContent``. The digest is re-checked against the stored body so the analyst sees whether the
evidence is intact.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

from store.pages import DigestMismatch, PageStore

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head")
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "table", "ul", "ol", "dd", "dt", "pre", "blockquote", "header", "footer", "form", "hr"}
MAX_TEXT = 200_000


def html_to_text(body: bytes) -> str:
    """Visible text of an HTML document, with line breaks at block elements."""
    if not body.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return body.decode("utf-8", "replace")[:MAX_TEXT]
    for bad in root.xpath("//" + " | //".join(_DROP)):
        bad.drop_tree()
    # Comments and processing instructions never reach text_content() (XPath string()).
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK:  # a line break on both sides of a block
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
    text = root.text_content()
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.strip()[:MAX_TEXT]


def evidence_text(store: PageStore, digest: str) -> dict[str, Any]:
    """The page's text and whether its body still matches its digest."""
    if not digest or digest not in store:
        return {"digest": digest, "available": False, "verified": False, "text": ""}
    try:
        body = store.get(digest, verify=True)
        verified = True
    except DigestMismatch:
        body, verified = store.get(digest), False
    return {"digest": digest, "available": True, "verified": verified, "bytes": len(body),
            "text": html_to_text(body)}
