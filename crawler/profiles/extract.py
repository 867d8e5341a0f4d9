"""Evaluate field specs against a parsed page.

Hot path of both the crawl and ``reprocess``: lxml/parsel only, no BeautifulSoup, and text is
read with ``itertext`` rather than XPath string functions.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from crawler.profiles.model import FieldSpec

Value = str | list[str] | list[dict[str, Any]] | None
_WS = re.compile(r"\s+")
_LABEL_PUNCT = " \t\r\n:：-–—=>"


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}  # parsel's
_CSS = HTMLTranslator()  # what parsel uses for HTML selectors, ::text and ::attr() included


@functools.lru_cache(maxsize=4096)
def _compiled(query: str, css: bool) -> etree.XPath:
    return etree.XPath(_CSS.css_to_xpath(query) if css else query, namespaces=_NAMESPACES, smart_strings=False)


def select(node: Selector | Any, query: str, *, css: bool = True) -> list[Any]:
    """``node.css(query)`` (or ``.xpath``) as parsel evaluates it, but the results are lxml elements
    and strings: wrapping every result in a Selector cost more than the query itself."""
    root = node.root if isinstance(node, Selector) else node
    if not isinstance(root, etree._Element):  # a text or attribute result: nothing below it
        return []
    result = _compiled(query, css)(root)
    return result if isinstance(result, list) else [result]


def serialized(results: list[Any]) -> list[str]:
    """``SelectorList.getall()`` of :func:`select` results."""
    out: list[str] = []
    for r in results:
        if isinstance(r, str):
            out.append(r)
        elif isinstance(r, etree._Element):
            out.append(etree.tostring(r, method="html", encoding="unicode", with_tail=False))
        else:
            out.append("1" if r is True else "0" if r is False else str(r))
    return out


@dataclass(slots=True)
class PageContext:
    """What a field may read besides the HTML: the URL's parts."""

    url: str
    groups: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, url: str, path_and_query: str, match: re.Match[str] | None) -> PageContext:
        query = parse_qs(path_and_query.partition("?")[2])
        groups = {k: v for k, v in (match.groupdict() if match else {}).items() if v is not None}
        return cls(url=url, groups=groups, query=query)


_BLOCK = frozenset((
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))
_SKIP = frozenset(("script", "style", "noscript", "template"))


def text_content(el: Any) -> str:
    """Visible text: inline tags join words as a browser would, block tags separate them.

    Comments, scripts and styles are never text (hostile pages hide things there).
    """
    parts: list[str] = []

    def walk(e: Any) -> None:
        tag = e.tag if isinstance(e.tag, str) else None
        if tag is not None and tag not in _SKIP:
            block = tag in _BLOCK
            if block:
                parts.append(" ")
            if e.text:
                parts.append(e.text)
            for child in e:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if block:
                parts.append(" ")

    walk(el)
    return norm("".join(parts))


def _text_of(el: Any, mode: str) -> str:
    if not isinstance(getattr(el, "tag", None), str):
        return norm(str(el))
    if mode == "own":
        return norm(" ".join(t for t in el.xpath("text()")))
    if mode == "raw":  # keep line breaks: PGP armor, code
        return "".join(el.itertext()).strip()
    return text_content(el)


def _from_selection(spec: FieldSpec, roots: list[Any]) -> list[str]:
    out: list[str] = []
    for root in roots:
        if spec.attr:
            val = root.get(spec.attr) if isinstance(getattr(root, "tag", None), str) else None
            if val is None and isinstance(getattr(root, "tag", None), str):
                found = root.xpath(f".//*[@{spec.attr}]") if re.fullmatch(r"[\w:-]+", spec.attr) else []
                val = found[0].get(spec.attr) if found else None
            if val is not None:
                out.append(val)
        elif isinstance(root, str):  # ::text, ::attr(), or an XPath string result
            out.append(root)
        else:
            out.append(_text_of(root, spec.text))
    return out


_LABELLED: list[Any] = [None, []]  # (root, its elements with own text): labels are looked up per page


