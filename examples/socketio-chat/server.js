'use strict';

// A plain single-node Socket.IO chat server, modelled on the Twinship service.
// It keeps everything in process memory and knows nothing about clustering:
// it is the "unmodified backend" that sidecast scales out.
//
// Environment: PORT (default 3001), HOST (default 127.0.0.1), PING_INTERVAL and PING_TIMEOUT (ms, the
// Engine.IO heartbeat; defaults are socket.io's own), MAX_PAYLOAD (bytes), SOCKETIO_PATH
// (socket.io's path option, default /socket.io/).

const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 3001);
const host = process.env.HOST || '127.0.0.1';
const HISTORY_LIMIT = 50;

const history = new Map(); // twinPairId -> [message]
const online = new Map(); // userId -> number of connected sockets
const disconnects = []; // last server-side disconnect reasons, newest last
let nextMessageId = 1;

const httpServer = http.createServer(handleHTTP);

const options = {
  cors: { origin: true, credentials: true },
};
if (process.env.PING_INTERVAL) options.pingInterval = Number(process.env.PING_INTERVAL);
if (process.env.PING_TIMEOUT) options.pingTimeout = Number(process.env.PING_TIMEOUT);
if (process.env.MAX_PAYLOAD) options.maxHttpBufferSize = Number(process.env.MAX_PAYLOAD);
if (process.env.SOCKETIO_PATH) options.path = process.env.SOCKETIO_PATH;
const io = new Server(httpServer, options);

// Every namespace refuses a handshake without a user id.
function requireUser(socket, next) {
  const userId = socket.handshake.auth && socket.handshake.auth.userId;
  if (!userId) {
    next(new Error('unauthorized: auth.userId is required'));
    return;
  }
  socket.data.userId = String(userId);
  next();
}

function roomOf(twinPairId) {
  return 'twin:' + twinPairId;
}

function addOnline(userId, delta) {
  const n = (online.get(userId) || 0) + delta;
  if (n > 0) online.set(userId, n);
  else online.delete(userId);
}

function recordDisconnect(socket, reason) {
  disconnects.push({ userId: socket.data.userId, nsp: socket.nsp.name, reason });
  if (disconnects.length > 100) disconnects.shift();
}

function reply(ack, value) {
  if (typeof ack === 'function') ack(value);
}

io.use(requireUser);
io.on('connection', (socket) => {
  const userId = socket.data.userId;
  socket.join('user:' + userId);
  addOnline(userId, 1);
  socket.emit('welcome', { userId });

  socket.on('join_twin_room', (body, ack) => {
    const twinPairId = String(body && body.twinPairId);
    const room = roomOf(twinPairId);
    socket.join(room);
    socket.emit('room_joined', { twinPairId, history: history.get(twinPairId) || [] });
    socket.to(room).emit('twin_online', { twinPairId, userId });
    reply(ack, { ok: true });
  });

  socket.on('leave_twin_room', (body, ack) => {
    const twinPairId = String(body && body.twinPairId);
    socket.leave(roomOf(twinPairId));
    socket.to(roomOf(twinPairId)).emit('twin_offline', { twinPairId, userId });
    reply(ack, { ok: true });
  });

  socket.on('send_message', (body, ack) => {
    const twinPairId = String(body && body.twinPairId);
    const message = {
      id: nextMessageId++,
      twinPairId,
      from: userId,
      text: String(body && body.text),
      timestamp: new Date().toISOString(),
    };
    const list = history.get(twinPairId) || [];
    list.push(message);
    if (list.length > HISTORY_LIMIT) list.shift();
    history.set(twinPairId, list);
    io.to(roomOf(twinPairId)).emit('new_message', message);
    reply(ack, { ok: true, id: message.id });
  });

  socket.on('typing', (body) => {
    const twinPairId = String(body && body.twinPairId);
    socket.to(roomOf(twinPairId)).emit('typing', { twinPairId, userId, isTyping: !!(body && body.isTyping) });
  });

  socket.on('direct_message', (body, ack) => {
    const to = String(body && body.toUserId);
    io.to('user:' + to).emit('direct_message', { from: userId, text: String(body && body.text) });
    reply(ack, { ok: true });
  });

  socket.on('announce', (body) => {
    io.emit('announcement', { from: userId, text: String(body && body.text) });
  });

  socket.on('set_status', (body) => {
    socket.broadcast.emit('user_status', { userId, status: String(body && body.status) });
  });

  socket.on('send_photo', (body, photo, ack) => {
    const twinPairId = String(body && body.twinPairId);
    const size = photo ? photo.length : 0;
    io.to(roomOf(twinPairId)).emit('new_photo', { twinPairId, from: userId, name: String(body && body.name), size }, photo);
    reply(ack, { ok: true, size });
  });

  // What the server learned from the handshake: query, cookie, client address.
  socket.on('whoami', (ack) => {
    const h = socket.handshake.headers;
    reply(ack, {
      userId,
      query: socket.handshake.query,
      cookie: h.cookie || null,
      forwardedFor: h['x-forwarded-for'] || null,
    });
  });

  socket.on('online_users', (ack) => {
    reply(ack, { users: Array.from(online.keys()).sort() });
  });

  // The server asks the client something and waits for its answer.
  socket.on('request_ping_check', async (body) => {
    try {
      const answer = await socket.timeout(5000).emitWithAck('ping_check', { nonce: body && body.nonce });
      socket.emit('ping_check_result', { ok: true, answer });
    } catch (err) {
      socket.emit('ping_check_result', { ok: false, error: err.message });
    }
  });

  // {all: true} closes the whole Engine.IO connection, otherwise only this namespace.
  socket.on('kick_me', (body) => {
    socket.disconnect(!!(body && body.all));
  });

  socket.on('disconnecting', () => {
    for (const room of socket.rooms) {
      if (room.startsWith('twin:')) {
        socket.to(room).emit('twin_offline', { twinPairId: room.slice(5), userId });
      }
    }
  });

  socket.on('disconnect', (reason) => {
    addOnline(userId, -1);
    recordDisconnect(socket, reason);
  });
});

