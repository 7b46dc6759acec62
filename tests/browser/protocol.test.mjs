// ChatClient (web/protocol.js) in Node against a real chatd: what a program
// using the client, rather than a page, must be able to count on: token
// refresh before exp, and retrying a connection attempt that fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { Chatd } from './chatd.mjs';
import { ChatClient, tokenExpiresAt } from '../../web/protocol.js';

const secret = 's3cret';
const b64url = (s) => Buffer.from(s).toString('base64url');

/** An HS256 token for `sub` expiring `seconds` from now (with a fraction). */
function sign(sub, seconds) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ sub, exp: Date.now() / 1000 + seconds }));
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

const next = (target, type) =>
  new Promise((resolve) => target.addEventListener(type, (ev) => resolve(ev.detail), { once: true }));

test('tokenExpiresAt reads exp in ms, fraction included, and null when there is none', () => {
  const body = b64url(JSON.stringify({ sub: 'a', exp: 1700000000.5 }));
  assert.equal(tokenExpiresAt(`x.${body}.y`), 1700000000500);
  assert.equal(tokenExpiresAt(`x.${b64url('{"sub":"a"}')}.y`), null);
  assert.equal(tokenExpiresAt('garbage'), null);
});

test('the client refreshes its token through getToken before exp, and its connection outlives the first token', { timeout: 30000 }, async () => {
  const chatd = await new Chatd(['--jwt-secret', secret]).start();
  try {
    let asked = 0;
    const client = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { token: sign('alice', 2) }, {
      getToken: async () => { asked += 1; return sign('alice', 3600); },
      refreshBeforeMs: 1500,
    });
    const closes = [];
    client.addEventListener('closed', (ev) => closes.push(ev.detail.code));
    const first = next(client, 'identified');
    client.connect();
    assert.equal((await first).user, 'alice');
    const refreshed = await next(client, 'identified');
    assert.equal(refreshed.user, 'alice');
    assert.equal(asked, 1);

    // A bystander whose token lasts longer than alice's first one is closed
    // with 4001 when it expires; alice, refreshed, is still connected.
    const bob = new WebSocket(`ws://127.0.0.1:${chatd.port}/ws`);
    const bobClosed = new Promise((resolve) => { bob.onclose = (ev) => resolve(ev.code); });
    bob.onopen = () => bob.send(JSON.stringify({ type: 'identify', id: 1, token: sign('bob', 2.5) }));
    assert.equal(await bobClosed, 4001);
    assert.deepEqual(closes, []);
    assert.equal((await client.request('ping')).type, 'pong');
    client.close();
  } finally {
    await chatd.dispose();
  }
});

/** Resolves when `chat` reaches `state`; rejects after `ms`. */
function reaches(chat, state, ms = 10000) {
  if (chat.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still ${chat.state}, not ${state}, after ${ms} ms`)), ms);
    chat.addEventListener('state', function on(ev) {
      if (ev.detail.state !== state) return;
      clearTimeout(timer);
      chat.removeEventListener('state', on);
      resolve();
    });
  });
}

test('a client refused with 503 (server full) keeps retrying and gets in once there is room', async () => {
  // Node 20's WebSocket fires no close event when the handshake fails; a
  // client that waited for one would stay "connecting" for ever.
  const chatd = await new Chatd(['--max-connections', '1']).start();
  const url = `ws://127.0.0.1:${chatd.port}/ws`;
  const first = new ChatClient(url, { name: 'first' });
  const second = new ChatClient(url, { name: 'second' }, { baseDelayMs: 20, maxDelayMs: 100 });
  try {
    first.connect();
    await reaches(first, 'connected');
    second.connect();
    await reaches(second, 'reconnecting');   // refused: the server is full
    first.close();
    await reaches(second, 'connected');
  } finally {
    first.close();
    second.close();
    await chatd.dispose();
  }
});

test('a client whose handshake gets no answer gives up on it and tries again', async () => {
  const attempts = [];
  const silent = net.createServer((socket) => attempts.push(socket));   // accepts, never answers
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const chat = new ChatClient(`ws://127.0.0.1:${silent.address().port}/ws`, { name: 'patient' },
    { baseDelayMs: 20, maxDelayMs: 50, requestTimeoutMs: 200 });
  const retried = new Promise((resolve) => silent.on('connection', () => { if (attempts.length === 2) resolve(true); }));
  try {
    chat.connect();
    const timeout = new Promise((resolve) => { setTimeout(() => resolve(false), 5000).unref(); });
    assert.ok(await Promise.race([retried, timeout]), 'no second connection attempt within 5 s');
  } finally {
    chat.close();
    for (const s of attempts) s.destroy();
    silent.close();
  }
});
