// The demo page: two chat panes, each a plain WebSocket to a different
// sidecast node (wschat's protocol: join a room, say), and a panel of each
// node's live stats. Both panes live in this one document, so one clock
// measures a message from the moment pane X sends it to the moment pane Y
// receives it. The sender's node and that moment travel at the end of the
// message text, which wschat passes through untouched:
//     hello [sent via node-a at 1764150000123.4]
"use strict";

const room = "lobby";
const statsEvery = 1000; // ms between two reads of the nodes' stats
const tagRE = / \[sent via ([A-Za-z0-9_.-]+) at (\d+(?:\.\d+)?)\]$/;

const $ = (id) => document.getElementById(id);
const now = () => performance.timeOrigin + performance.now();

let labels = {}; // node id → label shown ("node-a" → "node A")

function labelOf(id) { return labels[id] || id; }

// Pane is one chat pane bound to one node.
class Pane {
  constructor(section, node) {
    this.el = section;
    this.node = node;
    this.user = section.dataset.user;
    this.key = section.id.slice("pane-".length);
    this.log = $("log-" + this.key);
    this.status = $("status-" + this.key);
    this.input = $("text-" + this.key);
    this.button = $("send-" + this.key);
    section.dataset.node = node.id;
    for (const span of section.querySelectorAll(".node")) span.textContent = node.label;
    $("form-" + this.key).addEventListener("submit", (ev) => { ev.preventDefault(); this.send(); });
  }

  setState(state, text) {
    this.el.dataset.state = state;
    this.status.textContent = text;
    const ready = state === "joined";
    this.input.disabled = !ready;
    this.button.disabled = !ready;
  }

  connect() {
    this.setState("connecting", "connecting to " + this.node.label + " at " + this.node.ws + "…");
    const url = this.node.ws + "?user=" + encodeURIComponent(this.user);
    this.sock = new WebSocket(url);
    this.sock.onopen = () => this.sock.send(JSON.stringify({type: "join", room: room}));
    this.sock.onmessage = (ev) => this.receive(ev.data, now());
    this.sock.onclose = (ev) => this.setState("closed", "disconnected from " + this.node.label + " (close code " + ev.code + ")");
  }

  send() {
    const text = this.input.value.trim();
    if (!text || !this.sock || this.sock.readyState !== WebSocket.OPEN) return;
    const tagged = text + " [sent via " + this.node.id + " at " + now().toFixed(1) + "]";
    this.sock.send(JSON.stringify({type: "say", room: room, text: tagged}));
    this.input.value = "";
  }

  receive(data, at) {
    let m;
    try { m = JSON.parse(data); } catch (e) { return this.note("error", "not JSON: " + data); }
    switch (m.type) {
    case "said": return this.said(m, at);
    case "joined":
      if (m.user === this.user && this.el.dataset.state !== "joined") {
        this.setState("joined", "in room " + room + " through " + this.node.label);
      }
      return this.note("note", m.user + " joined " + m.room);
    case "left": return this.note("note", m.user + " left " + m.room);
    case "error": return this.note("error", "error: " + m.error);
    }
  }

  // said shows a chat message and, when it carries the tag, where it came
  // from and how long it took.
  said(m, at) {
    const li = document.createElement("li");
    li.className = "said";
    const match = tagRE.exec(m.text || "");
    const text = match ? m.text.slice(0, match.index) : m.text;
    let meta = "delivered by " + this.node.label;
    if (match) {
      li.dataset.via = match[1];
      meta = "sent via " + labelOf(match[1]) + ", " + meta + " in " + (at - Number(match[2])).toFixed(1) + " ms";
    }
    li.dataset.by = this.node.id;
    append(li, "span", "who", m.from + ": ");
    append(li, "span", "text", text);
    append(li, "span", "meta", meta);
    this.add(li);
  }

  note(cls, text) {
    const li = document.createElement("li");
    append(li, "span", cls, text);
    this.add(li);
  }

  add(li) {
    this.log.appendChild(li);
    this.log.scrollTop = this.log.scrollHeight;
  }
}

function append(parent, tag, cls, text) {
  const el = document.createElement(tag);
  el.className = cls;
  el.textContent = text;
  parent.appendChild(el);
}

async function fetchView() {
  const resp = await fetch("api/nodes", {cache: "no-store"});
  if (!resp.ok) throw new Error("api/nodes: HTTP " + resp.status);
  return resp.json();
}

function showMode(view) {
  const mode = $("mode");
  if (view.mirrorsOn) {
    mode.textContent = "Nodes joined through " + view.bus + ". Mirror sessions are on.";
  } else {
    mode.textContent = "MIRRORS=off: each node serves only its own clients, so messages do not cross nodes.";
    mode.classList.add("off");
  }
}

function showStats(view) {
  const rows = view.nodes.map((n) => {
    const tr = document.createElement("tr");
    tr.dataset.node = n.id;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = n.label + " (" + n.id + ")";
    tr.appendChild(th);
    append(tr, "td", "status", n.status);
    append(tr, "td", "num sessions", String(n.sessions));
    append(tr, "td", "num mirrors", String(n.mirrors));
    append(tr, "td", "num peers", String(n.peers));
    append(tr, "td", "num relayed", String(n.relayed));
    return tr;
  });
  $("stats-body").replaceChildren(...rows);
  $("stats-caption").textContent = "Read from each node's stats every second; last at " + new Date().toLocaleTimeString() + ".";
}

async function pollStats() {
  try {
    showStats(await fetchView());
  } catch (e) {
    $("stats-caption").textContent = "Stats unavailable (" + e.message + "): is the demo still running?";
  }
  setTimeout(pollStats, statsEvery);
}

async function main() {
  let view;
  try {
    view = await fetchView();
  } catch (e) {
    $("mode").textContent = "Cannot read the demo's nodes (" + e.message + ").";
    return;
  }
  for (const n of view.nodes) labels[n.id] = n.label;
  showMode(view);
  showStats(view);
  for (const section of document.querySelectorAll(".pane")) {
    new Pane(section, view.nodes[Number(section.dataset.pane)]).connect();
  }
  setTimeout(pollStats, statsEvery);
}

main();