// A second namespace: per-user notifications and topics.
const notifications = io.of('/notifications');
notifications.use(requireUser);
notifications.on('connection', (socket) => {
  const userId = socket.data.userId;
  socket.join('user:' + userId);

  socket.on('subscribe', (body, ack) => {
    socket.join('topic:' + String(body && body.topic));
    reply(ack, { ok: true });
  });

  socket.on('notify', (body) => {
    notifications.to('user:' + String(body && body.toUserId)).emit('notification', { from: userId, text: String(body && body.text) });
  });

  socket.on('publish', (body) => {
    notifications.to('topic:' + String(body && body.topic)).emit('topic_message', { from: userId, topic: String(body && body.topic), text: String(body && body.text) });
  });

  socket.on('disconnect', (reason) => {
    recordDisconnect(socket, reason);
  });
});

function sendJSON(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readJSON(req, done) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      done(null, chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
    } catch (err) {
      done(err);
    }
  });
}

// handleHTTP serves the few plain HTTP endpoints; socket.io handles its own path
// before this handler is called.
function handleHTTP(req, res) {
  const url = new URL(req.url, 'http://localhost');
  let m;
  if (req.method === 'GET' && url.pathname === '/health') {
    sendJSON(res, 200, { status: 'healthy', timestamp: new Date().toISOString(), connections: io.of('/').sockets.size });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/stats') {
    sendJSON(res, 200, { online: Array.from(online.keys()).sort(), disconnects });
    return;
  }
  if (req.method === 'POST' && (m = url.pathname.match(/^\/rooms\/([^/]+)\/broadcast$/))) {
    readJSON(req, (err, body) => {
      if (err) return sendJSON(res, 400, { error: 'bad json' });
      io.to(roomOf(decodeURIComponent(m[1]))).emit(body.event || 'room_broadcast', body.data === undefined ? body : body.data);
      sendJSON(res, 200, { ok: true });
    });
    return;
  }
  if (req.method === 'POST' && (m = url.pathname.match(/^\/users\/([^/]+)\/ping_check$/))) {
    io.to('user:' + decodeURIComponent(m[1])).timeout(5000).emitWithAck('ping_check', { nonce: 'http' })
      .then((answers) => sendJSON(res, 200, { ok: true, answers }))
      .catch((e) => sendJSON(res, 504, { ok: false, error: e.message }));
    return;
  }
  sendJSON(res, 404, { error: 'not found' });
}

httpServer.listen(port, host, () => {
  console.log(`socketio-chat listening on http://${host}:${port}`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
