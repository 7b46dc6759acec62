// Smoke tests for the peers: each server is started as its own process on a
// free port, and two clients check join, broadcast to both in seq order with
// the sender included, and an ack carrying the same seq. The raw Engine.IO
// test speaks the framing the C++ generator's socketio adapter assumes.
// Every wait is on an event, bounded by a timeout; nothing sleeps.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { io as sio } from 'socket.io-client';

const here = (f) => fileURLToPath(new URL(`../${f}`, import.meta.url));
const timeout_ms = 5000;

function bounded(promise, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeout_ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

// Starts `node script --port 0 extra...` and resolves once it prints its
// ready line, with the port it bound.
async function start(script, extra = []) {
  const proc = spawn(process.execPath, [here(script), '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await bounded(new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^listening on 127\.0\.0\.1:(\d+) pid (\d+)$/m.exec(out);
      if (m) {
        assert.equal(Number(m[2]), proc.pid);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  }), `${script} to be ready`);
  return {
    port,
    stop: () => bounded(new Promise((resolve) => {
      proc.on('exit', (code, signal) => resolve({ code, signal }));
      proc.kill('SIGTERM');
    }), `${script} to exit`),
  };
}

// A WebSocket whose incoming text frames queue up until a test takes them.
async function open_socket(url) {
  const ws = new WebSocket(url);
  const frames = [];
  let waiter = null;
  ws.on('message', (data) => {
    frames.push(data.toString('utf8'));
    if (waiter) waiter();
  });
  await bounded(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  }), `${url} to open`);
  return {
    ws,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    // The next frame, as text.
    next: () => bounded(new Promise((resolve) => {
      const take = () => {
        if (frames.length === 0) return;
        waiter = null;
        resolve(frames.shift());
      };
      waiter = take;
      take();
    }), 'a frame'),
  };
}

const next_json = async (client) => JSON.parse(await client.next());

describe('ws-server (chatd protocol subset)', () => {
  let server;
  let url;
  before(async () => {
    server = await start('ws-server.mjs');
    url = `ws://127.0.0.1:${server.port}/ws`;
  });
  after(async () => assert.deepEqual(await server.stop(), { code: 0, signal: null }));

  async function identified(name) {
    const c = await open_socket(url);
    c.send({ type: 'identify', id: 1, name });
    assert.deepEqual(await next_json(c), { type: 'identified', id: 1, user: name, guest: true });
    return c;
  }

  test('ping, bad JSON and requests before identify or join get the documented replies', async () => {
    const c = await open_socket(url);
    c.send({ type: 'ping', id: 7 });
    assert.deepEqual(await next_json(c), { type: 'pong', id: 7 });
    c.send('{"type":"ping"');
    const bad = await next_json(c);
    assert.equal(bad.type, 'error');
    assert.equal(bad.code, 'bad_json');
    assert.equal('id' in bad, false);
    c.send({ type: 'join', id: 2, room: 'r' });
    assert.equal((await next_json(c)).code, 'not_identified');
    c.send({ type: 'identify', id: 3, name: 'carol' });
    await next_json(c);
    c.send({ type: 'send', id: 4, room: 'elsewhere', text: 'x', client_id: 'c-1' });
    assert.deepEqual(await next_json(c), {
      type: 'error', id: 4, code: 'not_in_room', message: 'join the room first',
    });
    c.ws.close();
  });

  test('a line goes to every member, the sender included, in seq order, then the ack', async () => {
    const alice = await identified('alice');
    const bob = await identified('bob');
    alice.send({ type: 'join', id: 2, room: 'general' });
    assert.deepEqual(await next_json(alice),
      { type: 'joined', id: 2, room: 'general', members: ['alice'], last_seq: 0 });
    bob.send({ type: 'join', id: 2, room: 'general' });
    const joined = await next_json(bob);
    assert.deepEqual(joined.members.sort(), ['alice', 'bob']);
    assert.equal(joined.last_seq, 0);

    for (let i = 1; i <= 3; i++) {
      alice.send({ type: 'send', id: 10 + i, room: 'general', text: `line ${i}`, client_id: `a-${i}` });
    }
    for (let i = 1; i <= 3; i++) {
      const mine = await next_json(alice);
      assert.equal(mine.type, 'message');
      assert.equal(mine.seq, i);
      assert.equal(mine.from, 'alice');
      assert.equal(mine.client_id, `a-${i}`);
      const ack = await next_json(alice);
      assert.deepEqual(ack, {
        type: 'ack', id: 10 + i, room: 'general', client_id: `a-${i}`, seq: i, ts: mine.ts,
      });
      const theirs = await next_json(bob);
      assert.deepEqual(theirs, mine);
      assert.deepEqual(Object.keys(theirs), ['type', 'room', 'seq', 'from', 'text', 'ts', 'client_id']);
    }
    bob.send({ type: 'join', id: 3, room: 'general' });
    assert.equal((await next_json(bob)).last_seq, 3);
    alice.ws.close();
    bob.ws.close();
  });
});

