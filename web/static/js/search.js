import { api, el, marked, place, usd, day, num, link, vendorLink, marketLink, substanceLink, ApiError } from "./common.js";

// URL parameter <- facet field
const FACETS = [
  ["substance", "substance", "Substance"], ["class", "class", "Class"], ["source", "market", "Market"],
  ["vendor", "vendor", "Vendor"], ["ships_from", "ships_from", "Ships from"], ["ships_to", "ships_to", "Ships to"],
  ["price_band", "price_band", "Price (USD)"],
];
const DATES = [["first_seen_from", "first_seen_to", "First seen"], ["last_seen_from", "last_seen_to", "Last seen"]];
const $ = (id) => document.getElementById(id);
let validateTimer = null;

function params() { return new URLSearchParams(location.search); }

function go(p, push = true) {
  p.delete("page_from");
  const url = "/search" + (p.toString() ? "?" + p.toString() : "");
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  run();
}

function showQueryError(query, err) {
  const box = $("q-error");
  if (!err) { box.hidden = true; box.replaceChildren(); $("q").classList.remove("invalid"); return; }
  $("q").classList.add("invalid");
  const pos = Math.max(0, Math.min(err.position ?? 0, query.length));
  box.replaceChildren(
    el("strong", { text: "Syntax error: " }), err.message, ` (at character ${pos + 1})`,
    el("pre", {}, query, "\n", " ".repeat(pos), el("span", { class: "caret", text: "^" })));
  box.hidden = false;
}

async function validateLive() {
  const q = $("q").value;
  try {
    const res = await api("/api/query/validate", { params: [["q", q]] });
    showQueryError(q, res.ok ? null : res);
  } catch { /* validation is a convenience only */ }
}

function facetBox(field, param, label, values, selected) {
  const chosen = new Set(selected);
  const shown = [...values];
  for (const v of chosen) if (!shown.some((x) => x.value === v)) shown.push({ value: v, count: 0 });
  const items = shown.map((f) => {
    const box = el("input", { type: "checkbox", value: f.value, "data-param": param });
    box.checked = chosen.has(f.value);
    box.addEventListener("change", () => {
      const p = params();
      const cur = p.getAll(param).filter((v) => v !== f.value);
      p.delete(param);
      for (const v of box.checked ? [...cur, f.value] : cur) p.append(param, v);
      p.delete("page");
      go(p);
    });
    const text = param === "ships_from" || param === "ships_to" ? place(f.value) : f.value;
    return el("li", {}, el("label", {}, box, el("span", { class: "val", title: f.value }, text), el("span", { class: "count", text: num(f.count) })));
  });
  return el("div", { class: "facet", "data-facet": field }, el("h3", { text: label }),
    items.length ? el("ul", {}, items) : el("p", { class: "muted", text: "—" }));
}

function dateBox() {
  const p = params();
  const rows = DATES.map(([from, to, label]) => {
    const mk = (name, title) => {
      const input = el("input", { type: "date", name, title, "aria-label": `${label} ${title}` });
      input.value = p.get(name) || "";
      input.addEventListener("change", () => { const q = params(); if (input.value) q.set(name, input.value); else q.delete(name); q.delete("page"); go(q); });
      return input;
    };
    return [el("h3", { text: label }), el("div", { class: "dates" }, mk(from, "from"), mk(to, "to"))];
  });
  return el("div", { class: "facet" }, rows);
}

function renderFacets(facets) {
  const p = params();
  const boxes = FACETS.map(([field, param, label]) => facetBox(field, param, label, facets[field] || [], p.getAll(param)));
  $("facets").replaceChildren(...boxes, dateBox());
}

function renderActive() {
  const p = params();
  const chips = [];
  for (const [key, value] of p) {
    if (["q", "sort", "kind", "page", "size"].includes(key)) continue;
    chips.push(el("span", { class: "chip plain" }, `${key.replace(/_/g, " ")}: ${value}`,
      el("button", { type: "button", title: "Remove filter", "aria-label": `Remove ${key} ${value}`, text: "×", on: { click: () => {
        const q = params(); const rest = q.getAll(key).filter((v) => v !== value); q.delete(key);
        for (const v of rest) q.append(key, v); q.delete("page"); go(q);
      } } })));
  }
  $("active-filters").replaceChildren(...chips);
}

