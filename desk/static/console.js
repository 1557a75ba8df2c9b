// The agent console: queue, ticket, transcript, reply, hand back, resolve.
// Every change sends the session's CSRF token; text is inserted with textContent only.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
let current = null;
let me = null;

async function api(method, path, body) {
  const init = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  if (resp.status === 401) { window.location = "/login"; return null; }
  const data = await resp.json();
  if (!resp.ok) { throw new Error((data.error && data.error.message) || resp.statusText); }
  return data;
}

function notice(text) { $("notice").textContent = text; }

function minutesSince(iso) {
  return Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000)) + " min";
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

async function loadQueue() {
  const data = await api("GET", "/api/agent/tickets");
  if (!data) return;
  const body = $("queue").querySelector("tbody");
  body.replaceChildren();
  for (const t of data.tickets) {
    const row = document.createElement("tr");
    row.dataset.ticket = t.ticket_id;
    if (current === t.ticket_id) row.className = "selected";
    cell(row, String(t.ticket_id));
    cell(row, t.reason.replaceAll("_", " "));
    cell(row, String(t.priority));
    cell(row, minutesSince(t.created_at));
    cell(row, t.assignee || "—");
    row.addEventListener("click", () => openTicket(t.ticket_id));
    body.appendChild(row);
  }
  $("queue-empty").hidden = data.tickets.length > 0;
}

function showTicket(t) {
  $("ticket-pane").hidden = false;
  $("ticket-id").textContent = "#" + t.ticket_id;
  $("ticket-status").textContent = t.status + (t.assignee ? " · " + t.assignee : "");
  const dl = $("summary");
  dl.replaceChildren();
  const fields = { reason: t.reason, channel: t.channel, ...t.summary };
  for (const [key, value] of Object.entries(fields)) {
    if (key === "last_turns") continue;
    const dt = document.createElement("dt");
    dt.textContent = key.replaceAll("_", " ");
    const dd = document.createElement("dd");
    if (value === null || value === "" || (typeof value === "object" && Object.keys(value).length === 0)) {
      dd.textContent = "—";
    } else if (typeof value === "object") {
      dd.textContent = Object.entries(value).map(([k, v]) => k.replaceAll("_", " ") + ": " + v).join(", ");
    } else {
      dd.textContent = String(value);
    }
    dl.append(dt, dd);
  }
  const list = $("transcript");
  list.replaceChildren();
  for (const m of t.transcript) {
    const li = document.createElement("li");
    li.className = m.from;
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = m.from === "agent" ? (m.agent || "agent") : m.from;
    li.append(from, document.createTextNode(m.text));
    list.appendChild(li);
  }
  list.scrollTop = list.scrollHeight;
  $("reveal").hidden = !(me && me.role === "supervisor") || t.revealed;
}

async function openTicket(id) {
  current = id;
  try { showTicket(await api("GET", "/api/agent/tickets/" + id)); } catch (e) { notice(e.message); }
  loadQueue();
}

async function act(path, body, done) {
  if (current === null) return;
  try {
    await api("POST", "/api/agent/tickets/" + current + path, body);
    notice(done);
    await openTicket(current);
  } catch (e) { notice(e.message); }
}

async function init() {
  me = await api("GET", "/api/agent/me");
  const canned = await api("GET", "/api/agent/canned");
  for (const a of canned.answers) {
    const opt = document.createElement("option");
    opt.value = a.text;
    opt.textContent = a.title;
    $("canned").appendChild(opt);
  }
  $("canned").addEventListener("change", (e) => { if (e.target.value) $("reply-text").value = e.target.value; });
  $("claim").addEventListener("click", () => act("/claim", undefined, "Claimed."));
  $("assign").addEventListener("click", () => act("/assign", { agent: $("assignee").value }, "Assigned."));
  $("handback").addEventListener("click", () => act("/handback", undefined, "Handed back to the bot."));
  $("resolve").addEventListener("click", () => act("/resolve", undefined, "Resolved; the shopper is asked for a rating."));
  $("reveal").addEventListener("click", async () => {
    try { showTicket(await api("POST", "/api/agent/tickets/" + current + "/reveal")); notice("Revealed (recorded in the audit log)."); }
    catch (e) { notice(e.message); }
  });
  $("reply-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text) return;
    await act("/reply", { text }, "Sent.");
    $("reply-text").value = "";
  });
  $("logout").addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    window.location = "/login";
  });
  const team = await api("GET", "/api/agent/colleagues");
  for (const a of team.agents) {
    const opt = document.createElement("option");
    opt.value = a.username;
    opt.textContent = a.username === me.username ? "me (" + a.name + ")" : a.name;
    $("assignee").appendChild(opt);
  }
  await loadQueue();
  setInterval(() => { loadQueue(); if (current !== null) openTicket(current); }, 5000);
}

init();
