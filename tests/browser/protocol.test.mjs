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

/**
 * A WebSocket stand-in for a server scripted in the test: `answer(request)`
 * returns the frames to send back (or none). It records every request.
 */
function scriptedServer(answer) {
  const sent = [];
  let socket = null;
  class FakeSocket {
    constructor() {
      this.readyState = 0;
      socket = this;
      setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 0);
    }
    send(data) {
      const req = JSON.parse(data);
      sent.push(req);
      for (const frame of answer(req) ?? []) setTimeout(() => this.onmessage?.({ data: JSON.stringify(frame) }), 0);
    }
    close() { this.readyState = 3; }
  }
  return { WebSocket: FakeSocket, sent, push: (frame) => socket.onmessage({ data: JSON.stringify(frame) }),
    drop: () => { socket.readyState = 3; socket.onclose?.({ code: 1006, reason: '' }); } };
}

/** Answers identify and join as a server with the room model does, and the rest as `more` says. */
const productServer = (more = () => undefined) => (req) => {
  if (req.type === 'identify') return [{ type: 'identified', id: req.id, user: 'ann', guest: false, rooms: [] }];
  if (req.type === 'join') return [{ type: 'joined', id: req.id, room: req.room, members: ['ann'], last_seq: 4, member_count: 1 }];
  return more(req);
};

test('the room model\'s requests go out with their fields and a client_id where they make an event', async () => {
  const ack = (req) => [{ type: 'ack', id: req.id, room: req.room, client_id: req.client_id, seq: 9, ts: 1 }];
  const fake = scriptedServer(productServer((req) => {
    if (req.type === 'create_room' || req.type === 'open_direct') return [{ type: 'room', id: req.id, room: '!abc', kind: 'private', topic: '', role: 'owner', members: [] }];
    if (req.type === 'members') return [{ type: 'members', id: req.id, room: req.room, members: [{ user: 'ann', role: 'owner' }] }];
    return ack(req);
  }));
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: fake.WebSocket });
  chat.connect();
  await chat.join('r');
  assert.equal((await chat.createRoom({ kind: 'private', topic: 'Q3' })).room, '!abc');
  await chat.openDirect(['bob', 'carol']);
  assert.equal((await chat.members('r')).members[0].role, 'owner');
  await chat.invite('r', 'bob');
  await chat.ban('r', 'bob', 1_800_000_000_000);
  await chat.mute('r', 'bob');
  await chat.setRole('r', 'bob', 'admin');
  await chat.setTopic('r', 'hello');
  await chat.edit('r', 3, 'new');
  await chat.deleteLine('r', 3);
  assert.equal((await chat.react('r', 3, '👍')).seq, 9);
  await chat.unreact('r', 3, '👍');
  const asked = fake.sent.filter((r) => !['identify', 'join'].includes(r.type)).map(({ id, client_id: c, ...rest }) => ({ ...rest, cid: typeof c }));
  assert.deepEqual(asked, [
    { type: 'create_room', kind: 'private', topic: 'Q3', cid: 'undefined' },
    { type: 'open_direct', users: ['bob', 'carol'], cid: 'undefined' },
    { type: 'members', room: 'r', cid: 'undefined' },
    { type: 'invite', room: 'r', user: 'bob', cid: 'string' },
    { type: 'ban', room: 'r', user: 'bob', until: 1_800_000_000_000, cid: 'string' },
    { type: 'mute', room: 'r', user: 'bob', cid: 'string' },
    { type: 'set_role', room: 'r', user: 'bob', role: 'admin', cid: 'string' },
    { type: 'set_topic', room: 'r', topic: 'hello', cid: 'string' },
    { type: 'edit', room: 'r', seq: 3, text: 'new', cid: 'string' },
    { type: 'delete', room: 'r', seq: 3, cid: 'string' },
    { type: 'react', room: 'r', seq: 3, emoji: '👍', cid: 'string' },
    { type: 'unreact', room: 'r', seq: 3, emoji: '👍', cid: 'string' },
  ]);
  const ids = fake.sent.filter((r) => r.client_id).map((r) => r.client_id);
  assert.equal(new Set(ids).size, ids.length);
  chat.close();
});

test('an event request with no answer in time is asked again with the same client_id', async () => {
  let first = true;
  const fake = scriptedServer(productServer((req) => {
    if (req.type !== 'remove') return undefined;
    if (first) { first = false; return []; }   // lost: no answer
    return [{ type: 'ack', id: req.id, room: req.room, client_id: req.client_id, seq: 5, ts: 1 }];
  }));
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: fake.WebSocket, requestTimeoutMs: 50 });
  chat.connect();
  await chat.join('r');
  assert.equal((await chat.remove('r', 'bob')).seq, 5);
  const removes = fake.sent.filter((r) => r.type === 'remove');
  assert.equal(removes.length, 2);
  assert.equal(removes[0].client_id, removes[1].client_id);
  chat.close();
});

