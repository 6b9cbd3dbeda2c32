'use strict';

// A lobby chat in the style of the Socket.IO project's own chat example,
// written for sidecast's tests: one room for everybody, event names with
// spaces ("add user", "new message", "user joined", "user left",
// "stop typing") and the number of users kept in this process's memory.
// It knows nothing about clustering. Behind sidecast it needs
// MIRROR_EVENTS='add user' (so every backend counts every user) and
// LOCAL_EVENTS='login,user joined,user left' (every backend announces the
// same arrival or departure).
//
// Environment: PORT (default 3003), HOST (default 127.0.0.1).

const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 3003);
const host = process.env.HOST || '127.0.0.1';

const httpServer = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ status: 'healthy', numUsers }));
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer);

let numUsers = 0;

io.on('connection', (socket) => {
  let joined = false;

  socket.on('add user', (username) => {
    if (joined) return;
    joined = true;
    socket.username = String(username);
    numUsers += 1;
    socket.emit('login', { numUsers });
    socket.broadcast.emit('user joined', { username: socket.username, numUsers });
  });

  socket.on('new message', (text) => {
    socket.broadcast.emit('new message', { username: socket.username, message: String(text) });
  });

  socket.on('typing', () => {
    socket.broadcast.emit('typing', { username: socket.username });
  });

  socket.on('stop typing', () => {
    socket.broadcast.emit('stop typing', { username: socket.username });
  });

  socket.on('disconnect', () => {
    if (!joined) return;
    numUsers -= 1;
    socket.broadcast.emit('user left', { username: socket.username, numUsers });
  });
});

httpServer.listen(port, host, () => {
  console.log('lobbychat listening on http://' + host + ':' + port);
});
