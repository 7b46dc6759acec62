// A chat server on Socket.IO 4 with its native rooms, WebSocket transport
// only. The user name comes from the handshake query (?name=alice). Events:
//
//   join {room}                  ack {room, last_seq}
//   send {room, text, client_id} ack {seq, ts}; before it, every member of
//                                the room (the sender included) gets
//                                message {room, seq, from, text, ts, client_id}
//
// A failed request is acked with {error: code}. Rooms' sequence numbers live
// in memory only; nothing is stored. A peer for side-by-side measurement.
//
//   node socketio-server.mjs [--host 127.0.0.1] [--port 8082] [--path /socket.io/]
//                            [--ping-interval 25000] [--ping-timeout 20000]
//
// On the wire (Engine.IO v4 over one WebSocket, no polling):
//   ws://HOST:PORT/socket.io/?EIO=4&transport=websocket&name=alice
//   server 0{"sid":...,"pingInterval":25000,...}   client 40
//   server 40{"sid":...}
//   client 421["join",{"room":"r"}]                 server 431[{"room":"r","last_seq":0}]
//   server 42["message",{...}]
//   server 2 (ping, every pingInterval)             client 3 (pong)
//
// Prints "listening on HOST:PORT pid PID" when it accepts connections.
// GET /healthz answers "ok". SIGTERM or SIGINT disconnects everyone and exits 0.
import http from 'node:http';
import { Server } from 'socket.io';
import { parse_options, ready_line } from './args.mjs';

const usage = 'usage: node socketio-server.mjs [--host ADDRESS] [--port PORT] [--path PATH]\n'
  + '         [--ping-interval MS] [--ping-timeout MS]   (Engine.IO heartbeat; defaults 25000, 20000)';
const defaults = { host: '127.0.0.1', port: 8082, path: '/socket.io/', 'ping-interval': 25000, 'ping-timeout': 20000 };
let opts;
try {
  opts = parse_options(process.argv.slice(2), process.env, defaults);
} catch (e) {
  console.error(`${e.message}\n${usage}`);
  process.exit(2);
}
if (opts.help) {
  console.log(usage);
  process.exit(0);
}

// room name -> last seq. Membership is Socket.IO's own (socket.join).
const seqs = new Map();

// Socket.IO takes the requests under its path; this sees the rest.
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else {
    res.writeHead(404).end();
  }
});

const io = new Server(server, {
  path: opts.path,
  transports: ['websocket'],
  serveClient: false,
  pingInterval: opts['ping-interval'],
  pingTimeout: opts['ping-timeout'],
  // chatd does not compress frames, so neither does this peer (Engine.IO's
  // default is already off; said here so it stays off).
  perMessageDeflate: false,
  // Largest packet a client may send: the default (1e6 bytes) already takes
  // a 16 KiB text; set explicitly so a payload sweep never meets it.
  maxHttpBufferSize: 1 << 20,
});

function valid(v) {
  return typeof v === 'string' && v.length > 0;
}

io.on('connection', (socket) => {
  const name = socket.handshake.query.name;
  socket.data.user = valid(name) ? name : `guest-${socket.id}`;

  socket.on('join', (req, ack) => {
    if (typeof ack !== 'function') return;
    if (!valid(req?.room)) return ack({ error: 'invalid_field' });
    socket.join(req.room);
    ack({ room: req.room, last_seq: seqs.get(req.room) ?? 0 });
  });

  socket.on('send', (req, ack) => {
    if (typeof ack !== 'function') return;
    if (!valid(req?.text)) return ack({ error: 'text_empty' });
    if (!socket.rooms.has(req.room)) return ack({ error: 'not_in_room' });
    const seq = (seqs.get(req.room) ?? 0) + 1;
    seqs.set(req.room, seq);
    const ts = Date.now();
    // The adapter encodes the packet once for the whole room.
    io.to(req.room).emit('message', {
      room: req.room, seq, from: socket.data.user, text: req.text, ts, client_id: req.client_id,
    });
    ack({ seq, ts });
  });
});

server.listen(opts.port, opts.host, () => {
  const { address, port } = server.address();
  console.log(ready_line(address, port));
});

function stop() {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
