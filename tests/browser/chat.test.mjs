// The web client in a real browser (Debian's headless Chromium) against a real
// chatd: what a person using the page would notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Chatd, launchBrowser, openPage, signIn, send, waitForLine, lineTexts, screenshot, connected } from './harness.mjs';
import { ChatClient } from '../../web/protocol.js';

let chatd;
let browser;

before(async () => {
  chatd = await new Chatd(['--max-text-bytes', '200', '--rate', '1000', '--burst', '1000']).start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await chatd?.dispose();
});

test('two people in a room see each other, their messages and their presence', async () => {
  const alice = await openPage(browser, chatd);
  await signIn(alice, 'alice', 'lobby');
  const bob = await openPage(browser, chatd);
  await signIn(bob, 'bob', 'lobby');

  // Presence: alice sees bob arrive without reloading.
  await alice.locator('#members li', { hasText: 'bob' }).waitFor();
  await send(alice, 'Hi Bob! 👋');
  await waitForLine(bob, 'Hi Bob! 👋');
  await send(bob, 'Hello Alice, nice to see you here.');
  await waitForLine(alice, 'Hello Alice, nice to see you here.');

  // Shift+Enter makes a new line in the composer instead of sending.
  await bob.fill('#text', 'first line');
  await bob.press('#text', 'Shift+Enter');
  await bob.keyboard.type('second line');
  assert.equal(await bob.inputValue('#text'), 'first line\nsecond line');
  await bob.press('#text', 'Enter');
  await waitForLine(alice, 'first line\nsecond line');
  await waitForLine(bob, 'first line\nsecond line');

  // Own lines are drawn apart from others'.
  const mine = await alice.$$eval('#lines .line.mine .text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(mine, ['Hi Bob! 👋']);
  assert.deepEqual(await lineTexts(alice), await lineTexts(bob));
  await screenshot(alice, 'two-people-alice');

  // Bob leaves: alice sees him go.
  await bob.context().close();
  await alice.locator('#members li', { hasText: 'bob' }).waitFor({ state: 'detached' });
  await alice.context().close();
});

test('typing shows to the others', async () => {
  const alice = await openPage(browser, chatd);
  await signIn(alice, 'alice', 'typing');
  const bob = await openPage(browser, chatd);
  await signIn(bob, 'bob', 'typing');
  await bob.locator('#text').pressSequentially('I am wri');
  await alice.locator('#typing', { hasText: 'bob is typing…' }).waitFor();
  assert.equal(await bob.textContent('#typing'), '');   // nobody else is typing
  await screenshot(alice, 'typing');
  await alice.context().close();
  await bob.context().close();
});

test('history survives a reload, and older pages load on scrolling up', async () => {
  const writer = await openPage(browser, chatd);
  await signIn(writer, 'writer', 'archive');
  // 130 lines through the protocol module (faster than typing them), then the page.
  const node = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { name: 'robot' });
  node.connect();
  await node.join('archive');
  for (let i = 1; i <= 130; i++) await node.send('archive', `line ${i}`);
  node.close();
  await waitForLine(writer, 'line 130');

  const reader = await openPage(browser, chatd);
  await signIn(reader, 'reader', 'archive');
  await waitForLine(reader, 'line 130');
  await reader.reload();
  await connected(reader);
  await waitForLine(reader, 'line 130');
  assert.equal(await reader.inputValue('#text'), '');
  // Scroll to the top until the first line is there.
  for (let page = 0; page < 5 && !(await lineTexts(reader)).includes('line 1'); page++) {
    const before = (await lineTexts(reader)).length;
    await reader.$eval('#messages', (m) => { m.scrollTop = 0; m.dispatchEvent(new Event('scroll')); });
    await reader.waitForFunction((n) => document.querySelectorAll('#lines .line[data-seq]').length > n
      || document.querySelector('#history-status').textContent.startsWith('This is the beginning'), before);
  }
  const texts = await lineTexts(reader);
  assert.deepEqual(texts, Array.from({ length: 130 }, (_, i) => `line ${i + 1}`));
  await reader.locator('#history-status', { hasText: 'This is the beginning of #archive.' }).waitFor();
  await writer.context().close();
  await reader.context().close();
});

