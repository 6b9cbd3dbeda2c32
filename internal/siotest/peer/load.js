'use strict';

// A load peer: many socket.io-client sockets in one process, against the
// example chat server's events, for tests that put a load balancer in front
// of several sidecast nodes. The configuration is one JSON argument:
//
//   {url, clients, emits, roomSize, transports, prefix, timeoutMs, deadlineMs}
//
// Each client connects (auth.userId = prefix + "u<i>"), joins room
// prefix + "r<i % rooms>"
// (rooms = clients / roomSize, so a room's members land on different nodes
// of a round-robin balancer) and, once every client has joined, sends
// `emits` send_message events one after another, each waiting for its ack.
// Every client then waits until it has received every member's messages
// (io.to(room) includes the sender) or deadlineMs passes.
//
// It prints one JSON line {type: "summary", ...} with the counts a test
// asserts on; sessionUnknown counts HTTP answers {"code":1,"message":"Session
// ID unknown"} seen on any request of any Engine.IO connection.

const { io } = require('socket.io-client');

const cfg = JSON.parse(process.argv[2] || '{}');
const clients = cfg.clients || 10;
const emits = cfg.emits || 5;
const roomSize = cfg.roomSize || 4;
const rooms = Math.max(1, Math.floor(clients / roomSize));
const timeoutMs = cfg.timeoutMs || 10000;
const prefix = cfg.prefix || '';
const deadline = Date.now() + (cfg.deadlineMs || 120000);
const started = Date.now();

const s = {
  type: 'summary', clients, connected: 0, connectErrors: 0, errorSamples: [],
  sessionUnknown: 0, transportErrors: 0, upgradeErrors: 0, upgrades: 0,
  joined: 0, acks: 0, ackErrors: 0,
  broadcastExpected: 0, broadcastReceived: 0, broadcastDuplicates: 0,
  unexpectedDisconnects: 0, timedOut: false, elapsedMs: 0, sendMs: 0,
};

function sample(msg) {
  if (s.errorSamples.length < 10) s.errorSamples.push(String(msg));
}

// An Engine.IO error carries the failed request (xhr) as its context. One
// error can surface twice (engine error, then connect_error or disconnect):
// count it once.
const counted = new WeakSet();
function countSessionUnknown(err) {
  const ctx = err && typeof err === 'object' ? err.context : null;
  const body = ctx && typeof ctx.responseText === 'string' ? ctx.responseText : '';
  if (!body.includes('Session ID unknown') || counted.has(err)) return;
  counted.add(err);
  s.sessionUnknown++;
}

function watchEngine(socket) {
  socket.io.on('open', () => {
    const engine = socket.io.engine;
    engine.on('error', (err) => {
      s.transportErrors++;
      countSessionUnknown(err);
      sample('engine error: ' + (err && err.message) + ' ' + (err && err.description));
    });
    engine.on('upgrade', () => { s.upgrades++; });
    engine.on('upgradeError', (err) => {
      s.upgradeErrors++;
      sample('upgrade error: ' + (err && err.message));
    });
  });
}

// describe names a socket's Engine.IO session and transport, for the
// samples a failing test prints beside the nodes' logs.
function describe(socket) {
  const engine = socket.io.engine;
  return engine ? 'sid ' + engine.id + ' on ' + (engine.transport ? engine.transport.name : '?') : 'no engine';
}

function connectOne(i) {
  return new Promise((resolve) => {
    const opts = {
      auth: { userId: prefix + 'u' + i }, forceNew: true, reconnection: false,
      timeout: timeoutMs, autoConnect: false,
    };
    if (cfg.transports) opts.transports = cfg.transports;
    const socket = io(cfg.url, opts);
    const c = { i, socket, room: prefix + 'r' + (i % rooms), seen: new Set(), closing: false };
    watchEngine(socket);
    socket.on('new_message', (m) => {
      const key = m.from + '/' + m.text;
      if (c.seen.has(key)) s.broadcastDuplicates++;
      else { c.seen.add(key); s.broadcastReceived++; }
    });
    socket.on('disconnect', (reason, details) => {
      countSessionUnknown(details);
      if (!c.closing) {
        s.unexpectedDisconnects++;
        sample('disconnect u' + i + ': ' + reason);
      }
    });
    socket.once('connect', () => { s.connected++; resolve(c); });
    socket.once('connect_error', (err) => {
      s.connectErrors++;
      countSessionUnknown(err);
      sample('connect_error u' + i + ': ' + err.message);
      resolve(null);
    });
    socket.connect();
  });
}

async function join(c) {
  try {
    await c.socket.timeout(timeoutMs).emitWithAck('join_twin_room', { twinPairId: c.room });
    s.joined++;
  } catch (err) {
    s.ackErrors++;
    sample('join u' + c.i + ': ' + err.message + ' (' + describe(c.socket) + ')');
  }
}

async function send(c) {
  for (let k = 0; k < emits && Date.now() < deadline; k++) {
    try {
      const ans = await c.socket.timeout(timeoutMs).emitWithAck('send_message', { twinPairId: c.room, text: 'm' + k });
      if (ans && ans.ok) s.acks++;
      else s.ackErrors++;
    } catch (err) {
      s.ackErrors++;
      sample('send u' + c.i + ': ' + err.message + ' (' + describe(c.socket) + ')');
    }
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// inBatches runs fn over items, at most n at a time, so a few hundred
// handshakes do not all land in the same instant.
async function inBatches(items, n, fn) {
  const out = [];
  for (let k = 0; k < items.length; k += n) {
    out.push(...(await Promise.all(items.slice(k, k + n).map(fn))));
  }
  return out;
}

async function main() {
  const ids = Array.from({ length: clients }, (_, i) => i);
  const all = (await inBatches(ids, cfg.batch || 25, connectOne)).filter(Boolean);
  await inBatches(all, cfg.batch || 25, join);
  const members = new Map();
  for (const c of all) members.set(c.room, (members.get(c.room) || 0) + 1);
  for (const c of all) s.broadcastExpected += members.get(c.room) * emits;
  const t0 = Date.now();
  await Promise.all(all.map(send));
  s.sendMs = Date.now() - t0;
  while (s.broadcastReceived < s.broadcastExpected && Date.now() < deadline) await sleep(50);
  s.timedOut = Date.now() >= deadline;
  for (const c of all) { c.closing = true; c.socket.disconnect(); }
  s.elapsedMs = Date.now() - started;
  process.stdout.write(JSON.stringify(s) + '\n');
  setTimeout(() => process.exit(0), 100);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ type: 'fatal', message: String(err && err.stack) }) + '\n');
  process.exit(1);
});