function hitItem(h) {
  const title = h.highlights && h.highlights.title ? marked(h.highlights.title) : (h.title || "(untitled)");
  const body = h.highlights && h.highlights.body ? marked(h.highlights.body) : h.body;
  const meta = [
    el("span", {}, h.kind === "post" ? "post · " : "", marketLink(h.source)),
    h.vendor ? el("span", {}, "by ", vendorLink(h.vendor)) : null,
    h.substances.length ? el("span", { class: "chips" }, h.substances.map(substanceLink)) : null,
    h.ships_from ? el("span", {}, place(h.ships_from), h.ships_to.length ? ` → ${h.ships_to.join(", ")}` : "") : null,
    el("span", { title: "first seen → last seen" }, `${day(h.first_seen)} → ${day(h.last_seen)}`),
  ];
  return el("li", { class: `hit kind-${h.kind}` },
    el("div", { class: "hit-title" }, el("a", { href: `/listing/${encodeURIComponent(h.doc_id)}` }, title)),
    el("div", { class: "hit-price" },
      el("div", { class: "price-usd", text: h.price_usd !== null ? usd(h.price_usd) : "" }),
      el("div", { class: "price-shown", text: h.price_display || "" }),
      h.quantity_g ? el("div", { class: "price-shown", text: `${h.quantity_g} g` }) : null),
    el("div", { class: "hit-body" }, body),
    el("div", { class: "hit-meta" }, meta));
}

function renderPager(res) {
  const pages = Math.max(1, Math.ceil(Math.min(res.total, 10000) / (res.size || 20)));
  const cur = res.page;
  const mk = (n, text) => {
    const p = params(); p.set("page", String(n));
    return el("a", { class: "btn small", href: "/search?" + p.toString(), text, "aria-current": n === cur ? "page" : undefined,
      on: { click: (e) => { e.preventDefault(); go(p); window.scrollTo(0, 0); } } });
  };
  const items = [];
  if (cur > 1) items.push(mk(cur - 1, "← Prev"));
  items.push(el("span", { class: "muted", text: `Page ${cur} of ${num(pages)}` }));
  if (cur < pages) items.push(mk(cur + 1, "Next →"));
  $("pager").replaceChildren(...items);
}

function updateLinks() {
  const p = params(); p.delete("page");
  const ex = new URLSearchParams(p); ex.set("format", $("export-format").value); ex.set("tlp", $("export-tlp").value);
  $("export-link").setAttribute("href", "/api/export?" + ex.toString());
  $("export-link").setAttribute("download", "");
  const al = new URLSearchParams(); al.set("from_search", p.toString());
  $("alert-link").setAttribute("href", "/alerts?" + al.toString());
}

async function run() {
  const p = params();
  $("q").value = p.get("q") || "";
  $("sort").value = p.get("sort") || "relevance";
  $("kind").value = p.get("kind") || "";
  updateLinks();
  renderActive();
  const q = new URLSearchParams(p); q.set("size", "20");
  $("summary").replaceChildren(el("span", { class: "muted", text: "Searching…" }));
  try {
    const res = await api("/api/search", { params: [...q] });
    showQueryError("", null);
    const bound = res.total_is_lower_bound ? "≥ " : "";
    $("summary").replaceChildren(el("strong", { text: bound + num(res.total) }), ` result${res.total === 1 ? "" : "s"} · ${res.took_ms.toFixed(0)} ms`,
      res.facets_sampled.length ? el("span", { class: "muted", text: " · some facet counts sampled" }) : "");
    renderFacets(res.facets);
    $("results").replaceChildren(...(res.hits.length ? res.hits.map(hitItem) : [el("li", { class: "empty", text: "No matches. Loosen a filter or the query." })]));
    renderPager(res);
  } catch (err) {
    if (err instanceof ApiError && err.detail && err.detail.error === "query_syntax") {
      showQueryError(p.get("q") || "", err.detail);
      $("summary").replaceChildren(el("span", { class: "muted", text: "Fix the query to search." }));
      $("results").replaceChildren();
      $("pager").replaceChildren();
    } else {
      $("summary").replaceChildren(el("span", { class: "notice error", text: err.message }));
    }
  }
}

export default function init() {
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const p = params();
    const q = $("q").value.trim();
    if (q) p.set("q", q); else p.delete("q");
    const sort = $("sort").value; if (sort !== "relevance") p.set("sort", sort); else p.delete("sort");
    const kind = $("kind").value; if (kind) p.set("kind", kind); else p.delete("kind");
    p.delete("page");
    go(p);
  });
  for (const id of ["sort", "kind"]) $(id).addEventListener("change", () => $("search-form").requestSubmit());
  $("q").addEventListener("input", () => { clearTimeout(validateTimer); validateTimer = setTimeout(validateLive, 250); });
  for (const id of ["export-format", "export-tlp"]) $(id).addEventListener("change", updateLinks);
  window.addEventListener("popstate", run);
  run();
}
