'use strict';

// A tiny single-node Socket.IO server that, like many real chat servers, uses
// one event name for two things: `new_message` is both the "X joined" notice
// every member gets when someone joins (from: "system") and real chat (from:
// the sender). It knows nothing about clustering. Behind sidecast it needs
// MIRROR_EVENTS=join,leave and LOCAL_EVENTS=new_message@from=system: the
// notice is emitted by every backend for the same join, the chat by one.
//
// Environment: PORT (default 3002), HOST (default 127.0.0.1).

const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 3002);
const host = process.env.HOST || '127.0.0.1';
const online = new Map(); // userId -> number of connected sockets

const httpServer = http.createServer(handleHTTP);
const io = new Server(httpServer);

io.use((socket, next) => {
  const userId = socket.handshake.auth && socket.handshake.auth.userId;
  if (!userId) return next(new Error('unauthorized: auth.userId is required'));
  socket.data.userId = String(userId);
  next();
});

function reply(ack, value) {
  if (typeof ack === 'function') ack(value);
}

io.on('connection', (socket) => {
  const userId = socket.data.userId;
  online.set(userId, (online.get(userId) || 0) + 1);

  socket.on('join', (body, ack) => {
    const room = String(body && body.room);
    socket.join(room);
    io.to(room).emit('new_message', { from: 'system', room, text: userId + ' joined' });
    reply(ack, { ok: true });
  });

  socket.on('leave', (body, ack) => {
    const room = String(body && body.room);
    socket.leave(room);
    reply(ack, { ok: true });
  });

  socket.on('chat', (body, ack) => {
    const room = String(body && body.room);
    io.to(room).emit('new_message', { from: userId, room, text: String(body && body.text) });
    reply(ack, { ok: true });
  });

  socket.on('disconnect', () => {
    const n = (online.get(userId) || 0) - 1;
    if (n > 0) online.set(userId, n);
    else online.delete(userId);
  });
});

function sendJSON(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function handleHTTP(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') {
    return sendJSON(res, 200, { status: 'healthy', connections: io.of('/').sockets.size });
  }
  if (req.method === 'GET' && url.pathname === '/stats') {
    return sendJSON(res, 200, { online: Array.from(online.keys()).sort(), disconnects: [] });
  }
  sendJSON(res, 404, { error: 'not found' });
}

httpServer.listen(port, host, () => {
  console.log(`socketio-notice listening on http://${host}:${port}`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
