import { api, el, panel, table, showError } from "./common.js";

export default async function init() {
  const view = document.getElementById("view");
  const users = el("div"), audit = el("div"), msg = el("div");
  async function load() {
    try {
      const us = await api("/api/users");
      users.replaceChildren(table(["Name", "Role", "Created"], us, (u) => [u.name, u.role, u.created_at]));
      const log = await api("/api/audit", { params: [["limit", "200"]] });
      audit.replaceChildren(table(["When (UTC)", "User", "Action", "Detail"], log, (a) => [a.at.replace("T", " ").replace("Z", ""), a.user, a.action, el("span", { class: "mono", text: a.detail })]));
    } catch (err) { showError(users, err); }
  }
  const inputs = { name: el("input", { name: "name", required: true }), password: el("input", { name: "password", type: "password", required: true, minlength: 10, autocomplete: "new-password" }),
    role: el("select", { name: "role" }, el("option", { value: "analyst", text: "analyst" }), el("option", { value: "admin", text: "admin" })) };
  const f = el("form", { class: "form-grid" }, el("label", {}, "Name", inputs.name), el("label", {}, "Password", inputs.password), el("label", {}, "Role", inputs.role),
    el("div", {}, el("button", { class: "btn primary", type: "submit", text: "Add user" })));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await api("/api/users", { method: "POST", body: { name: inputs.name.value, password: inputs.password.value, role: inputs.role.value } }); f.reset(); msg.replaceChildren(el("p", { class: "notice", text: "User added." })); load(); }
    catch (err) { showError(msg, err); }
  });
  view.replaceChildren(el("h1", { text: "Administration" }), panel("Users", f, msg, users), panel("Audit log (exports, reviews, logins)", audit));
  load();
}