describe('socketio-server with socket.io-client (websocket transport)', () => {
  let server;
  before(async () => { server = await start('socketio-server.mjs'); });
  after(async () => assert.deepEqual(await server.stop(), { code: 0, signal: null }));

  async function connected(name) {
    const socket = sio(`http://127.0.0.1:${server.port}`, {
      transports: ['websocket'], query: { name }, reconnection: false,
    });
    const lines = [];
    let waiter = null;
    socket.on('message', (m) => {
      lines.push(m);
      if (waiter) waiter();
    });
    await bounded(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }), `${name} to connect`);
    const next_line = () => bounded(new Promise((resolve) => {
      const take = () => {
        if (lines.length === 0) return;
        waiter = null;
        resolve(lines.shift());
      };
      waiter = take;
      take();
    }), 'a message');
    return { socket, next_line, ask: (event, body) => bounded(socket.emitWithAck(event, body), `${event} ack`) };
  }

  test('join, broadcast to both members in seq order, ack with the same seq', async () => {
    const alice = await connected('alice');
    const bob = await connected('bob');
    assert.equal(alice.socket.io.engine.transport.name, 'websocket');
    assert.deepEqual(await alice.ask('join', { room: 'general' }), { room: 'general', last_seq: 0 });
    assert.deepEqual(await bob.ask('join', { room: 'general' }), { room: 'general', last_seq: 0 });

    const acks = await Promise.all([1, 2, 3].map(
      (i) => alice.ask('send', { room: 'general', text: `line ${i}`, client_id: `a-${i}` })));
    assert.deepEqual(acks.map((a) => a.seq), [1, 2, 3]);
    for (let i = 1; i <= 3; i++) {
      const mine = await alice.next_line();
      assert.deepEqual(mine, {
        room: 'general', seq: i, from: 'alice', text: `line ${i}`, ts: acks[i - 1].ts, client_id: `a-${i}`,
      });
      assert.deepEqual(await bob.next_line(), mine);
    }
    assert.deepEqual(await bob.ask('send', { room: 'nowhere', text: 'x', client_id: 'b-1' }),
      { error: 'not_in_room' });
    alice.socket.close();
    bob.socket.close();
  });
});

describe('socketio-server spoken raw (Engine.IO v4 framing, as the C++ adapter does)', () => {
  let server;
  before(async () => {
    // A short heartbeat so the test sees the server's ping without waiting 25 s.
    server = await start('socketio-server.mjs', ['--ping-interval', '300', '--ping-timeout', '1000']);
  });
  after(async () => assert.deepEqual(await server.stop(), { code: 0, signal: null }));

  async function raw(name) {
    const c = await open_socket(
      `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&name=${name}`);
    const open = await c.next();
    assert.equal(open[0], '0');
    const handshake = JSON.parse(open.slice(1));
    assert.equal(typeof handshake.sid, 'string');
    assert.deepEqual(handshake.upgrades, []);
    assert.equal(handshake.pingInterval, 300);
    c.send('40');
    const connect = await c.next();
    assert.match(connect, /^40\{"sid":"[^"]+"\}$/);
    return c;
  }

  test('open, connect, join and send with acks, broadcast, ping and pong', async () => {
    const alice = await raw('alice');
    const bob = await raw('bob');
    // Heartbeats may come between any two frames; a reader answers them.
    const next_packet = async (c) => {
      for (;;) {
        const p = await c.next();
        if (p !== '2') return p;
        c.send('3');
      }
    };

    alice.send('421["join",{"room":"general"}]');
    assert.equal(await next_packet(alice), '431[{"room":"general","last_seq":0}]');
    bob.send('427["join",{"room":"general"}]');
    assert.equal(await next_packet(bob), '437[{"room":"general","last_seq":0}]');

    alice.send('4212["send",{"room":"general","text":"hi","client_id":"a-1"}]');
    const pushed = await next_packet(alice);
    assert.match(pushed, /^42\["message",/);
    const [event, line] = JSON.parse(pushed.slice(2));
    assert.equal(event, 'message');
    assert.deepEqual({ ...line, ts: 0 },
      { room: 'general', seq: 1, from: 'alice', text: 'hi', ts: 0, client_id: 'a-1' });
    assert.equal(await next_packet(bob), pushed, 'bob gets the very same packet');
    const ack = await next_packet(alice);
    assert.match(ack, /^4312\[/);
    assert.deepEqual(JSON.parse(ack.slice(4)), [{ seq: 1, ts: line.ts }]);

    // The server pings ("2") every pingInterval; a client that answers ("3")
    // keeps its session.
    assert.equal(await alice.next(), '2');
    alice.send('3');
    assert.equal(await alice.next(), '2');
    alice.send('3');
    alice.send('4213["send",{"room":"general","text":"still here","client_id":"a-2"}]');
    assert.match(await next_packet(alice), /^42\["message",\{"room":"general","seq":2,/);
    alice.ws.close();
    bob.ws.close();
  });
});
