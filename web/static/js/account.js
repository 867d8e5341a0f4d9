import { api, el, panel, table, showError, day } from "./common.js";

export default async function init() {
  const view = document.getElementById("view");
  const list = el("div");
  const shown = el("div");
  async function load() {
    try {
      const tokens = await api("/api/tokens");
      list.replaceChildren(tokens.length ? table(["Name", "Prefix", "Created", "Last used", ""], tokens, (t) => [t.name, el("span", { class: "mono", text: t.prefix + "…" }), day(t.created_at), day(t.last_used_at),
        el("button", { class: "btn small danger", type: "button", text: "Revoke", on: { click: async () => { await api(`/api/tokens/${t.id}`, { method: "DELETE" }); load(); } } })])
        : el("p", { class: "muted", text: "No API tokens." }));
    } catch (err) { showError(list, err); }
  }
  const name = el("input", { name: "name", placeholder: "token name", maxlength: 80 });
  const f = el("form", { class: "form-grid" }, el("label", {}, "Name", name), el("div", {}, el("button", { class: "btn primary", type: "submit", text: "Create API token" })));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const t = await api("/api/tokens", { method: "POST", body: { name: name.value || "api" } });
      shown.replaceChildren(el("p", { class: "notice" }, "Copy this token now; it is not shown again: ", el("span", { class: "copy", text: t.token })));
      load();
    } catch (err) { showError(shown, err); }
  });
  const me = await api("/api/me");
  view.replaceChildren(el("div", { class: "page-head" }, el("div", {}, el("h1", { text: me.name }), el("p", { class: "muted", text: `role: ${me.role}` }))),
    panel("API tokens", el("p", { class: "muted", text: "Use as `Authorization: Bearer <token>`; the API is described at /api/openapi.json." }), f, shown, list));
  load();
}