test('an older server: a request answered unknown_type turns that feature off, once, and read markers go quiet', async () => {
  const fake = scriptedServer((req) => {
    if (req.type === 'identify') return [{ type: 'identified', id: req.id, user: 'ann', guest: true }];
    if (req.type === 'join') return [{ type: 'joined', id: req.id, room: req.room, members: ['ann'], last_seq: 4, member_count: 1 }];
    return [{ type: 'error', id: req.id, code: 'unknown_type', message: 'no such request' }];
  });
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: fake.WebSocket });
  const off = [];
  chat.addEventListener('unsupported', (ev) => off.push(ev.detail.type));
  chat.connect();
  await chat.join('r');
  await assert.rejects(chat.createRoom({ kind: 'private' }), { code: 'unknown_type' });
  await assert.rejects(chat.createRoom({ kind: 'private' }), { code: 'unknown_type' });
  assert.equal(chat.supports('create_room'), false);
  assert.equal(chat.supports('open_direct'), true);   // not asked yet
  assert.equal(await chat.markRead('r', 4), null);
  assert.equal(await chat.markRead('r', 5), null);    // not sent again
  assert.deepEqual(off, ['create_room', 'read']);
  assert.equal(fake.sent.filter((r) => r.type === 'read').length, 1);
  chat.close();
});

test('read markers: one read in flight per room, the newest seq asked meanwhile next, never an older one', async () => {
  const answers = [];
  const fake = scriptedServer(productServer((req) => {
    if (req.type !== 'read') return undefined;
    answers.push(req);
    return [{ type: 'read_ok', id: req.id, room: req.room, seq: req.seq, unread: 0, mentions: 0 }];
  }));
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: fake.WebSocket });
  const oks = [];
  chat.addEventListener('read_ok', (ev) => oks.push(ev.detail.seq));
  chat.connect();
  await chat.join('r');
  const first = chat.markRead('r', 2);
  chat.markRead('r', 3);
  chat.markRead('r', 5);
  chat.markRead('r', 4);
  await first;
  await new Promise((resolve) => chat.addEventListener('read_ok', resolve, { once: true }));
  assert.deepEqual(fake.sent.filter((r) => r.type === 'read').map((r) => r.seq), [2, 5]);
  assert.deepEqual(oks, [2, 5]);
  assert.equal(await chat.markRead('r', 5), null);   // already there
  chat.close();
});

test('pushes of the log\'s events move the resume point; removed drops the room, so no rejoin', async () => {
  const fake = scriptedServer(productServer());
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: fake.WebSocket });
  chat.connect();
  await chat.join('r');
  const seen = [];
  for (const t of ['event', 'removed', 'marker']) chat.addEventListener(t, (e) => seen.push(t + ':' + e.detail.room));
  fake.push({ type: 'event', room: 'r', seq: 7, kind: 'topic', from: 'bob', ts: 1, client_id: 'b-1', text: 't' });
  assert.equal(chat.lastSeq('r'), 7);
  fake.push({ type: 'marker', room: 'r', seq: 7, unread: 0, mentions: 0 });
  const pendingLine = chat.send('r', 'never sent?');
  fake.push({ type: 'removed', room: 'r', reason: 'banned' });
  await assert.rejects(pendingLine, { code: 'banned' });
  assert.equal(chat.rooms.has('r'), false);
  assert.deepEqual(seen, ['event:r', 'marker:r', 'removed:r']);
  chat.close();
});

test('a join the server refuses (banned, not_found) is not kept for rejoining, and may be asked again', async () => {
  let refuse = true;
  const answer = scriptedServer((req) => {
    if (req.type === 'join' && refuse) return [{ type: 'error', id: req.id, code: 'banned', message: 'you are banned' }];
    return productServer()(req);
  });
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: answer.WebSocket });
  chat.connect();
  await reaches(chat, 'connected');
  await assert.rejects(chat.join('town'), { code: 'banned' });
  assert.equal(chat.rooms.has('town'), false);
  refuse = false;
  assert.equal((await chat.join('town')).room, 'town');
  assert.deepEqual(answer.sent.filter((r) => r.type === 'join').map((r) => r.room), ['town', 'town']);
  chat.close();
});

test('a rejoin answered unavailable (the store is away) keeps the room and asks again until it is joined', async () => {
  let refusals = 2;
  const answer = scriptedServer((req) => {
    if (req.type === 'join' && req.since !== undefined && refusals > 0) {
      refusals -= 1;
      return [{ type: 'error', id: req.id, code: 'unavailable', message: 'the room is not available' }];
    }
    if (req.type === 'send') return [{ type: 'ack', id: req.id, room: req.room, client_id: req.client_id, seq: 5, ts: 1 }];
    return productServer()(req);
  });
  const chat = new ChatClient('ws://x/ws', { name: 'ann' }, { WebSocket: answer.WebSocket, baseDelayMs: 10, maxDelayMs: 20 });
  chat.connect();
  await chat.join('town');
  answer.drop();   // the node died; the client reconnects to one whose store is away a moment
  const line = chat.send('town', 'kept for the rejoin');
  await reaches(chat, 'connected');
  assert.equal((await line).seq, 5);   // the line waited in the outbox and went out after the rejoin
  assert.equal(chat.rooms.has('town'), true);
  assert.deepEqual(answer.sent.filter((r) => r.type === 'join').map((r) => r.since ?? 0), [0, 4, 4, 4]);
  chat.close();
});
