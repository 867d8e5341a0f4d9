// Shared helpers. Rule: scraped data only ever reaches the page through textContent or
// attribute values set by property; there is no innerHTML anywhere in the workbench.

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : (detail && detail.message) || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

export async function api(path, { method = "GET", body, params } = {}) {
  const url = new URL(path, location.origin);
  if (params) for (const [k, v] of params) url.searchParams.append(k, v);
  const headers = { Accept: "application/json" };
  if (method !== "GET") { headers["X-CSRF-Token"] = csrf(); }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(url, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (resp.status === 401) { location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search)); }
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => null);
  if (!resp.ok) throw new ApiError(resp.status, data && data.detail);
  return data;
}

// el("a", {href: "/x", class: "y", text: "z"}, child...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "class") node.className = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "href") node.setAttribute("href", internal(v));
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Links only ever point inside the workbench: a scraped URL is never made clickable.
function internal(href) {
  const s = String(href);
  if (!s.startsWith("/") || s.startsWith("//")) throw new Error("refusing non-internal link");
  return s;
}

export const seg = (s) => encodeURIComponent(s);
export const link = (path, text, cls) => el("a", { href: path, text, class: cls });
export const vendorLink = (name) => link(`/vendor/${seg(name)}`, name);
export const marketLink = (name) => link(`/market/${seg(name)}`, name);
export const substanceLink = (id) => el("a", { href: `/substance/${seg(id)}`, class: "chip", text: id });

// Highlights arrive HTML-escaped with <mark> tags: split on the tags, unescape the text pieces,
// and build text nodes and <mark> elements — no HTML parsing of scraped text.
const ENT = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#x27": "'", "#39": "'" };
function unescapeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, name) => {
    const key = name.toLowerCase();
    if (key in ENT) return ENT[key];
    if (key.startsWith("#x")) return String.fromCodePoint(parseInt(key.slice(2), 16));
    if (key.startsWith("#")) return String.fromCodePoint(parseInt(key.slice(1), 10));
    return m;
  });
}
export function marked(escaped) {
  const frag = document.createDocumentFragment();
  const parts = String(escaped).split(/(<mark>|<\/mark>)/);
  let inMark = false;
  for (const p of parts) {
    if (p === "<mark>") { inMark = true; continue; }
    if (p === "</mark>") { inMark = false; continue; }
    if (!p) continue;
    const text = unescapeHtml(p);
    frag.append(inMark ? el("mark", { text }) : document.createTextNode(text));
  }
  return frag;
}

export function flag(code) {
  if (!code) return "";
  const c = String(code).toUpperCase();
  if (c === "WW") return "🌐";
  if (c === "XX") return "❔";
  if (!/^[A-Z]{2}$/.test(c)) return "";
  return String.fromCodePoint(...[...c].map((ch) => 0x1f1e6 + ch.charCodeAt(0) - 65));
}
export const place = (code) => code ? el("span", { class: "place", title: code }, el("span", { class: "flag", text: flag(code) }), " ", code) : "";

export const usd = (x) => x === null || x === undefined ? "—" :
  "$" + Number(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const day = (iso) => iso ? String(iso).slice(0, 10) : "—";
export const num = (x) => Number(x || 0).toLocaleString("en-US");

export function table(columns, rows, render) {
  const head = el("tr", {}, columns.map((c) => el("th", { text: c.label ?? c, class: c.num ? "num" : undefined })));
  const body = rows.map((r) => el("tr", {}, render(r).map((cell, i) =>
    el("td", { class: columns[i] && columns[i].num ? "num" : undefined }, cell))));
  return el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, body));
}

export function panel(title, ...children) {
  return el("section", { class: "panel" }, title ? el("h2", { text: title }) : null, ...children);
}

export function bars(items, hrefFor) {
  if (!items || !items.length) return el("p", { class: "muted", text: "None." });
  const max = Math.max(...items.map((i) => i.count), 1);
  return el("div", { class: "bars" }, items.map((i) => el("div", { class: "bar" },
    el("span", { class: "name", title: i.value }, hrefFor ? link(hrefFor(i.value), i.value) : i.value),
    el("span", { class: "track" }, widthOf(el("span", { class: "fill" }), (100 * i.count) / max)),
    el("span", { class: "n", text: num(i.count) }))));
}

// CSP forbids style attributes; CSSOM properties are allowed.
function widthOf(node, pct) { node.style.width = `${pct.toFixed(1)}%`; return node; }

export function showError(container, err) {
  container.replaceChildren(el("p", { class: "notice error", text: err.message || String(err) }));
}

export function dataset() { return document.body.dataset; }
