import { api, el, panel, table, showError, marketLink, num } from "./common.js";

export default async function init() {
  const view = document.getElementById("view");
  try {
    const rows = await api("/api/sources");
    view.replaceChildren(el("div", { class: "page-head" }, el("div", {}, el("h1", { text: "Sources" }),
      el("p", { class: "muted", text: "Health of every market and forum, from its last crawl." }))),
    panel(null, rows.length ? table(["Source", "Health", "Last crawl (UTC)", "Status", { label: "Pages", num: true }, { label: "Blocked", num: true },
      { label: "Listings", num: true }, { label: "Errors", num: true }, { label: "Crawls", num: true }, { label: "Failed", num: true }, { label: "Indexed docs", num: true }], rows, (s) => {
      const c = s.last_crawl || {};
      return [marketLink(s.source), el("span", { class: `badge ${s.health}`, text: s.health }), c.started_at ? c.started_at.replace("T", " ").slice(0, 16) : "—",
        c.status || "—", num(c.pages), num(c.blocked), num(c.listings), num(c.errors), num(s.crawls), num(s.failed), num(s.indexed_documents)];
    }) : el("p", { class: "empty", text: "No crawls recorded yet." })));
  } catch (err) { showError(view, err); }
}
