"""tortuga: an Agora-like market. Tables everywhere, ids and pagination in the query string."""

from __future__ import annotations

from demosites.markup import Page, doc, esc, page, pager, pages_of, q
from demosites.model import Account, ListingSpec
from demosites.sites.common import PAGE_SIZE, MarketView

CSS = "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"


def _frame(view: MarketView, title: str, main: str) -> str:
    cats = "".join(
        f'<tr><td><a href="/cat?c={slug}">{esc(labels[-1])}</a> ({len(items)})</td></tr>'
        for key, items in view.by_category().items()
        for slug, labels in [view.category_of_key(key)]
    )
    body = (f'<div id="header"><a href="/">Tortuga Market</a> &middot; <a href="/vendors">Vendors</a> '
            f'&middot; escrow: ON</div>\n<table id="layout"><tr>'
            f'<td id="sidebar" valign="top"><table class="categories">{cats}</table></td>'
            f'<td id="main" valign="top">{main}</td></tr></table>')
    return doc(f"Tortuga - {title}", body, CSS)


def _rows(view: MarketView, items: list[ListingSpec]) -> str:
    rows = ['<table class="products"><tr><th>Item</th><th>Price</th><th>Vendor</th>'
            '<th>Ships from</th></tr>']
    for spec in items:
        price = view.prices[spec.listing_id]
        rows.append(
            f'<tr class="product"><td><a href="/item?id={spec.listing_id}">{esc(spec.title)}'
            f'</a></td><td>{esc(price.display.split(" (")[0])}</td>'
            f'<td><a href="/vendor?u={q(spec.vendor)}">{esc(spec.vendor)}</a> '
            f'({view.rating(spec.vendor):.2f})</td><td>{esc(spec.ships_from_text)}</td></tr>')
    rows.append("</table>")
    return "\n".join(rows)


def _listing(view: MarketView, spec: ListingSpec) -> str:
    price = view.prices[spec.listing_id]
    slug, labels = view.category(spec)
    crumbs = " &gt; ".join(esc(x) for x in labels)
    # vendors' templates differ: label and value in one cell, or in two
    if int(spec.listing_id) % 2:
        ships = (f"<tr><td colspan=\"2\">Ships from: {esc(spec.ships_from_text)}</td></tr>"
                 f"<tr><td colspan=\"2\">Ships to: {esc(spec.ships_to_text)}</td></tr>")
    else:
        ships = (f"<tr><td>Ships from:</td><td>{esc(spec.ships_from_text)}</td></tr>"
                 f"<tr><td>Ships to:</td><td>{esc(spec.ships_to_text)}</td></tr>")
    desc = spec.description if spec.raw_description else esc(spec.description)
    title = esc(spec.title)
    if spec.malformed:  # broken nesting and unclosed cells, as hand-edited templates had
        return (f'<h1 class="title"><b><i>{title}</b></i></h1>\n<table class="listing">'
                f'<tr><td>Vendor:<td><a href="/vendor?u={q(spec.vendor)}">{esc(spec.vendor)}</a>'
                f"<tr><td>Price:<td>{esc(price.display)}"
                f'<tr><td>Category:<td><a href="/cat?c={slug}">{crumbs}</a>{ships}'
                f'<tr><td colspan="2" class="description"><p>{desc}')
    return (f'<h1 class="title">{title}</h1>\n<table class="listing">'
            f'<tr><td>Vendor:</td><td><a href="/vendor?u={q(spec.vendor)}">{esc(spec.vendor)}'
            f"</a> [{view.rating(spec.vendor):.2f}/5]</td></tr>"
            f"<tr><td>Price:</td><td>{esc(price.display)}</td></tr>"
            f'<tr><td>Category:</td><td><a href="/cat?c={slug}">{crumbs}</a></td></tr>{ships}'
            f'<tr><td colspan="2" class="description">{desc}</td></tr></table>')


def _vendor(view: MarketView, acc: Account) -> str:
    key = view.personas[acc.persona].key.armor
    items = view.vendor_listings(acc.name)
    listing = _rows(view, items) if items else "<p>This vendor has no items listed.</p>"
    return (f'<h1 class="vendor">{esc(acc.name)}</h1><table class="vendor-info">'
            f"<tr><td>Rating:</td><td>{acc.rating:.2f}/5 ({acc.sales} deals)</td></tr>"
            f"<tr><td>Member since:</td><td>{view.join_date(acc)}</td></tr>"
            f"<tr><td>About:</td><td>{esc(acc.bio)}</td></tr></table>"
            f'<h3>PGP public key</h3><pre class="pgp">{key}</pre>\n<h3>Items</h3>{listing}')


def render(view: MarketView) -> dict[str, Page]:
    """Every page of tortuga for this week."""
    out: dict[str, Page] = {}
    featured = _rows(view, view.listings[-8:])
    out["/"] = page(_frame(view, "Home", f"<h2>Featured items</h2>{featured}"))
    for key, items in view.by_category().items():
        slug, labels = view.category_of_key(key)
        n = pages_of(list(items), PAGE_SIZE)
        links = [(i, f"/cat?c={slug}" + (f"&page={i}" if i > 1 else "")) for i in range(1, n + 1)]
        for num, path in links:
            chunk = items[(num - 1) * PAGE_SIZE: num * PAGE_SIZE]
            main = (f"<h2>{esc(' > '.join(labels))}</h2>" + _rows(view, chunk)
                    + pager(links, num))
            out[path] = page(_frame(view, labels[-1], main))
    for spec in view.listings:
        out[f"/item?id={spec.listing_id}"] = page(_frame(view, spec.title, _listing(view, spec)))
    rows = "".join(f'<tr><td><a href="/vendor?u={q(a.name)}">{esc(a.name)}</a></td>'
                   f"<td>{a.rating:.2f}</td><td>{len(view.vendor_listings(a.name))}</td></tr>"
                   for a in sorted(view.accounts, key=lambda a: a.name.casefold()))
    out["/vendors"] = page(_frame(view, "Vendors", '<table class="vendors"><tr><th>Vendor</th>'
                                  f"<th>Rating</th><th>Items</th></tr>{rows}</table>"))
    for acc in view.accounts:
        out[f"/vendor?u={q(acc.name)}"] = page(_frame(view, acc.name, _vendor(view, acc)))
    return out
