'use strict';

// A single-node Socket.IO room server in the style of public chat apps (the
// Socket.IO chat demo's "user joined", rooms tutorials): it knows nothing of
// clustering and keeps what it knows in process memory.
//
//   join {room}   the socket joins; the room's existing members get
//                 `user joined` {user, room, members}; the joiner gets
//                 `room joined` {room, members} (members counted in memory,
//                 the joiner included), and the ack, when it asked for one
//   say {room, text}  the room gets `said` {user, text}
//   leave {room}  the socket leaves; the others get `user left`
//   sync          acks {} (a marker: what the server sent before it arrived first)
//   GET /stall?ms=N  answers its headers, then keeps the event loop busy for
//                 N ms, as a loaded machine or a slow handler elsewhere does
//   mark k, side  records (k, side) in arrival order; GET /marks returns them
//                 (tests measure in which order packets written on two
//                 connections a few microseconds apart are handled)
//
// Behind sidecast: MIRROR_EVENTS='join,leave', MIRROR_EVENT_REPLY='room joined',
// LOCAL_EVENTS='user joined,user left,room joined' (every backend emits them
// for the same cause). Environment: PORT (default 3003), HOST (default 127.0.0.1).

const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 3003);
const host = process.env.HOST || '127.0.0.1';
const members = new Map(); // room -> count of sockets in it
const marks = [];

const httpServer = http.createServer((req, res) => {
  if (req.url === '/marks') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(marks.splice(0)));
  }
  if (req.url.startsWith('/stall')) {
    const ms = Number(new URL(req.url, 'http://localhost').searchParams.get('ms')) || 0;
    res.writeHead(200);
    res.flushHeaders();
    setImmediate(() => {
      const until = Date.now() + ms;
      while (Date.now() < until) { /* busy, like a handler that hogs the loop */ }
      res.end();
    });
    return;
  }
  if (req.url === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end('{"status":"ok"}');
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer);

io.use((socket, next) => {
  const user = socket.handshake.auth && socket.handshake.auth.userId;
  if (!user) return next(new Error('unauthorized: auth.userId is required'));
  socket.data.user = String(user);
  next();
});

io.on('connection', (socket) => {
  const user = socket.data.user;
  const rooms = new Set();

  socket.on('join', (body, ack) => {
    const room = String(body && body.room);
    if (rooms.has(room)) {
      if (typeof ack === 'function') ack({ members: members.get(room) });
      return;
    }
    rooms.add(room);
    const n = (members.get(room) || 0) + 1;
    members.set(room, n);
    socket.to(room).emit('user joined', { user, room, members: n });
    socket.join(room);
    socket.emit('room joined', { room, members: n });
    if (typeof ack === 'function') ack({ members: n });
  });

  socket.on('say', (body) => {
    const room = String(body && body.room);
    io.to(room).emit('said', { user, text: String(body && body.text) });
  });

  socket.on('leave', (body) => {
    const room = String(body && body.room);
    if (!rooms.delete(room)) return;
    leave(room);
  });

  socket.on('mark', (k, side) => {
    marks.push([k, side]);
  });

  socket.on('sync', (ack) => {
    if (typeof ack === 'function') ack({});
  });

  socket.on('disconnect', () => {
    for (const room of rooms) leave(room);
    rooms.clear();
  });

  function leave(room) {
    const n = (members.get(room) || 1) - 1;
    if (n > 0) members.set(room, n);
    else members.delete(room);
    socket.leave(room);
    socket.to(room).emit('user left', { user, room, members: n });
  }
});

httpServer.listen(port, host, () => {
  console.log(`presence server on http://${host}:${port}`);
});
