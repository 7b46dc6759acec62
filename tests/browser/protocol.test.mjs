// web/protocol.js against a real chatd, without a browser: what the client
// does with tokens that expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Chatd } from './harness.mjs';
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
