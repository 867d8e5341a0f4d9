import { api, el, panel, bars, showError, dataset, seg, link, day, num } from "./common.js";
import { lineChart, weeklySeries } from "./chart.js";
import { recentTable } from "./vendor.js";

export default async function init() {
  const view = document.getElementById("view");
  const name = dataset().name;
  try {
    const d = await api(`/api/markets/${seg(name)}`);
    const f = d.facets;
    const h = d.health;
    const last = h && h.last_crawl;
    view.replaceChildren(
      el("div", { class: "page-head" }, el("div", {}, el("h1", { text: d.name }),
        el("div", { class: "muted" }, `${d.total_is_lower_bound ? "≥" : ""}${num(d.total)} documents · `,
          h ? el("span", { class: `badge ${h.health}`, text: h.health }) : "unknown health",
          last ? ` · last crawl ${day(last.started_at)}: ${last.pages} pages, ${last.blocked} blocked, ${last.errors} errors` : "")),
        link(`/search?market=${seg(name)}`, "Search this market", "btn")),
      panel("Listings per week by class", lineChart(weeklySeries(d.trend_by_class.rows, "listings"), { yLabel: "listings", width: 1300, height: 260 })),
      el("div", { class: "grid three" },
        panel("Substances", bars(f.substance, (v) => `/substance/${seg(v)}`)),
        panel("Vendors", bars(f.vendor, (v) => `/vendor/${seg(v)}`)),
        panel("Origins", bars(f.ships_from))),
      panel("Recent listings", recentTable(d.recent)));
  } catch (err) { showError(view, err); }
}
