"""velvet-alley: a Dream-like market. Definition lists, EUR with European number format,
flag emoji. Seized from SEIZURE_WEEK: every path then shows the banner."""

from __future__ import annotations

from demosites.markup import FALLBACK, Page, doc, esc, page, pager, pages_of, q
from demosites.model import Account, ListingSpec
from demosites.places import country_name, flag
from demosites.sites.common import PAGE_SIZE, MarketView

CSS = "dl.offer dt{font-weight:bold}.shopItem{display:inline-block;width:30%}"


def origin_dd(code: str) -> str:
    """"🇳🇱 Netherlands", "🇪🇺 European Union", or plain "Torland"."""
    if code == "XX":
        return "Torland"
    return f"{flag(code)} {country_name(code)}"


def _frame(view: MarketView, title: str, main: str) -> str:
    cats = "".join(
        f'<li><a href="/market?category={slug}">{esc(" / ".join(labels))}</a> '
        f"<small>({len(specs)})</small></li>"
        for key, specs in view.by_category().items()
        for slug, labels in [view.category_of_key(key)])
    body = (f'<div class="topbar"><a href="/" class="logo">Velvet Alley</a> <a href="/vendors">Vendors</a> '
            f'<span>Prices in EUR</span></div><div class="wrap"><ul class="cats">{cats}</ul>'
            f'<div class="main">{main}</div></div>')
    return doc(f"Velvet Alley :: {title}", body, CSS)


def _item(view: MarketView, spec: ListingSpec) -> str:
    return (f'<div class="shopItem"><div class="oTitle"><a href="/viewProduct?offer='
            f'{spec.listing_id}">{esc(spec.title)}</a></div>'
            f'<div class="oPrice">{esc(view.prices[spec.listing_id].display)}</div>'
            f'<div class="oVendor"><a href="/vendor/{q(spec.vendor)}">{esc(spec.vendor)}</a> '
            f"({view.rating(spec.vendor):.2f})</div>"
            f'<div class="oShip">{esc(origin_dd(spec.ships_from))} &rarr; '
            f"{esc(spec.ships_to_text)}</div></div>")


def _listing(view: MarketView, spec: ListingSpec) -> str:
    slug, labels = view.category(spec)
    desc = spec.description if spec.raw_description else esc(spec.description)
    close = "" if spec.malformed else "</dd>"  # the malformed template forgets closings
    return (f'<h1 class="offerTitle">{esc(spec.title)}</h1><dl class="offer">'
            f'<dt>Vendor</dt><dd><a href="/vendor/{q(spec.vendor)}">{esc(spec.vendor)}</a>'
            f"{close}<dt>Price</dt><dd>{esc(view.prices[spec.listing_id].display)}{close}"
            f"<dt>Origin</dt><dd>{esc(origin_dd(spec.ships_from))}{close}"
            f"<dt>Ships to</dt><dd>{esc(spec.ships_to_text)}{close}"
            f'<dt>Category</dt><dd><a href="/market?category={slug}">'
            f'{esc(" / ".join(labels))}</a>{close}</dl>'
            + (f'<div class="offerDescription"><b>{desc}' if spec.malformed
               else f'<div class="offerDescription">{desc}</div>'))


def _vendor(view: MarketView, acc: Account) -> str:
    persona = view.personas[acc.persona]
    items = "".join(_item(view, s) for s in view.vendor_listings(acc.name)) or (
        "<p>No offers at the moment.</p>")
    return (f'<h1 class="vendorName">{esc(acc.name)}</h1><dl class="vendorInfo">'
            f"<dt>Rating</dt><dd>{acc.rating:.2f} / 5.00</dd>"
            f"<dt>Transactions</dt><dd>{acc.sales}</dd>"
            f"<dt>Member since</dt><dd>{view.join_date(acc)}</dd>"
            f"<dt>Origin</dt><dd>{esc(origin_dd(persona.origin))}</dd></dl>"
            f'<div class="vendorBio">{esc(acc.bio)}</div>'
            f'<h3>PGP key</h3><pre class="pgpKey">{persona.key.armor}</pre>'
            f'<h3>Offers</h3><div class="offers">{items}</div>')


def render(view: MarketView) -> dict[str, Page]:
    """Every page of velvet-alley for this week."""
    out: dict[str, Page] = {}
    featured = "".join(_item(view, s) for s in view.listings[::7][:8])
    out["/"] = page(_frame(view, "Home", f"<h2>Random offers</h2>{featured}"))
    for key, items in view.by_category().items():
        slug, labels = view.category_of_key(key)
        n = pages_of(list(items), PAGE_SIZE)
        links = [(i, f"/market?category={slug}" + (f"&page={i}" if i > 1 else ""))
                 for i in range(1, n + 1)]
        for num, path in links:
            chunk = items[(num - 1) * PAGE_SIZE: num * PAGE_SIZE]
            main = (f"<h2>{esc(' / '.join(labels))}</h2>"
                    + ("".join(_item(view, s) for s in chunk) or "<p>No offers.</p>")
                    + pager(links, num))
            out[path] = page(_frame(view, labels[-1], main))
    for spec in view.listings:
        out[f"/viewProduct?offer={spec.listing_id}"] = page(
            _frame(view, spec.title, _listing(view, spec)))
    vendor_items = "".join(f'<dt><a href="/vendor/{q(a.name)}">{esc(a.name)}</a></dt>'
                           f"<dd>{a.rating:.2f}</dd>"
                           for a in sorted(view.accounts, key=lambda a: a.name.casefold()))
    out["/vendors"] = page(_frame(view, "Vendors", f'<dl class="vendorList">{vendor_items}</dl>'))
    for acc in view.accounts:
        out[f"/vendor/{q(acc.name)}"] = page(_frame(view, acc.name, _vendor(view, acc)))
    return out


SEIZED = doc("This hidden site has been seized", (
    '<div class="seizure-banner" style="text-align:center">'
    "<h1>THIS HIDDEN SITE HAS BEEN SEIZED</h1>"
    "<p>This hidden site has been seized as part of a coordinated international law "
    "enforcement operation (fictional: narcoscope demo).</p></div>"))


def render_seized() -> dict[str, Page]:
    """After the takedown: the banner at "/" and, via the fallback key, at every other path."""
    banner = page(SEIZED)
    return {"/": banner, FALLBACK: banner}