test('a server restart mid-conversation: the page reconnects and recovers what was sent meanwhile, once', async () => {
  const alice = await openPage(browser, chatd);
  await signIn(alice, 'alice', 'restart');
  const bob = await openPage(browser, chatd);
  await signIn(bob, 'bob', 'restart');
  await send(alice, 'before the restart');
  await waitForLine(bob, 'before the restart');

  const { code } = await chatd.stop();
  assert.equal(code, 0);
  await alice.locator('#state.reconnecting').waitFor();
  await alice.locator('#banner', { hasText: 'Reconnecting' }).waitFor();
  await screenshot(alice, 'reconnecting');
  // Alice writes while the server is down: the line waits as "sending".
  await alice.fill('#text', 'written while the server was down');
  await alice.press('#text', 'Enter');
  await alice.locator('.line.sending', { hasText: 'written while the server was down' }).waitFor();
  // Bob's page is cut off from the network, so it can only learn what follows by replay.
  await bob.context().setOffline(true);

  await chatd.start();
  const carol = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { name: 'carol' });
  carol.connect();
  await carol.join('restart');
  for (const t of ['meanwhile 1', 'meanwhile 2', 'meanwhile 3']) await carol.send('restart', t);
  carol.close();

  await connected(alice);
  await waitForLine(alice, 'written while the server was down');
  await waitForLine(alice, 'meanwhile 3');
  // Offline, Bob's page cannot have reconnected: it keeps trying.
  assert.equal(await bob.getAttribute('#state', 'class'), 'state reconnecting');
  await bob.context().setOffline(false);
  await bob.click('#retry-now').catch(() => {});   // or the backoff timer reconnects
  await connected(bob);
  await waitForLine(bob, 'meanwhile 3');
  await waitForLine(bob, 'written while the server was down');

  const expected = ['before the restart', 'written while the server was down', 'meanwhile 1', 'meanwhile 2', 'meanwhile 3'];
  for (const page of [alice, bob]) {
    const texts = await lineTexts(page);
    for (const t of expected) assert.equal(texts.filter((x) => x === t).length, 1, `${t} shows once: ${texts}`);
    assert.equal(await page.locator('.line.sending, .line.failed').count(), 0);
  }
  // Both pages show the same lines in the same order (the server's seq order).
  assert.deepEqual(await lineTexts(alice), await lineTexts(bob));
  await screenshot(bob, 'after-restart');
  await alice.context().close();
  await bob.context().close();
});

test('markup in a message is shown as text, never run', async () => {
  const alice = await openPage(browser, chatd);
  await signIn(alice, 'alice', 'xss');
  const bob = await openPage(browser, chatd);
  await signIn(bob, 'bob', 'xss');
  const evil = '<img src=x onerror=alert(1)>';
  await send(alice, evil);
  await waitForLine(bob, evil);
  for (const page of [alice, bob]) {
    assert.equal(await page.locator('#lines img').count(), 0);
    assert.deepEqual(page.errors, []);   // no alert dialog, no script error
  }
  await alice.context().close();
  await bob.context().close();
});

test('an over-long message shows the server\'s error and is offered for retry, not stored', async () => {
  const alice = await openPage(browser, chatd);
  await signIn(alice, 'alice', 'limits');
  await alice.fill('#text', 'x'.repeat(300));   // the test server takes at most 200 bytes
  await alice.press('#text', 'Enter');
  await alice.locator('#error', { hasText: '"text" is over 200 bytes (text_too_long)' }).waitFor();
  await alice.locator('.line.failed', { hasText: 'not sent' }).waitFor();
  assert.equal(await alice.locator('#lines .line[data-seq]').count(), 0);
  await screenshot(alice, 'error-too-long');
  await alice.click('.line.failed button.link');   // Discard
  await alice.locator('.line.failed').waitFor({ state: 'detached' });
  await alice.context().close();
});

