// The reference servers the conformance table is played against: a plain
// engine.io server (MODE=eio, on /engine.io/) or a socket.io server
// (MODE=sio, on /socket.io/), each with the small application the table's
// exchanges expect. It listens on 127.0.0.1:PORT and answers GET /health
// once it accepts connections. The tests play every exchange once against this
// process and once against sidecast in front of it.
//
// Environment: MODE, PORT, PING_INTERVAL, PING_TIMEOUT (ms), MAX_PAYLOAD
// (bytes), EIO_PATH (MODE=eio, default /engine.io/).
"use strict";

const http = require("http");

const mode = process.env.MODE || "eio";
const opts = {
  pingInterval: Number(process.env.PING_INTERVAL || 10000),
  pingTimeout: Number(process.env.PING_TIMEOUT || 5000),
  maxHttpBufferSize: Number(process.env.MAX_PAYLOAD || 1000),
  // Preflight answers come from the server; sidecast passes OPTIONS through.
  cors: { origin: "http://app.example", credentials: true },
};

// GET /_state answers what the tests wait for instead of sleeping: how
// many sessions are open and how many hold a waiting long-polling GET.
let engine = null;
const httpServer = http.createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("ok");
    return;
  }
  if (req.url === "/_state" && engine) {
    let waiting = 0;
    for (const id in engine.clients) {
      const t = engine.clients[id].transport;
      if (t.name === "polling" && t.writable) waiting++;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ clients: engine.clientsCount, waiting }));
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
});

if (mode === "eio") {
  startEngineIO();
} else {
  startSocketIO();
}

// An engine.io application that answers what the exchanges send: "close"
// closes the session from the server, "bin" sends binary, JSON messages
// are a small room chat in the style of a plain engine.io app (join,
// leave, say; every member of the room hears about it), anything else is
// echoed.
function startEngineIO() {
  const server = require("engine.io").attach(httpServer, { ...opts, path: process.env.EIO_PATH || "/engine.io/" });
  engine = server;
  const rooms = new Map(); // room name -> Set of sockets
  const toRoom = (room, msg) => {
    for (const s of rooms.get(room) || []) s.send(JSON.stringify(msg));
  };
  server.on("connection", (socket) => {
    const joined = new Set();
    socket.on("message", (data) => {
      if (data === "close") return socket.close();
      if (data === "bin") return socket.send(Buffer.from([1, 2, 3, 255]));
      let m = null;
      if (typeof data === "string" && data.startsWith("{")) {
        try { m = JSON.parse(data); } catch (e) { m = null; }
      }
      if (!m || typeof m.room !== "string") return socket.send(data);
      if (m.type === "join") {
        if (!rooms.has(m.room)) rooms.set(m.room, new Set());
        rooms.get(m.room).add(socket);
        joined.add(m.room);
        toRoom(m.room, { type: "joined", room: m.room, user: m.user });
      } else if (m.type === "leave") {
        toRoom(m.room, { type: "left", room: m.room, user: m.user });
        (rooms.get(m.room) || new Set()).delete(socket);
        joined.delete(m.room);
      } else if (m.type === "say") {
        toRoom(m.room, { type: "said", room: m.room, from: m.from, text: m.text });
      } else {
        socket.send(data);
      }
    });
    socket.on("close", () => {
      for (const r of joined) (rooms.get(r) || new Set()).delete(socket);
    });
  });
}

// A socket.io application: "/" for everyone, "/admin" behind an auth token
// (a middleware refuses the others), and no other namespace.
function startSocketIO() {
  const { Server } = require("socket.io");
  const io = new Server(httpServer, opts);
  engine = io.engine;
  io.on("connection", (socket) => {
    socket.on("auth", (cb) => cb(socket.handshake.auth));
    socket.on("echo", (...args) => {
      const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (cb) cb(...args);
      else socket.emit("echo", ...args);
    });
    // Asks the client for an ack, then reports the client's answer.
    socket.on("ask", (q) => {
      socket.emit("question", q, (answer) => socket.emit("answer", answer));
    });
    socket.on("bin", () => socket.emit("bin", Buffer.from([1, 2, 3]), { b: Buffer.from([4]) }));
    socket.on("leave", () => socket.disconnect());
    socket.on("kick", () => socket.disconnect(true));
  });
  const admin = io.of("/admin");
  admin.use((socket, next) => {
    if (socket.handshake.auth && socket.handshake.auth.token === "secret") next();
    else next(new Error("not authorized"));
  });
  admin.on("connection", (socket) => {
    socket.on("whoami", (cb) => cb("admin"));
  });
}

httpServer.listen(Number(process.env.PORT), "127.0.0.1", () => {
  console.log("listening");
});
process.on("SIGTERM", () => process.exit(0));
