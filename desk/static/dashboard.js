// The supervisors' dashboard: reads the filters, asks /api/agent/analytics/figures, draws.
// Chart.js (window.Chart) is served by the desk from node_modules; text goes in by
// textContent only. Definitions of every figure: docs/analytics.md.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const COLORS = ["#1d3557", "#e63946", "#2a9d8f", "#f4a261", "#457b9d", "#8d99ae", "#6a4c93", "#ffb703"];
const charts = {};

function filters() {
  const params = new URLSearchParams();
  for (const name of ["tenant", "from", "to", "flow"]) {
    const value = $(name).value;
    if (value) params.set(name, value);
  }
  return params;
}

function percent(rate) { return rate === null || rate === undefined ? "–" : (rate * 100).toFixed(1) + " %"; }
function number(value, unit) {
  if (value === null || value === undefined) return "–";
  return (Math.abs(value) < 10 ? value.toFixed(1) : String(Math.round(value))) + (unit || "");
}

function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
  charts[id] = new Chart($(id), config);
}

function bars(id, labels, datasets, options) {
  draw(id, { type: "bar", data: { labels, datasets }, options: options || {} });
}

function csat(id, s) {
  $(id).textContent = s.mean === null ? "–" : s.mean.toFixed(2);
  $(id + "-asked").textContent = s.rated + " rated of " + s.asked + " asked";
}

function tiles(f) {
  $("kpi-conversations").textContent = String(f.conversations.conversations);
  $("kpi-containment").textContent = percent(f.conversations.containment_rate);
  $("kpi-handoffs").textContent = String(f.handoffs.handoffs);
  $("kpi-fallback").textContent = percent(f.understanding.fallback_rate);
  $("kpi-low-confidence").textContent = percent(f.understanding.low_confidence_rate);
  csat("kpi-csat", f.satisfaction);  // the desk's question after a person resolved the case
  csat("kpi-assistant-csat", f.assistant_satisfaction);  // the assistant's own, at goodbye
  $("kpi-resolution").textContent = number(f.time_to_resolution.p50_s, " s");
  const l = f.latency;
  $("kpi-latency").textContent = [l.p50_ms, l.p90_ms, l.p99_ms].map((v) => number(v)).join(" / ") + " ms";
  const rec = f.recommendations;  // bought: null under a flow other than cross_sell
  $("kpi-suggestions").textContent = [rec.shown, rec.clicked, rec.bought === null ? "–" : rec.bought].join(" / ");
  $("kpi-bought-rate").textContent = rec.bought_rate === null ? "" : percent(rec.bought_rate) + " of clicks bought";
  const g = f.guardrails;  // no eligible reply in the range: the generative layer was off
  $("kpi-generation").textContent = g.replies_eligible ? percent(g.rephrase_rate) + " of " + g.replies_eligible : "generation off";
  const refused = Object.entries(g.replies_refused).map((r) => r[0].replaceAll("_", " ") + " " + r[1]);
  $("kpi-generation-refused").textContent = refused.length ? "template said: " + refused.join(" · ") : "";
}

