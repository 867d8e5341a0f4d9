"""nightjar: an AlphaBay-like market. Div cards, ids in paths and data attributes, flag images,
bulk price tiers, prices in USD and XMR."""

from __future__ import annotations

from demosites.markup import PIXEL, Page, doc, esc, page, pager, pages_of, q
from demosites.model import Account, ListingSpec
from demosites.places import country_name
from demosites.sites.common import PAGE_SIZE, MarketView, qty_label

CSS = (".listing-card{border:1px solid #ccc;margin:4px;padding:4px}"
       ".flag{width:16px;height:11px}")


def _flag(code: str) -> str:
    title = "??" if code == "XX" else code
    return f'<img class="flag" src="{PIXEL}" alt="{esc(country_name(code))}" title="{title}">'


def _frame(view: MarketView, title: str, main: str) -> str:
    items = []
    for key, specs in view.by_category().items():
        slug, labels = view.category_of_key(key)
        items.append(f'<li><a href="/c/{slug}">{esc(labels[-1])}</a> <span class="count">'
                     f"{len(specs)}</span></li>")
    body = (f'<nav class="navbar"><a class="brand" href="/">nightjar</a> <a href="/vendors">Vendors</a>'
            f'<span class="xmr">1 XMR = market rate</span></nav>\n<div class="container">'
            f'<aside class="sidebar"><h4>Browse categories</h4><ul>{"".join(items)}</ul></aside>'
            f'<main class="content">{main}</main></div>')
    return doc(f"{title} | nightjar", body, CSS)


def _card(view: MarketView, spec: ListingSpec) -> str:
    price = view.prices[spec.listing_id]
    return (f'<div class="listing-card" data-listing-id="{spec.listing_id}">'
            f'<a class="title" href="/listing/{spec.listing_id}">{esc(spec.title)}</a>'
            f'<div class="vendor">Sold by <a href="/profile/{q(spec.vendor)}">{esc(spec.vendor)}'
            f"</a> ({view.rating(spec.vendor):.2f} ★)</div>"
            f'<div class="price">{esc(price.display)}</div>'
            f'<div class="ship">{_flag(spec.ships_from)} &rarr; {esc(spec.ships_to_text)}</div>'
            "</div>")


def _tiers(view: MarketView, spec: ListingSpec) -> str:
    if not spec.tiers:
        return ""
    rows = "".join(f"<tr><td>{qty_label(spec.product, t)}</td>"
                   f"<td>{esc(view.tier_price(spec, t).display)}</td></tr>" for t in spec.tiers)
    return (f'<table class="bulk-prices"><thead><tr><th>Quantity</th><th>Price</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def _listing(view: MarketView, spec: ListingSpec) -> str:
    price = view.prices[spec.listing_id]
    slug, labels = view.category(spec)
    desc = spec.description if spec.raw_description else esc(spec.description)
    crumbs = (f'<div class="breadcrumb"><a href="/">Home</a> &rsaquo; '
              f'<a href="/c/{slug}">{" &rsaquo; ".join(esc(x) for x in labels)}</a></div>')
    head = f'<div class="listing" data-listing-id="{spec.listing_id}">{crumbs}'
    if spec.malformed:  # a div never closed, a span closed twice
        head = f'<div class="listing" data-listing-id="{spec.listing_id}"><div class="row">{crumbs}'
    return (f"{head}<h1 class=\"listing-title\">{esc(spec.title)}</h1>"
            f'<div class="price-main">{esc(price.display)}</div>{_tiers(view, spec)}'
            f'<div class="origin">Origin: {_flag(spec.ships_from)}'
            + ("</span></span>" if spec.malformed else "")
            + f'</div><div class="destination">Ships to: {esc(spec.ships_to_text)}</div>'
            f'<div class="vendor-box">Vendor: <a href="/profile/{q(spec.vendor)}">'
            f"{esc(spec.vendor)}</a> <span class=\"rating\">({view.rating(spec.vendor):.2f})"
            f'</span></div><h3>Description</h3><div class="description">{desc}</div></div>')


def _vendor(view: MarketView, acc: Account) -> str:
    persona = view.personas[acc.persona]
    cards = "".join(_card(view, s) for s in view.vendor_listings(acc.name)) or (
        "<p class=\"empty\">No active listings.</p>")
    return (f'<div class="profile"><h1 class="username">{esc(acc.name)}</h1>'
            f'<div class="stats"><span class="rating">Rating: {acc.rating:.2f}</span> '
            f'<span class="sales">{acc.sales} sales</span> '
            f'<span class="joined">Joined: {view.join_date(acc)}</span> '
            f'<span class="from">From: {_flag(persona.origin)}</span></div>'
            f'<div class="bio">{esc(acc.bio)}</div><h3>PGP</h3>'
            f'<textarea class="pgp-key" readonly rows="12">{persona.key.armor}</textarea>'
            f'<h3>Listings</h3><div class="listings">{cards}</div></div>')


def render(view: MarketView) -> dict[str, Page]:
    """Every page of nightjar for this week."""
    out: dict[str, Page] = {}
    featured = "".join(_card(view, s) for s in view.listings[:6])
    out["/"] = page(_frame(view, "Welcome", f"<h2>Featured listings</h2>{featured}"))
    for key, items in view.by_category().items():
        slug, labels = view.category_of_key(key)
        n = pages_of(list(items), PAGE_SIZE)
        links = [(i, f"/c/{slug}" + (f"/page/{i}" if i > 1 else "")) for i in range(1, n + 1)]
        for num, path in links:
            chunk = items[(num - 1) * PAGE_SIZE: num * PAGE_SIZE]
            cards = "".join(_card(view, s) for s in chunk) or "<p>No listings found.</p>"
            main = f"<h2>{esc(labels[-1])}</h2>{cards}{pager(links, num, 'pager')}"
            out[path] = page(_frame(view, labels[-1], main))
    for spec in view.listings:
        out[f"/listing/{spec.listing_id}"] = page(_frame(view, spec.title, _listing(view, spec)))
    vendor_items = "".join(f'<li><a href="/profile/{q(a.name)}">{esc(a.name)}</a> '
                           f'<span class="rating">{a.rating:.2f}</span></li>'
                           for a in sorted(view.accounts, key=lambda a: a.name.casefold()))
    out["/vendors"] = page(_frame(view, "Vendors", f'<ul class="vendor-list">{vendor_items}</ul>'))
    for acc in view.accounts:
        out[f"/profile/{q(acc.name)}"] = page(_frame(view, acc.name, _vendor(view, acc)))
    return out
