import { api, el, panel, bars, table, usd, day, place, marketLink, substanceLink, link, showError, dataset, seg } from "./common.js";
import { lineChart, weeklySeries } from "./chart.js";

export function recentTable(hits) {
  if (!hits.length) return el("p", { class: "muted", text: "No listings." });
  return table(["Title", "Market", "Substances", "From", { label: "USD", num: true }, "Last seen"], hits, (h) => [
    el("a", { href: `/listing/${seg(h.doc_id)}`, text: h.title || "(untitled)" }), marketLink(h.source),
    el("span", { class: "chips" }, h.substances.map(substanceLink)), place(h.ships_from), usd(h.price_usd), day(h.last_seen)]);
}

export default async function init() {
  const view = document.getElementById("view");
  const name = dataset().name;
  try {
    const d = await api(`/api/vendors/${seg(name)}`);
    const f = d.facets;
    view.replaceChildren(
      el("div", { class: "page-head" }, el("div", {}, el("h1", { text: d.name }),
        el("div", { class: "muted", text: `vendor · ${d.total_is_lower_bound ? "≥" : ""}${d.total} documents · ${d.markets.length} market(s)` })),
        link(`/search?vendor=${seg(name)}`, "Search this vendor's listings", "btn")),
      el("div", { class: "grid two" },
        panel("Markets and profiles", d.profiles.length ? table(["Market", "Rating", "PGP key digest", "First seen", "Last seen"], d.profiles, (p) => [
          marketLink(p.source), p.rating || "—", p.key_digest ? el("span", { class: "mono", text: p.key_digest }) : "—", day(p.first_seen), day(p.last_seen)])
          : el("p", { class: "muted" }, "No vendor profile pages captured; markets from listings: ", d.markets.join(", ") || "—")),
        panel("Aliases (linked by evidence)", d.aliases.length ? table(["Name", "Market", "Evidence"], d.aliases, (a) => [
          link(`/vendor/${seg(a.name)}`, a.name), marketLink(a.source), el("span", {}, `${a.evidence} `, el("span", { class: "mono", text: a.key_digest }))])
          : el("p", { class: "muted", text: "No other name shares this vendor's PGP key." }))),
      panel("Activity over time (listings observed per week, by market)", lineChart(weeklySeries(d.activity.rows, "listings"), { yLabel: "listings", width: 1300, height: 260 })),
      el("div", { class: "grid three" },
        panel("Substances", bars(f.substance, (v) => `/substance/${seg(v)}`)),
        panel("Origins", bars(f.ships_from)),
        panel("Price bands (USD)", bars(f.price_band))),
      panel("Recent listings", recentTable(d.recent)));
  } catch (err) { showError(view, err); }
}
