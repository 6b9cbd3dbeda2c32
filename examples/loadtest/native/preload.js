'use strict';

// Preloaded with `node --require` in front of the unmodified
// examples/socketio-chat/server.js: it attaches @socket.io/redis-adapter to
// every socket.io Server that server.js creates, so two such servers on one
// Redis form the "native" cluster the benchmark compares sidecast against.
//
// The example does not export its `io`, so the adapter cannot be added by a
// wrapping entry file; instead this file replaces the Server class of the
// example's own socket.io module (the same cached module instance server.js
// then requires) with a subclass that calls io.adapter(createAdapter(...))
// right after construction. Environment: REDIS_URL (redis://127.0.0.1:6379),
// REDIS_ADAPTER_KEY (socket.io).

const path = require('path');
const { createClient } = require('redis');
const { createAdapter } = require('@socket.io/redis-adapter');

const exampleDir = process.cwd();
const sioPath = require.resolve('socket.io', { paths: [exampleDir] });
const sio = require(sioPath);
const Base = sio.Server;

class AdaptedServer extends Base {
  constructor(...args) {
    super(...args);
    const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
    const pub = createClient({ url });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', (err) => console.error('redis:', err.message));
    // connect() queues commands issued before the connection is up, so the
    // adapter may subscribe right away.
    pub.connect();
    sub.connect();
    this.adapter(createAdapter(pub, sub, { key: process.env.REDIS_ADAPTER_KEY || 'socket.io' }));
    console.log('native: @socket.io/redis-adapter attached (' + path.basename(sioPath) + ')');
  }
}

sio.Server = AdaptedServer;
