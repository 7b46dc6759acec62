// A chat server on Node's `ws@8` with chatd's room semantics, speaking the
// subset of docs/protocol.md that the load generator uses: identify (guest
// name), join, send (broadcast to every member, the sender included, then
// ack), ping. Rooms and their sequence numbers live in memory only; nothing
// is stored. A peer for side-by-side measurement, not a product.
//
//   node ws-server.mjs [--host 127.0.0.1] [--port 8081]   (port 0 picks one)
//
// Prints "listening on HOST:PORT pid PID" when it accepts connections.
// GET /healthz answers "ok". SIGTERM or SIGINT closes every connection with
// 1001 and exits 0.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { parse_options, ready_line } from './args.mjs';

const usage = 'usage: node ws-server.mjs [--host ADDRESS] [--port PORT]';
let opts;
try {
  opts = parse_options(process.argv.slice(2), process.env, { host: '127.0.0.1', port: 8081 });
} catch (e) {
  console.error(`${e.message}\n${usage}`);
  process.exit(2);
}
if (opts.help) {
  console.log(usage);
  process.exit(0);
}

// room name -> { seq, members: Set<WebSocket>, users: Map<user, connections> }
const rooms = new Map();

function room_of(name) {
  let room = rooms.get(name);
  if (!room) {
    room = { seq: 0, members: new Set(), users: new Map() };
    rooms.set(name, room);
  }
  return room;
}

// Replies carry "type" first and "id" second, as chatd's do; a request
// without an id gets a reply without one.
function reply(ws, type, id, fields) {
  ws.send(JSON.stringify(id === undefined || id === null ? { type, ...fields } : { type, id, ...fields }));
}

function fail(ws, id, code, message) {
  reply(ws, 'error', id, { code, message });
}

const room_name = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;

function on_identify(ws, req) {
  if (ws.user !== undefined) return fail(ws, req.id, 'already_identified', 'already identified');
  const name = typeof req.name === 'string' ? req.name.trim() : '';
  if (name.length === 0 || Buffer.byteLength(name) > 32) return fail(ws, req.id, 'invalid_field', 'bad name');
  ws.user = name;
  reply(ws, 'identified', req.id, { user: name, guest: true });
}

function on_join(ws, req) {
  if (typeof req.room !== 'string' || !room_name.test(req.room)) {
    return fail(ws, req.id, 'invalid_field', 'bad room name');
  }
  const room = room_of(req.room);
  if (!room.members.has(ws)) {
    room.members.add(ws);
    room.users.set(ws.user, (room.users.get(ws.user) ?? 0) + 1);
    ws.rooms.add(req.room);
  }
  reply(ws, 'joined', req.id, { room: req.room, members: [...room.users.keys()], last_seq: room.seq });
}

function on_send(ws, req) {
  if (typeof req.text !== 'string' || req.text.length === 0) return fail(ws, req.id, 'text_empty', 'empty text');
  if (typeof req.client_id !== 'string') return fail(ws, req.id, 'missing_field', 'client_id is required');
  if (!ws.rooms.has(req.room)) return fail(ws, req.id, 'not_in_room', 'join the room first');
  const room = rooms.get(req.room);
  const seq = ++room.seq;
  const ts = Date.now();
  // Encoded once; every member gets the same string.
  const frame = JSON.stringify({
    type: 'message', room: req.room, seq, from: ws.user, text: req.text, ts, client_id: req.client_id,
  });
  for (const member of room.members) member.send(frame);
  reply(ws, 'ack', req.id, { room: req.room, client_id: req.client_id, seq, ts });
}

function on_frame(ws, data, is_binary) {
  if (is_binary) return ws.close(1003, 'text frames only');
  let req;
  try {
    req = JSON.parse(data.toString('utf8'));
  } catch {
    return fail(ws, undefined, 'bad_json', 'the frame is not valid JSON');
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return fail(ws, undefined, 'bad_json', 'the frame is not a JSON object');
  }
  switch (req.type) {
    case 'ping': return reply(ws, 'pong', req.id, {});
    case 'identify': return on_identify(ws, req);
    case 'join':
    case 'send':
      if (ws.user === undefined) return fail(ws, req.id, 'not_identified', 'identify first');
      return req.type === 'join' ? on_join(ws, req) : on_send(ws, req);
    default: return fail(ws, req.id, 'unknown_type', 'unknown request type');
  }
}

function on_close(ws) {
  for (const name of ws.rooms) {
    const room = rooms.get(name);
    room.members.delete(ws);
    const left = room.users.get(ws.user) - 1;
    if (left === 0) room.users.delete(ws.user);
    else room.users.set(ws.user, left);
    if (room.members.size === 0 && room.seq === 0) rooms.delete(name);
  }
  ws.rooms.clear();
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else {
    res.writeHead(404).end();
  }
});

// chatd does not compress frames, so neither does this peer (ws's server
// default is already off; said here so it stays off).
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 1 << 20 });
wss.on('connection', (ws) => {
  ws.user = undefined;
  ws.rooms = new Set();
  ws.on('message', (data, is_binary) => on_frame(ws, data, is_binary));
  ws.on('close', () => on_close(ws));
  ws.on('error', () => {}); // a reset peer; 'close' follows
});

server.listen(opts.port, opts.host, () => {
  const { address, port } = server.address();
  console.log(ready_line(address, port));
});

function stop() {
  for (const ws of wss.clients) ws.close(1001, 'going away');
  wss.close();
  server.close(() => process.exit(0));
  // Clients that never finish the closing handshake do not hold us up.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
