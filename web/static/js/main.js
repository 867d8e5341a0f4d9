// One entry point: load the module for this page (CSP: scripts only from 'self', none inline).
const page = document.body.dataset.page;
const pages = ["search", "listing", "vendor", "substance", "market", "candidates", "alerts", "sources", "account", "admin"];
if (pages.includes(page)) {
  import(`./${page}.js`).then((m) => m.default()).catch((err) => {
    const box = document.getElementById("view") || document.getElementById("app");
    const p = document.createElement("p"); p.className = "notice error"; p.textContent = "Could not load this page: " + err.message;
    box.prepend(p);
  });
}