def _texted(root: Any) -> list[tuple[Any, str]]:
    """Elements that start with their own text, lower-cased, for one page (cached for the page)."""
    if _LABELLED[0] is not root:
        _LABELLED[0] = root
        _LABELLED[1] = [
            (el, own) for el in root.iter()
            if isinstance(el.tag, str) and el.tag not in _SKIP and (own := (el.text or "").strip().lower())
        ]
    return _LABELLED[1]  # type: ignore[no-any-return]


def _label_value(spec: FieldSpec, root: Any) -> list[str]:
    """The value after a text label: in the same element, its tail, or the next element."""
    labels = [lab.lower().rstrip(_LABEL_PUNCT) for lab in spec.label]
    for el, own in _texted(root):
        for lab in labels:
            if own.startswith(lab):
                value = _after_label(spec, el, len(lab))
                if value is not None:
                    return [value]
    return []


def _after_label(spec: FieldSpec, el: Any, cut: int) -> str | None:
    if not spec.attr:
        rest = text_content(el)[cut:].lstrip(_LABEL_PUNCT)
        if rest:
            return rest
    node = el
    for _ in range(3):  # the label may sit in a <b> inside a <td>/<dt>: climb a little
        if not spec.attr and node.tail and node.tail.strip(_LABEL_PUNCT):
            return norm(node.tail).lstrip(_LABEL_PUNCT)
        nxt = node.getnext()
        while nxt is not None and not isinstance(nxt.tag, str):
            nxt = nxt.getnext()
        if nxt is not None:
            if spec.attr:
                holders = [nxt, *nxt.iter()]
                vals = [h.get(spec.attr) for h in holders if isinstance(h.tag, str) and h.get(spec.attr)]
                return vals[0] if vals else None
            return text_content(nxt)
        node = node.getparent()
        if node is None:
            return None
    return None


def _raw(spec: FieldSpec, sel: Selector | Any, ctx: PageContext) -> list[str]:
    if spec.css is not None:
        return _from_selection(spec, select(sel, spec.css))
    if spec.xpath is not None:
        return _from_selection(spec, select(sel, spec.xpath, css=False))
    if spec.label:
        scope = select(sel, spec.within) if spec.within else [sel.root if isinstance(sel, Selector) else sel]
        return [v for s in scope for v in _label_value(spec, s)]
    if spec.url is not None:
        if spec.url.startswith("param:"):
            return ctx.query.get(spec.url[6:], [])[:1]
        return [ctx.groups[spec.url]] if spec.url in ctx.groups else []
    if spec.const is not None:
        return [spec.const]
    return []


def _clean(spec: FieldSpec, values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if spec.strip:
            v = v.strip()
        if spec.regex is not None:
            m = spec.regex.search(v)
            if not m:
                continue
            gd = m.groupdict()
            v = gd.get("value") or (m.group(1) if m.groups() else m.group(0)) or ""
            v = v.strip() if spec.strip else v
        if spec.split is not None:
            out.extend(p.strip() for p in v.split(spec.split) if p.strip())
        elif v or not spec.strip:
            out.append(v)
    return out


def evaluate(spec: FieldSpec, sel: Selector | Any, ctx: PageContext) -> Value:
    """The value of one field: a string, a list (``many``/``split``), or a list of records.

    ``sel``: the page's Selector, or an lxml node of it (an ``items`` entry).
    """
    if spec.items is not None:
        return [{k: evaluate(sub, node, ctx) for k, sub in spec.fields.items()} for node in select(sel, spec.items)]
    if spec.first:
        for alt in spec.first:
            got = evaluate(alt, sel, ctx)
            if got:
                return got
        return spec.default
    values = _clean(spec, _raw(spec, sel, ctx))
    if spec.join is not None:
        return spec.join.join(values) if values else spec.default
    if spec.many or spec.split is not None:
        return values
    return values[0] if values else spec.default


def html_selector(body: bytes | str, encoding: str = "utf-8") -> Selector:
    """Parse hostile HTML forgivingly: lxml's recovering parser, never a hard failure."""
    text = body.decode(encoding, errors="replace") if isinstance(body, bytes) else body
    try:
        return Selector(text=text or "<html></html>", type="html")
    except (etree.ParserError, ValueError):
        return Selector(text="<html></html>", type="html")
