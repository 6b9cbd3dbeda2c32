'use strict';

// A scriptable socket.io-client peer. Go tests write one JSON command per line
// on stdin; every observation is printed as one JSON line on stdout.
//
// Commands ({"cmd": ...}):
//   connect     {name, url, nsp, auth, transports, query, extraHeaders, share,
//               reconnection, ackReply}
//               share: name of an open socket whose Manager (one Engine.IO
//               connection) this socket multiplexes on.
//               ackReply: value answered to any server event that asks for an ack
//               (default: {"echo": <args>}).
//   emit        {name, event, args, ack, seq, timeout}
//   disconnect  {name}
//   drop        {name}   closes the transport under the socket's Engine.IO
//               connection, as a lost network would ("transport close")
//   exit
// Binary values travel as {"$bin": "<base64>"} in both directions.
//
// Output ({"type": ...}): ready, connect, connect_error, event, ack, ack_error,
// disconnect, upgrade, transport, error.

const readline = require('readline');
const { io } = require('socket.io-client');

const sockets = new Map();

function print(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function toWire(v) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    return { $bin: Buffer.from(v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v).toString('base64') };
  }
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) out[k] = toWire(v[k]);
    return out;
  }
  return v;
}

function fromWire(v) {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === 'object') {
    if (typeof v.$bin === 'string' && Object.keys(v).length === 1) return Buffer.from(v.$bin, 'base64');
    const out = {};
    for (const k of Object.keys(v)) out[k] = fromWire(v[k]);
    return out;
  }
  return v;
}

function transportName(socket) {
  const engine = socket.io.engine;
  return engine && engine.transport ? engine.transport.name : '';
}

function watchEngine(name, socket) {
  socket.io.on('open', () => {
    const engine = socket.io.engine;
    print({ type: 'transport', name, transport: engine.transport.name });
    engine.on('upgrade', (t) => print({ type: 'upgrade', name, transport: t.name }));
  });
}

function connect(c) {
  const opts = {
    auth: c.auth,
    reconnection: !!c.reconnection,
    timeout: c.timeout || 10000,
  };
  if (c.transports) opts.transports = c.transports;
  if (c.query) opts.query = c.query;
  if (c.extraHeaders) opts.extraHeaders = c.extraHeaders;
  if (c.reconnectionDelay) opts.reconnectionDelay = c.reconnectionDelay;
  let socket;
  if (c.share) {
    const base = sockets.get(c.share);
    if (!base) return print({ type: 'error', name: c.name, message: 'unknown share ' + c.share });
    socket = base.io.socket(c.nsp || '/', { auth: c.auth });
    socket.connect();
  } else {
    opts.forceNew = true;
    opts.autoConnect = false;
    socket = io(c.url + (c.nsp && c.nsp !== '/' ? c.nsp : ''), opts);
    watchEngine(c.name, socket);
    socket.connect();
  }
  sockets.set(c.name, socket);
  const name = c.name;
  socket.on('connect', () => print({ type: 'connect', name, transport: transportName(socket) }));
  socket.on('connect_error', (err) => print({ type: 'connect_error', name, message: err.message }));
  socket.on('disconnect', (reason) => print({ type: 'disconnect', name, reason }));
  socket.onAny((event, ...args) => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args.pop();
      last(c.ackReply !== undefined ? c.ackReply : { echo: args });
      print({ type: 'event', name, event, args: toWire(args), acked: true });
      return;
    }
    print({ type: 'event', name, event, args: toWire(args) });
  });
}

async function emit(c) {
  const socket = sockets.get(c.name);
  if (!socket) return print({ type: 'error', name: c.name, message: 'unknown socket' });
  const args = fromWire(c.args || []);
  if (!c.ack) {
    socket.emit(c.event, ...args);
    return;
  }
  try {
    const answer = await socket.timeout(c.timeout || 5000).emitWithAck(c.event, ...args);
    print({ type: 'ack', name: c.name, seq: c.seq, args: toWire([answer]) });
  } catch (err) {
    print({ type: 'ack_error', name: c.name, seq: c.seq, message: err.message });
  }
}

function handle(line) {
  if (!line.trim()) return;
  let c;
  try {
    c = JSON.parse(line);
  } catch (err) {
    return print({ type: 'error', message: 'bad command: ' + err.message });
  }
  switch (c.cmd) {
    case 'connect':
      return connect(c);
    case 'emit':
      return emit(c);
    case 'disconnect': {
      const s = sockets.get(c.name);
      if (s) s.disconnect();
      return;
    }
    case 'drop': {
      const s = sockets.get(c.name);
      if (s && s.io.engine && s.io.engine.transport) s.io.engine.transport.close();
      return;
    }
    case 'exit':
      for (const s of sockets.values()) s.disconnect();
      setTimeout(() => process.exit(0), 50);
      return;
    default:
      print({ type: 'error', message: 'unknown cmd ' + c.cmd });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', handle);
rl.on('close', () => process.exit(0));
print({ type: 'ready' });
