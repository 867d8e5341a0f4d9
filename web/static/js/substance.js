import { api, el, panel, bars, showError, dataset, seg, link, usd } from "./common.js";
import { lineChart, weeklySeries } from "./chart.js";
import { recentTable } from "./vendor.js";

export default async function init() {
  const view = document.getElementById("view");
  const sid = dataset().sid;
  try {
    const d = await api(`/api/substances/${seg(sid)}`);
    const f = d.facets;
    const totals = new Map();
    for (const r of d.listings_over_time.rows) totals.set(r.week, (totals.get(r.week) || 0) + r.listings);
    const syn = d.synonyms.slice(0, 80);
    view.replaceChildren(
      el("div", { class: "page-head" }, el("div", {},
        el("h1", {}, d.name, " ", d.nps ? el("span", { class: "badge nps", text: "NPS" }) : "", d.confirmed ? el("span", { class: "badge confirmed", text: "analyst-confirmed" }) : ""),
        el("div", { class: "muted" }, el("span", { class: "mono", text: d.id }), ` · ${d.class_label || d.class || "class unknown"}${d.known ? "" : " · not in the gazetteer"}`)),
        link(`/search?substance=${seg(sid)}`, "Search listings", "btn")),
      el("div", { class: "grid three" },
        panel("Facts", el("dl", { class: "kv" },
          el("dt", { text: "Class" }), el("dd", { text: d.class || "—" }),
          el("dt", { text: "First seen" }), el("dd", { text: d.first_seen_week || "—" }),
          el("dt", { text: "Documents" }), el("dd", { text: `${d.total_is_lower_bound ? "≥" : ""}${d.total}` }),
          el("dt", { text: "Markets" }), el("dd", { text: String(f.source.length) }),
          el("dt", { text: "Vendors" }), el("dd", { text: String(f.vendor.length) }))),
        panel("Synonyms", syn.length ? el("div", { class: "chips" }, syn.map((s) => el("span", { class: "chip plain", title: s.kind || "", text: s.text }))) : el("p", { class: "muted", text: "None recorded." })),
        panel("Origins", bars(f.ships_from))),
      el("div", { class: "grid two" },
        panel("Listings over time (all markets)", lineChart([{ name: "", points: [...totals.entries()] }], { yLabel: "listings / week" })),
        panel("Price per gram over time (weekly median, USD)", lineChart([{ name: "", points: d.price_per_gram.map((p) => [p.week, p.median_usd_per_g]) }], { yLabel: "USD/g", format: usd }))),
      panel("Listings per week by market", lineChart(weeklySeries(d.listings_over_time.rows, "listings"), { yLabel: "listings", width: 1300, height: 260 })),
      el("div", { class: "grid two" },
        panel("Markets", bars(f.source, (v) => `/market/${seg(v)}`)),
        panel("Vendors", bars(f.vendor, (v) => `/vendor/${seg(v)}`))),
      panel("Recent listings", recentTable(d.recent)));
  } catch (err) { showError(view, err); }
}
