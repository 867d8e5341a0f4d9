import { api, el, panel, showError, day, marketLink, vendorLink, link, seg } from "./common.js";

let classes = {};
let status = "pending";

function card(c, reload) {
  const msg = el("div");
  const evidence = c.evidence.map((e) => el("div", { class: "snippet" },
    el("div", { class: "muted" }, marketLink(e.source), ` · ${e.field} · `, link(`/listing/${seg(e.doc_id)}`, "open listing")),
    el("div", {}, e.before ? "…" + e.before : "", el("mark", { text: e.match }), e.after ? e.after + "…" : "")));
  let actions = null;
  if (c.status === "pending") {
    const cls = el("select", { name: "class", "aria-label": "Class", required: true },
      el("option", { value: "", text: "Choose a class…" }),
      Object.entries(classes).map(([id, label]) => el("option", { value: id, text: `${id} — ${label}` })));
    const sid = el("input", { name: "id", placeholder: c.candidate.replace(/\s+/g, "-"), "aria-label": "Canonical id" });
    const name = el("input", { name: "name", placeholder: c.names[0], "aria-label": "Display name" });
    const confirm = el("button", { class: "btn primary", type: "submit", text: "Confirm" });
    const reject = el("button", { class: "btn danger", type: "button", text: "Reject" });
    const form = el("form", { class: "form-grid", "data-candidate": c.candidate },
      el("label", {}, "Class", cls), el("label", {}, "Canonical id", sid), el("label", {}, "Display name", name),
      el("div", { class: "chips" }, confirm, reject));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!cls.value) { msg.replaceChildren(el("p", { class: "notice error", text: "Choose a class first." })); return; }
      try {
        const r = await api("/api/candidates/confirm", { method: "POST", body: { candidate: c.candidate, class: cls.value, id: sid.value, name: name.value } });
        msg.replaceChildren(el("p", { class: "notice", text: `Confirmed as ${r.id} (${r.class}); added to confirmed.yaml.` }));
        setTimeout(reload, 800);
      } catch (err) { showError(msg, err); }
    });
    reject.addEventListener("click", async () => {
      try { await api("/api/candidates/reject", { method: "POST", body: { candidate: c.candidate } }); reload(); }
      catch (err) { showError(msg, err); }
    });
    actions = form;
  } else if (c.decision) {
    actions = el("p", { class: "muted", text: `${c.status} by ${c.decision.decided_by} on ${day(c.decision.decided_at)}${c.decision.substance_id ? ` as ${c.decision.substance_id} (${c.decision.cls})` : ""}` });
  }
  return el("article", { class: "panel candidate", "data-candidate": c.candidate },
    el("div", { class: "page-head" }, el("div", {}, el("h2", {}, c.names.join(" / "), " ", el("span", { class: `badge ${c.status}`, text: c.status })),
      el("div", { class: "muted" }, `${c.documents} document(s) · seen ${day(c.first_seen)} → ${day(c.last_seen)} · markets: `,
        c.markets.map((m, i) => [i ? ", " : "", marketLink(m)]), c.vendors.length ? " · vendors: " : "", c.vendors.slice(0, 8).map((v, i) => [i ? ", " : "", vendorLink(v)])))),
    evidence.length ? evidence : el("p", { class: "muted", text: "No evidence span stored." }), actions, msg);
}

export default async function init() {
  const view = document.getElementById("view");
  const list = el("div", { class: "view" });
  const tabs = ["pending", "confirmed", "rejected"].map((s) => el("button", { type: "button", role: "tab", text: s[0].toUpperCase() + s.slice(1), "aria-selected": String(s === status),
    on: { click: () => { status = s; for (const t of tabs) t.setAttribute("aria-selected", String(t === tabs[["pending", "confirmed", "rejected"].indexOf(s)])); load(); } } }));
  view.replaceChildren(el("div", { class: "page-head" }, el("div", {}, el("h1", { text: "New substances" }),
    el("p", { class: "muted", text: "Names the extractor could not match to the gazetteer but that look like substances. Confirm with a class to teach the extractor, or reject." }))),
  el("div", { class: "tabs", role: "tablist" }, tabs), list);
  async function load() {
    try {
      const cands = await api("/api/candidates", { params: [["status", status]] });
      list.replaceChildren(...(cands.length ? cands.map((c) => card(c, load)) : [el("p", { class: "empty", text: `No ${status} candidates.` })]));
    } catch (err) { showError(list, err); }
  }
  try { classes = (await api("/api/substances")).classes; } catch { classes = {}; }
  load();
}