function render(f) {
  tiles(f);
  const days = f.days.map((d) => d.day);
  draw("chart-conversations", {
    data: {
      labels: days,
      datasets: [
        { type: "bar", label: "conversations", data: f.days.map((d) => d.conversations), backgroundColor: COLORS[0], yAxisID: "y" },
        { type: "line", label: "containment", data: f.days.map((d) => d.containment_rate), borderColor: COLORS[2], yAxisID: "rate", spanGaps: true },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, rate: { position: "right", min: 0, max: 1 } } },
  });
  const reasons = Object.entries(f.handoffs.by_reason);
  bars("chart-handoffs", reasons.map((r) => r[0].replaceAll("_", " ")), [
    { label: "handoffs", data: reasons.map((r) => r[1]), backgroundColor: COLORS[1] },
  ], { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } });
  draw("chart-understanding", {
    type: "line",
    data: {
      labels: days,
      datasets: [
        { label: "fallback", data: f.days.map((d) => d.fallback_rate), borderColor: COLORS[1], spanGaps: true },
        { label: "low confidence", data: f.days.map((d) => d.low_confidence_rate), borderColor: COLORS[3], spanGaps: true },
      ],
    },
    options: { scales: { y: { min: 0, max: 1 } } },
  });
  const intents = Object.entries(f.intents).slice(0, 10);
  bars("chart-intents", intents.map((i) => i[0]), [
    { label: "shopper turns", data: intents.map((i) => i[1]), backgroundColor: COLORS[4] },
  ], { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } });
  const outcomes = ["completed", "handed_off", "left", "abandoned"];
  bars("chart-forms", f.forms.map((x) => x.form.replace(/_form$/, "")),
    outcomes.map((o, i) => ({ label: o.replace("_", " "), data: f.forms.map((x) => x[o]), backgroundColor: COLORS[[2, 1, 3, 5][i]] })),
    { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } });
  const steps = [];
  for (const form of f.forms) {
    for (const [step, count] of Object.entries(form.drop_off)) steps.push([form.form.replace(/_form$/, "") + " · " + step, count]);
  }
  steps.sort((a, b) => b[1] - a[1]);
  bars("chart-dropoff", steps.slice(0, 10).map((s) => s[0]), [
    { label: "runs that stopped here", data: steps.slice(0, 10).map((s) => s[1]), backgroundColor: COLORS[3] },
  ], { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } });
  const ratings = (s) => ["1", "2", "3", "4", "5"].map((n) => s.distribution[n]).concat([s.skipped]);
  bars("chart-csat", ["1", "2", "3", "4", "5", "skipped"], [
    { label: "desk", data: ratings(f.satisfaction), backgroundColor: COLORS[2] },
    { label: "assistant", data: ratings(f.assistant_satisfaction), backgroundColor: COLORS[4] },
  ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
  const r = f.time_to_resolution;
  bars("chart-resolution", ["P50", "P90", "P50 bot", "P50 person"], [
    { label: "seconds", data: [r.p50_s, r.p90_s, r.by_bot_p50_s, r.by_person_p50_s], backgroundColor: COLORS[0] },
  ], { plugins: { legend: { display: false } } });
  const rec = f.recommendations;
  bars("chart-suggestions", ["offered", "shown", "clicked", "bought"], [
    { label: "suggestions", data: [rec.offered, rec.shown, rec.clicked, rec.bought], backgroundColor: COLORS[6] },
  ], { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
  draw("chart-latency", {
    type: "line",
    data: {
      labels: days,
      datasets: ["p50", "p90", "p99"].map((p, i) => ({ label: p.toUpperCase(), data: f.days.map((d) => d["latency_" + p + "_ms"]), borderColor: COLORS[[2, 3, 1][i]], spanGaps: true })),
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  const drift = Object.entries(f.drift.intent_changes).slice(0, 10);
  bars("chart-drift", drift.map((d) => d[0]), [
    { label: "share change", data: drift.map((d) => d[1]), backgroundColor: drift.map((d) => (d[1] >= 0 ? COLORS[2] : COLORS[1])) },
  ], { indexAxis: "y", plugins: { legend: { display: false } } });
  $("drift-summary").textContent = f.drift.intent_shift === null
    ? "(needs turns in both windows)"
    : "shift " + f.drift.intent_shift.toFixed(2) + ", low confidence " + percent(f.drift.low_confidence_week) + " against " + percent(f.drift.low_confidence_baseline);
}

async function load() {
  const params = filters();
  $("csv").href = "/api/agent/analytics/figures.csv?" + params.toString();
  const resp = await fetch("/api/agent/analytics/figures?" + params.toString(), { credentials: "same-origin" });
  if (resp.status === 401) { window.location = "/login"; return; }
  const data = await resp.json();
  if (!resp.ok) { $("notice").textContent = (data.error && data.error.message) || resp.statusText; return; }
  $("notice").textContent = "";
  render(data);
  document.body.dataset.loaded = "true";
}

$("logout").addEventListener("click", async () => {
  await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  window.location = "/login";
});
load();
