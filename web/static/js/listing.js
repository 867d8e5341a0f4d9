import { api, el, panel, place, usd, day, table, vendorLink, marketLink, substanceLink, showError, dataset } from "./common.js";
import { lineChart } from "./chart.js";

const FIELDS = ["title", "description", "body", "vendor", "ships_from", "ships_to", "thread_title", "author"];

// A field's text with its extracted entity spans wrapped in labelled <span>s (text nodes only).
function annotated(text, ents) {
  const pre = el("pre", { class: "field-text" });
  const spans = ents.filter((e) => e.start >= 0 && e.end <= text.length && e.start < e.end).sort((a, b) => a.start - b.start);
  let at = 0;
  for (const e of spans) {
    if (e.start < at) continue;
    pre.append(text.slice(at, e.start));
    pre.append(el("span", { class: `ent ent-${e.label}`, title: `${e.label}${e.value ? " → " + e.value : ""}`, text: text.slice(e.start, e.end) }));
    at = e.end;
  }
  pre.append(text.slice(at));
  return pre;
}

function fieldsPanel(d) {
  const record = d.record || {};
  const ents = (d.extraction && d.extraction.entities) || [];
  const rows = [];
  const fields = FIELDS.filter((f) => typeof record[f] === "string" && record[f] !== "");
  for (const f of new Set([...fields, ...ents.map((e) => e.field)])) {
    const text = typeof record[f] === "string" ? record[f] : "";
    const mine = ents.filter((e) => e.field === f);
    rows.push(el("div", { class: "fieldrow" },
      el("div", {}, el("h3", { text: f }), text ? annotated(text, mine) : el("p", { class: "muted", text: "(field not in the record)" })),
      el("div", {}, mine.length ? table(["Entity", "Text", "Value"], mine, (e) => [
        el("span", { class: `ent ent-${e.label} ent-label`, text: e.label }), e.text, e.value || "—"]) : el("p", { class: "muted", text: "Nothing extracted." }))));
  }
  if (record.prices && record.prices.length) {
    rows.push(el("div", { class: "fieldrow" }, el("div", {}, el("h3", { text: "prices as displayed" }),
      el("ul", {}, record.prices.map((p) => el("li", { text: `${p.text}${p.quantity ? " — " + p.quantity : ""}` })))), el("div")));
  }
  return panel("Extracted fields beside their source text", rows.length ? rows : el("p", { class: "muted", text: "No record text stored for this document." }));
}

function summaryPanel(d) {
  const doc = d.doc || {};
  const ext = d.extraction || {};
  const kv = [
    ["Market", doc.source ? marketLink(doc.source) : (d.record || {}).source],
    ["Vendor", doc.vendor ? vendorLink(doc.vendor) : "—"],
    ["Substances", (doc.substances || ext.substances || []).length ? el("span", { class: "chips" }, (doc.substances || ext.substances).map(substanceLink)) : "—"],
    ["Classes", (doc.classes || []).join(", ") || "—"],
    ["Ships from", doc.ships_from ? place(doc.ships_from) : "—"],
    ["Ships to", (doc.ships_to || []).length ? el("span", {}, doc.ships_to.map((c) => [place(c), " "])) : "—"],
    ["Price (USD)", usd(doc.price_usd)],
    ["Price as displayed", doc.price_display || "—"],
    ["Quantity", doc.quantity_g ? `${doc.quantity_g} g` : (doc.units ? `${doc.units} units` : "—")],
    ["First seen", day(doc.first_seen)], ["Last seen", day(doc.last_seen)],
    ["Listing address", doc.url ? el("span", { class: "copy", title: "Copy this address; it is not a link", text: doc.url }) : "—"],
    ["Extractor", ext.extractor_version ? `${ext.extractor_version} · ${day(ext.extracted_at)}` : "—"],
  ];
  return panel("Summary", el("dl", { class: "kv" }, kv.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)])));
}

function historyPanel(d) {
  const obs = d.observations || [];
  const counts = {};
  for (const o of obs) if (o.currency) counts[o.currency] = (counts[o.currency] || 0) + 1;
  const cur = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];
  const points = obs.filter((o) => o.currency === cur && o.amount !== null).map((o) => [day(o.observed_at), o.amount]);
  const chart = cur ? lineChart([{ name: `price in ${cur} as displayed`, points }], { yLabel: cur }) : el("p", { class: "muted", text: "No parsable prices." });
  return panel(`Price history (${obs.length} observation${obs.length === 1 ? "" : "s"})`, chart,
    obs.length ? table(["Observed", "Price as displayed", "Evidence digest"], obs.slice().reverse(), (o) => [day(o.observed_at), o.price_text || "—", el("span", { class: "mono", text: (o.page_digest || "").slice(0, 16) })]) : null);
}

function evidencePanel(d) {
  const box = el("div");
  const rows = (d.evidence || []).map((p) => {
    const btn = el("button", { class: "btn small", type: "button", text: "Show text", disabled: !p.stored });
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      try {
        const ev = await api(`/api/listings/${encodeURIComponent(d.doc_id)}/evidence/${encodeURIComponent(p.digest)}`);
        box.replaceChildren(el("h3", { text: `Captured text · ${day(ev.fetched_at)} · ${ev.verified ? "digest verified ✓" : "DIGEST MISMATCH"}` }),
          el("pre", { class: "evidence-text", text: ev.text || "(no text)" }));
      } catch (err) { showError(box, err); } finally { btn.disabled = false; }
    });
    return [el("span", { class: "mono", title: p.digest, text: p.digest.slice(0, 20) + "…" }), p.fetched_at ? p.fetched_at.replace("T", " ").slice(0, 19) : "—",
      p.kind || "—", p.url ? el("span", { class: "copy", text: p.url }) : "—", p.blocked ? el("span", { class: "badge failing", text: p.blocked }) : (p.stored ? "stored" : "missing"), btn];
  });
  return panel("Evidence (captured pages)", rows.length ? table(["SHA-256", "Captured (UTC)", "Kind", "Address (text only)", "Body", ""], rows, (r) => r) : el("p", { class: "muted", text: "No captured page recorded." }), box);
}

export default async function init() {
  const view = document.getElementById("view");
  const id = dataset().docId;
  try {
    const d = await api(`/api/listings/${encodeURIComponent(id)}`);
    const doc = d.doc || {};
    const title = doc.title || (d.record || {}).title || (d.record || {}).thread_title || id;
    view.replaceChildren(
      el("div", { class: "page-head" }, el("div", {}, el("h1", { text: title }), el("div", { class: "muted" }, `${doc.kind || "listing"} · `, el("span", { class: "mono", text: id }))),
        el("div", { class: "price-usd", text: doc.price_usd != null ? usd(doc.price_usd) : "" })),
      el("div", { class: "grid two" }, summaryPanel(d), historyPanel(d)),
      fieldsPanel(d), evidencePanel(d));
  } catch (err) { showError(view, err); }
}