test('unread counts on rooms not in view, cleared on opening the room', async () => {
  // A name of its own: on a server with the room model a user's rooms follow
  // it (identify lists them), and alice is in other tests' rooms.
  const alice = await openPage(browser, chatd);
  await signIn(alice, 'una', 'red');
  await alice.fill('#join-room', 'blue');
  await alice.press('#join-room', 'Enter');
  await alice.locator('#room-title', { hasText: '# blue' }).waitFor();
  await alice.locator('#members li', { hasText: 'una' }).waitFor();

  const bot = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { name: 'bot' });
  bot.connect();
  await bot.join('red');
  await bot.send('red', 'one');
  await bot.send('red', 'two');
  bot.close();
  await alice.locator('.room[data-room="red"] .unread', { hasText: '2' }).waitFor();
  assert.equal(await alice.title(), '(2) chatd');
  await screenshot(alice, 'unread');
  await alice.click('.room[data-room="red"] .room-name');
  await waitForLine(alice, 'two');
  assert.equal(await alice.locator('.room[data-room="red"] .unread').count(), 0);
  assert.equal(await alice.title(), 'chatd');

  // Rooms and the name are remembered across a reload.
  await alice.reload();
  await connected(alice);
  assert.deepEqual(await alice.$$eval('.room', (els) => els.map((e) => e.dataset.room)), ['red', 'blue']);
  assert.equal(await alice.textContent('#me'), 'una');
  await alice.context().close();
});

test('at phone width the conversation fills the screen and the rooms slide in', async () => {
  const phone = await openPage(browser, chatd, { width: 390, height: 760 });
  await signIn(phone, 'pat', 'lobby');
  await send(phone, 'typed on a phone');
  assert.equal(await phone.locator('#sidebar').isVisible() && await phone.$eval('#sidebar',
    (s) => s.getBoundingClientRect().right > 0), false);
  const composer = await phone.$eval('#composer', (c) => c.getBoundingClientRect());
  assert.ok(composer.right <= 390 && composer.width > 300, `composer fits: ${JSON.stringify(composer)}`);
  await screenshot(phone, 'phone');
  await phone.click('#menu');
  await phone.waitForFunction(() => document.querySelector('#sidebar').getBoundingClientRect().left >= 0);
  await screenshot(phone, 'phone-rooms');
  await phone.context().close();
});

test('sign-in with a pasted token; a server that needs tokens refuses a guest name with a clear error', async () => {
  const secret = 'browser-test-secret';
  const secured = await new Chatd(['--jwt-secret', secret]).start();
  try {
    const page = await openPage(browser, secured);
    await page.fill('#name', 'mallory');
    await page.click('#signin-button');
    await page.locator('#signin-error', { hasText: 'guests_not_allowed' }).waitFor();
    assert.equal(await page.isVisible('#signin'), true);

    await page.click('#use-token');
    await page.fill('#token', jwt({ sub: 'dana', exp: Math.floor(Date.now() / 1000) + 3600 }, secret));
    await page.click('#signin-button');
    await connected(page);
    assert.equal(await page.textContent('#me'), 'dana');
    await send(page, 'signed in with a token');
    await page.reload();   // the token is remembered
    await connected(page);
    await waitForLine(page, 'signed in with a token');
    await page.context().close();
  } finally {
    await secured.dispose();
  }
});

test('on a server with tokens and guests, a guest shows as its name with a guest mark, apart from the token user', async () => {
  const secret = 'browser-test-secret';
  const mixed = await new Chatd(['--jwt-secret', secret, '--allow-guests', 'true']).start();
  try {
    const guest = await openPage(browser, mixed);
    await signIn(guest, 'dana', 'general');
    assert.equal(await guest.textContent('#me .guest-mark'), 'guest');
    assert.equal(await guest.textContent('#me'), 'dana guest');
    await send(guest, 'from the guest');

    const dana = new ChatClient(`ws://127.0.0.1:${mixed.port}/ws`,
      { token: jwt({ sub: 'dana', exp: Math.floor(Date.now() / 1000) + 3600 }, secret) });
    dana.connect();
    await dana.join('general');
    await dana.send('general', 'from the signed-in dana');
    await waitForLine(guest, 'from the signed-in dana');
    // The member list shows two danas: one marked a guest, one not.
    await guest.locator('#members li', { hasText: 'dana' }).nth(1).waitFor();
    assert.equal(await guest.locator('#members li .guest-mark').count(), 1);
    // The token user's line is not drawn as the guest's own.
    assert.equal(await guest.locator('.line.mine', { hasText: 'from the signed-in dana' }).count(), 0);
    await screenshot(guest, 'guest-mark');
    dana.close();
    await guest.context().close();
  } finally {
    await mixed.dispose();
  }
});

/** An HS256 JWT, as an identity provider would issue it. */
function jwt(claims, secret) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
