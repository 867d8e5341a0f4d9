// Inline SVG line charts built with createElementNS (no library, no CDN).
const NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#2f5bd3", "#f79009", "#12b76a", "#9e77ed", "#f04438", "#0ba5ec", "#667085", "#d444f1", "#66c61c", "#b54708"];

function s(tag, attrs = {}, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = String(text);
  return n;
}

// series: [{name, points: [[xLabel, y], ...]}]; x labels are shared categories (weeks, dates).
export function lineChart(series, { height = 220, width = 720, yLabel = "", format = (v) => v } = {}) {
  const wrap = document.createElement("div");
  const xs = [...new Set(series.flatMap((sr) => sr.points.map((p) => p[0])))].sort();
  if (!xs.length) { const p = document.createElement("p"); p.className = "muted"; p.textContent = "No data yet."; wrap.append(p); return wrap; }
  const W = width, H = height, L = 56, R = 36, T = 24, B = 34;
  const ys = series.flatMap((sr) => sr.points.map((p) => p[1])).filter((v) => v !== null && !isNaN(v));
  const maxY = Math.max(...ys, 0) * 1.1 || 1, minY = 0;
  const x = (i) => L + (xs.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (xs.length - 1));
  const y = (v) => T + (H - T - B) * (1 - (v - minY) / (maxY - minY));
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": yLabel || "chart" });
  for (let k = 0; k <= 4; k++) {
    const v = minY + (k * (maxY - minY)) / 4;
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, format(Math.round(v * 100) / 100)));
  }
  svg.append(s("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  const every = Math.max(1, Math.ceil(xs.length / 8));
  xs.forEach((lab, i) => {
    if (i % every && i !== xs.length - 1) return;
    if (i === xs.length - 1 && i % every && i - (i - (i % every)) < every / 2) return; // avoid overlapping the previous label
    svg.append(s("text", { x: x(i), y: H - B + 16, "text-anchor": xs.length > 1 && i === xs.length - 1 ? "end" : (i === 0 && xs.length > 1 ? "start" : "middle") }, lab));
  });
  if (yLabel) svg.append(s("text", { x: 4, y: 12 }, yLabel));
  series.forEach((sr, n) => {
    const color = PALETTE[n % PALETTE.length];
    const pts = sr.points.filter((p) => p[1] !== null && !isNaN(p[1])).map((p) => [xs.indexOf(p[0]), p[1]]).sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) svg.append(s("polyline", { points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(" "), class: "line", stroke: color }));
    for (const [i, v] of pts) {
      const dot = s("circle", { cx: x(i), cy: y(v), r: 3.2, fill: color, class: "dot" });
      dot.append(s("title", {}, `${sr.name} · ${xs[i]}: ${format(v)}`));
      svg.append(dot);
    }
  });
  wrap.append(svg);
  if (series.length > 1 || series[0].name) {
    const legend = document.createElement("div"); legend.className = "legend";
    series.forEach((sr, n) => { const item = document.createElement("span"); const sw = document.createElement("i");
      sw.style.background = PALETTE[n % PALETTE.length]; item.append(sw, document.createTextNode(sr.name)); legend.append(item); });
    wrap.append(legend);
  }
  return wrap;
}

// Weekly rows [{week, key, <metric>}] -> one series per key (top `limit` keys by total).
export function weeklySeries(rows, metric = "listings", limit = 6) {
  const byKey = new Map();
  for (const r of rows) { if (!byKey.has(r.key)) byKey.set(r.key, []); byKey.get(r.key).push([r.week, r[metric]]); }
  const ranked = [...byKey.entries()].sort((a, b) => b[1].reduce((t, p) => t + p[1], 0) - a[1].reduce((t, p) => t + p[1], 0));
  return ranked.slice(0, limit).map(([name, points]) => ({ name, points }));
}
