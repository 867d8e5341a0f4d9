import { api, el, panel, table, showError, day } from "./common.js";

const RULES = { new_match: "Any new match", new_vendor: "New vendor for a substance", price_drop: "Price drop over N%", spread: "Substance on ≥ N markets within D days" };

function field(label, input, cls) { return el("label", { class: cls }, label, input); }

function describe(a) {
  const p = a.params;
  if (a.rule === "new_match") return `new match for ${a.query || "everything"}`;
  if (a.rule === "new_vendor") return `new vendor selling ${p.substance}`;
  if (a.rule === "price_drop") return `price drop ≥ ${p.percent}% for ${a.query || "everything"}`;
  return `${p.substance} on ≥ ${p.markets} markets within ${p.days} days`;
}

function form(reload) {
  const from = new URLSearchParams(location.search).get("from_search");
  const fromParams = new URLSearchParams(from || "");
  const parts = [];
  if (fromParams.get("q")) parts.push(`(${fromParams.get("q")})`);
  const map = { substance: "substance", class: "class", market: "market", vendor: "vendor", ships_from: "from", ships_to: "to" };
  for (const [k, f] of Object.entries(map)) for (const v of fromParams.getAll(k)) parts.push(`${f}:"${v.replace(/["\\]/g, "\\$&")}"`);
  const inputs = {
    name: el("input", { name: "name", required: true, maxlength: 120 }),
    rule: el("select", { name: "rule" }, Object.entries(RULES).map(([v, t]) => el("option", { value: v, text: t }))),
    query: el("input", { name: "query", class: "mono", placeholder: "query, e.g. class:nitazene AND from:NL" }),
    substance: el("input", { name: "substance", placeholder: "substance id, e.g. bromazolam" }),
    percent: el("input", { name: "percent", type: "number", min: 1, max: 99, value: 20 }),
    markets: el("input", { name: "markets", type: "number", min: 1, value: 3 }),
    days: el("input", { name: "days", type: "number", min: 1, max: 365, value: 14 }),
    notify: el("select", { name: "notify" }, el("option", { value: "log", text: "Log file" }), el("option", { value: "webhook", text: "Webhook (POST JSON)" }), el("option", { value: "email", text: "E-mail" })),
    target: el("input", { name: "target", placeholder: "log name, https://hook… or analyst@example.org" }),
  };
  inputs.query.value = parts.join(" AND ");
  if (fromParams.getAll("substance").length === 1) inputs.substance.value = fromParams.get("substance");
  const msg = el("div");
  const f = el("form", { class: "form-grid", id: "alert-form" },
    field("Name", inputs.name), field("Rule", inputs.rule), field("Query (new match, price drop)", inputs.query, "wide"),
    field("Substance (new vendor, spread)", inputs.substance), field("Drop %", inputs.percent), field("Markets ≥", inputs.markets), field("Within days", inputs.days),
    field("Notify by", inputs.notify), field("Target", inputs.target, "wide"),
    el("div", {}, el("button", { class: "btn primary", type: "submit", text: "Create alert" })), el("div", { class: "wide" }, msg));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name: inputs.name.value, rule: inputs.rule.value, query: inputs.query.value, substance: inputs.substance.value,
      percent: Number(inputs.percent.value), markets: Number(inputs.markets.value), days: Number(inputs.days.value), notify: inputs.notify.value, target: inputs.target.value };
    try {
      await api("/api/alerts", { method: "POST", body });
      msg.replaceChildren(el("p", { class: "notice", text: "Alert created; what matches now is its baseline." }));
      f.reset(); reload();
    } catch (err) { showError(msg, err); }
  });
  return f;
}

async function historyOf(a, box) {
  const d = await api(`/api/alerts/${a.id}`);
  box.replaceChildren(d.history.length ? table(["Fired (UTC)", "Summary", "Delivery"], d.history, (h) => [h.fired_at.replace("T", " ").replace("Z", ""), h.summary, h.delivery])
    : el("p", { class: "muted", text: "Never fired yet." }));
}

export default async function init() {
  const view = document.getElementById("view");
  const list = el("div");
  const checkMsg = el("span", { class: "muted" });
  const check = el("button", { class: "btn", type: "button", text: "Check all alerts now" });
  check.addEventListener("click", async () => {
    try { const fired = await api("/api/alerts/check", { method: "POST" }); checkMsg.textContent = ` ${fired.length} alert(s) fired.`; load(); }
    catch (err) { checkMsg.textContent = " " + err.message; }
  });
  async function load() {
    try {
      const alerts = await api("/api/alerts");
      const hist = el("div");
      list.replaceChildren(alerts.length ? table(["Name", "Rule", "Notify", "Owner", "Last checked", { label: "Fired", num: true }, ""], alerts, (a) => {
        const show = el("button", { class: "btn small", type: "button", text: "History", on: { click: () => historyOf(a, hist).catch((err) => showError(hist, err)) } });
        const del = el("button", { class: "btn small danger", type: "button", text: "Delete", on: { click: async () => { await api(`/api/alerts/${a.id}`, { method: "DELETE" }).catch((err) => showError(hist, err)); load(); } } });
        return [el("strong", { text: a.name }), describe(a), `${a.notify.kind}: ${a.notify.target}`, a.owner, day(a.last_checked_at), String(a.firings), el("span", { class: "chips" }, show, del)];
      }) : el("p", { class: "muted", text: "No alerts yet." }), hist);
    } catch (err) { showError(list, err); }
  }
  view.replaceChildren(el("div", { class: "page-head" }, el("div", {}, el("h1", { text: "Alerts" }),
    el("p", { class: "muted", text: "Saved searches checked after every crawl. Notifications go to a log file under the data home, a webhook or e-mail." })),
  el("div", {}, check, checkMsg)), panel("New alert", form(load)), panel("Saved alerts", list));
  load();
}
