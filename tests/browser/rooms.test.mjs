// The chat product in a real browser against a real chatd with tokens
// (guests may only use public rooms): room kinds, members and roles,
// moderation, edits, deletions, reactions, the log's events and the
// server's unread and mention counts, as a person using the page notices them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Chatd, launchBrowser, openPage, signInAs, send, waitForLine, lineTexts, screenshot, connected, token } from './harness.mjs';
import { ChatClient } from '../../web/protocol.js';

const secret = 'rooms-test-secret';
let chatd;
let browser;
const clients = new Set();   // closed at the end even when a test failed before closing its own

before(async () => {
  chatd = await new Chatd(['--jwt-secret', secret, '--rate', '1000', '--burst', '1000']).start();
  browser = await launchBrowser();
});

after(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await chatd?.dispose();
});

/** A signed-in page of `user` in `room`. Each test uses its own user names: memberships last. */
async function pageOf(user, room) {
  const page = await openPage(browser, chatd);
  await signInAs(page, user, secret, room);
  return page;
}

/** A ChatClient of `user`, connected. */
async function clientOf(user) {
  const c = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { token: token(user, secret) });
  clients.add(c);
  const identified = new Promise((resolve) => c.addEventListener('identified', (ev) => resolve(ev.detail), { once: true }));
  c.connect();
  await identified;
  return c;
}

/** Fills and sends the "New room" form. */
async function createRoom(page, { kind, name, topic }) {
  await page.getByText('New room').click();
  await page.selectOption('#create-kind', kind);
  if (name) await page.fill('#create-name', name);
  if (topic) await page.fill('#create-topic', topic);
  await page.getByRole('button', { name: 'Create room' }).click();
}

/** The <li> of the stored line with this text. */
const lineWith = (page, text) => page.locator('#lines .line[data-seq]', { has: page.locator('.text', { hasText: text }) });

test('edit and delete own lines: both pages show the new text marked edited, then a tombstone; others\' lines offer neither', async () => {
  const ann = await pageOf('ann', 'lifecycle');
  const ben = await pageOf('ben', 'lifecycle');
  await send(ann, 'helo wrld');
  await waitForLine(ben, 'helo wrld');
  await send(ben, 'a line of ben');
  await waitForLine(ann, 'a line of ben');
  // ann may edit and delete her line, not ben's.
  assert.equal(await lineWith(ann, 'a line of ben').getByRole('button', { name: 'Edit this message' }).count(), 0);
  assert.equal(await lineWith(ann, 'a line of ben').getByRole('button', { name: 'Delete this message' }).count(), 0);

  await lineWith(ann, 'helo wrld').getByRole('button', { name: 'Edit this message' }).click();
  const editor = ann.getByRole('textbox', { name: 'Edit message' });
  assert.equal(await editor.inputValue(), 'helo wrld');
  await editor.fill('hello world');
  await editor.press('Enter');
  for (const page of [ann, ben]) {
    await waitForLine(page, 'hello world');
    await lineWith(page, 'hello world').locator('.edited', { hasText: '(edited)' }).waitFor();
    assert.ok(!(await lineTexts(page)).includes('helo wrld'));
  }
  await screenshot(ben, 'edited');

  await lineWith(ann, 'hello world').getByRole('button', { name: 'Delete this message' }).click();
  await ann.getByRole('button', { name: 'Delete this message for everyone' }).click();
  for (const page of [ann, ben]) {
    await waitForLine(page, 'This message was deleted.');
    assert.equal(await page.locator('#lines .line.deleted').count(), 1);
  }
  // After a reload history says the same: the edit and deletion are in the stored line.
  await ben.reload();
  await connected(ben);
  await waitForLine(ben, 'This message was deleted.');
  assert.deepEqual(await lineTexts(ben), ['This message was deleted.', 'a line of ben']);
  await screenshot(ben, 'deleted');
  await ann.context().close();
  await ben.context().close();
});

test('reactions: added and taken back on a click, counted, with who reacted in the label', async () => {
  const cat = await pageOf('cat', 'reactions');
  const dan = await pageOf('dan', 'reactions');
  await send(cat, 'lunch at noon?');
  await waitForLine(dan, 'lunch at noon?');
  const onDan = lineWith(dan, 'lunch at noon?');
  await onDan.getByLabel('Add a reaction').click();
  await onDan.getByRole('button', { name: 'React with 👍' }).click();
  const chipOnCat = lineWith(cat, 'lunch at noon?').locator('.reaction[data-emoji="👍"]');
  await chipOnCat.filter({ hasText: '👍 1' }).waitFor();
  assert.match(await chipOnCat.getAttribute('aria-label'), /^👍 1: dan\. Add yours$/);
  await chipOnCat.click();   // cat adds hers to the same emoji
  for (const page of [cat, dan]) {
    await lineWith(page, 'lunch at noon?').locator('.reaction[data-emoji="👍"]', { hasText: '👍 2' }).waitFor();
  }
  assert.equal(await chipOnCat.getAttribute('aria-pressed'), 'true');
  assert.match(await chipOnCat.getAttribute('aria-label'), /cat, dan/);
  await screenshot(dan, 'reactions');
  await lineWith(dan, 'lunch at noon?').locator('.reaction[data-emoji="👍"]').click();   // dan takes his back
  await chipOnCat.filter({ hasText: '👍 1' }).waitFor();
  assert.match(await chipOnCat.getAttribute('aria-label'), /^👍 1: cat\./);
  await cat.context().close();
  await dan.context().close();
});

test('a private room: created with a topic, shown as private, an invited user finds it in the list; membership changes are lines in order', async () => {
  const eve = await pageOf('eve', 'hall');
  await createRoom(eve, { kind: 'private', topic: 'Q3 plans' });
  await eve.locator('#room-title', { hasText: '🔒 Q3 plans' }).waitFor();
  const item = eve.locator('.room[data-kind="private"]');
  await item.waitFor();
  const name = await item.getAttribute('data-room');
  assert.match(name, /^![a-z2-7]{20}$/);
  assert.equal(await item.getByRole('button', { name: 'Q3 plans, private room' }).count(), 1);
  // eve owns it: she may invite, and the member list says so.
  await eve.locator('#roster-box > summary').click();
  await eve.locator('#roster li[data-user="eve"] .badge.role', { hasText: 'owner' }).waitFor();
  await eve.fill('#invite-user', 'fay');
  await eve.getByRole('button', { name: 'Invite' }).click();
  await eve.locator('#lines .event', { hasText: 'eve invited fay' }).waitFor();
  await eve.locator('#roster li[data-user="fay"]').waitFor();
  await send(eve, 'welcome fay');

  // fay signs in: the room is in her list (identify lists her rooms), private, with one unread line.
  const fay = await pageOf('fay', 'hall');
  const hers = fay.locator(`.room[data-room="${name}"]`);
  await hers.waitFor();
  assert.equal(await hers.getAttribute('data-kind'), 'private');
  await hers.locator('.unread', { hasText: '1' }).waitFor();
  await hers.locator('.room-name').click();
  await waitForLine(fay, 'welcome fay');
  // Events and lines in seq order, the same on both pages.
  const order = (page) => page.$$eval('#lines > li[data-seq]', (els) => els.map((e) => e.textContent.includes('invited') ? 'invite' : e.querySelector('.text')?.textContent));
  assert.deepEqual((await order(fay)).filter((t) => t === 'invite' || t === 'welcome fay'), ['invite', 'welcome fay']);
  await hers.locator('.unread').waitFor({ state: 'detached' });
  // A member does not get the owner's tools.
  assert.equal(await fay.locator('#invite-form').isVisible(), false);
  await screenshot(fay, 'private-room');

  // Someone who is not a member cannot join it by its name: the same answer as a room that does not exist.
  const gus = await clientOf('gus');
  await assert.rejects(gus.join(name), { code: 'not_found' });
  gus.close();
  await eve.context().close();
  await fay.context().close();
});

test('a direct conversation with two people: labelled by the others, found again by the same set, seen by them with its unread line', async () => {
  const hal = await pageOf('hal', 'square');
  await hal.getByText('Direct message').click();
  await hal.fill('#direct-users', 'ivy, jon');
  await hal.getByRole('button', { name: 'Open conversation' }).click();
  await hal.locator('#room-title', { hasText: '@ ivy, jon' }).waitFor();
  const name = await hal.locator('.room[data-kind="direct"]').getAttribute('data-room');
  await send(hal, 'the three of us');
  // Opening the same set again (in another order) gives the same room.
  await hal.getByText('Direct message').click();
  await hal.fill('#direct-users', 'jon, ivy');
  await hal.getByRole('button', { name: 'Open conversation' }).click();
  assert.equal(await hal.locator('.room[data-kind="direct"]').count(), 1);
  // No moderation in a direct room.
  await hal.locator('#roster-box > summary').click();
  await hal.locator('#roster li[data-user="ivy"]').waitFor();
  assert.equal(await hal.locator('#roster .member-actions').count(), 0);

  const ivy = await pageOf('ivy', 'square');
  const hers = ivy.locator(`.room[data-room="${name}"]`);
  await hers.getByRole('button', { name: 'hal, jon, direct message' }).waitFor();
  await hers.locator('.unread', { hasText: '1' }).waitFor();
  await hers.locator('.room-name').click();
  await waitForLine(ivy, 'the three of us');
  await screenshot(ivy, 'direct');
  await hal.context().close();
  await ivy.context().close();
});

test('a room someone else makes for you appears at once: a direct message and an invite show in the list without a reload', async () => {
  const pia = await pageOf('pia', 'plaza');
  const quinn = await pageOf('quinn', 'plaza');
  await quinn.evaluate(() => { window.sameDocument = true; });   // gone if the page reloads
  // pia opens a direct conversation with quinn: quinn's list shows it at once, labelled by pia, and joined.
  await pia.getByText('Direct message').click();
  await pia.fill('#direct-users', 'quinn');
  await pia.getByRole('button', { name: 'Open conversation' }).click();
  await pia.locator('#room-title', { hasText: '@ quinn' }).waitFor();
  const direct = await pia.locator('.room[data-kind="direct"]').getAttribute('data-room');
  const dm = quinn.locator(`.room[data-room="${direct}"]`);
  await dm.getByRole('button', { name: 'pia, direct message' }).waitFor();
  await quinn.locator('#notice', { hasText: 'pia started a conversation with you.' }).waitFor();
  await send(pia, 'psst');
  await dm.locator('.unread', { hasText: '1' }).waitFor();
  // pia makes a private room and invites quinn: it appears too, private, by its topic.
  await createRoom(pia, { kind: 'private', topic: 'Surprise party' });
  await pia.locator('#room-title', { hasText: '🔒 Surprise party' }).waitFor();
  await pia.fill('#invite-user', 'quinn');
  await pia.getByRole('button', { name: 'Invite' }).click();
  const party = quinn.locator('.room[data-kind="private"]');
  await party.getByRole('button', { name: 'Surprise party, private room' }).waitFor();
  await quinn.locator('#notice', { hasText: 'pia added you to Surprise party.' }).waitFor();
  await screenshot(quinn, 'room-added');
  await party.locator('.room-name').click();
  await send(quinn, 'count me in');
  await waitForLine(pia, 'count me in');
  assert.equal(await quinn.evaluate(() => window.sameDocument), true, 'the page was not reloaded');
  // Taken out again, the room leaves quinn's list at once.
  await pia.locator('#roster-box > summary').click();
  await pia.getByLabel('Manage quinn').click();
  await pia.getByRole('button', { name: 'Remove quinn from the room' }).click();
  await party.waitFor({ state: 'detached' });
  assert.deepEqual(quinn.errors, []);
  await pia.context().close();
  await quinn.context().close();
});

test('a room left on one device leaves the list of the user\'s other devices at once, joined there or not', async () => {
  const phone = await pageOf('rita', 'corner');
  const desk = await pageOf('rita', 'corner');
  await desk.evaluate(() => { window.sameDocument = true; });   // gone if the page reloads
  await createRoom(phone, { kind: 'private', topic: 'Book club' });
  await phone.locator('#room-title', { hasText: '🔒 Book club' }).waitFor();
  const club = desk.locator('.room[data-kind="private"]');
  await club.getByRole('button', { name: 'Book club, private room' }).waitFor();   // room_added
  await phone.getByRole('button', { name: 'Leave Book club' }).click();
  await club.waitFor({ state: 'detached' });
  await desk.locator('#notice', { hasText: 'You left Book club on another device.' }).waitFor();
  // A public room both are in: the desk is taken out of it too.
  await phone.getByRole('button', { name: 'Leave corner' }).click();
  await desk.locator('.room[data-room="corner"]').waitFor({ state: 'detached' });
  assert.equal(await desk.evaluate(() => window.sameDocument), true, 'the page was not reloaded');
  assert.deepEqual(desk.errors, []);
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
  await desk.context().close();
});

test('moderation: the owner mutes, promotes, removes and bans from the member list; a member sees no such controls', async () => {
  const kim = await pageOf('kim', 'lobby2');
  await createRoom(kim, { kind: 'public', name: 'town' });
  await kim.locator('#room-title', { hasText: '# town' }).waitFor();
  // Joining a public room makes nobody a member: kim makes lou one first.
  await kim.fill('#invite-user', 'lou');
  await kim.getByRole('button', { name: 'Invite' }).click();
  await kim.locator('#lines .event', { hasText: 'kim invited lou' }).waitFor();
  const lou = await pageOf('lou', 'town');
  await lou.locator('#roster-box > summary').click();
  await lou.locator('#roster li[data-user="kim"] .badge.role', { hasText: 'owner' }).waitFor();
  assert.equal(await lou.locator('#roster .member-actions').count(), 0);   // lou is a member

  await kim.locator('#roster-box > summary').click();
  await kim.getByLabel('Manage lou').click();
  await kim.getByRole('button', { name: 'Mute lou' }).click();
  await kim.locator('#lines .event', { hasText: 'kim muted lou' }).waitFor();
  await kim.locator('#roster li[data-user="lou"] .badge.muted-mark').waitFor();
  await lou.fill('#text', 'can I talk?');
  await lou.press('#text', 'Enter');
  await lou.locator('#error', { hasText: '(muted)' }).waitFor();
  await kim.getByLabel('Manage lou').click();
  await kim.getByRole('button', { name: 'Unmute lou' }).click();
  await kim.locator('#lines .event', { hasText: 'kim unmuted lou' }).waitFor();

  await kim.getByLabel('Manage lou').click();
  await kim.getByRole('button', { name: 'Make lou an admin' }).click();
  await lou.locator('#lines .event', { hasText: 'kim made lou an admin' }).waitFor();
  await kim.locator('#roster li[data-user="lou"] .badge.role', { hasText: 'admin' }).waitFor();
  await screenshot(kim, 'moderation');
  await kim.getByLabel('Manage lou').click();
  await kim.getByRole('button', { name: 'Make lou a member' }).click();
  await kim.locator('#lines .event', { hasText: 'kim made lou a member' }).waitFor();

  await kim.getByLabel('Manage lou').click();
  await kim.getByRole('button', { name: 'Remove lou from the room' }).click();
  await lou.locator('#notice', { hasText: 'You were removed from town.' }).waitFor();
  await lou.locator('.room[data-room="town"]').waitFor({ state: 'detached' });

  // lou comes back to the public room as a reader, no member: listed as here,
  // and banned: he is told, and cannot join again.
  await lou.fill('#join-room', 'town');
  await lou.press('#join-room', 'Enter');
  await kim.locator('#roster li[data-user="lou"]').waitFor();
  await kim.getByLabel('Manage lou').click();
  await kim.getByRole('button', { name: 'Ban lou' }).click();
  await lou.locator('#notice', { hasText: 'You were banned from town.' }).waitFor();
  await kim.locator('#lines .event', { hasText: 'kim banned lou' }).waitFor();
  await lou.fill('#join-room', 'town');
  await lou.press('#join-room', 'Enter');
  await lou.locator('#error', { hasText: '(banned)' }).waitFor();
  // The ban line offers the owner to lift it; then lou may join again.
  await kim.getByRole('button', { name: 'Unban lou' }).click();
  await kim.locator('#lines .event', { hasText: 'kim unbanned lou' }).waitFor();
  await lou.fill('#join-room', 'town');
  await lou.press('#join-room', 'Enter');
  await lou.locator('#room-title', { hasText: '# town' }).waitFor();
  await connected(lou);
  await lou.locator('#members li', { hasText: 'lou' }).waitFor();
  await kim.context().close();
  await lou.context().close();
});

test('unread counts come from the server, the page adds live lines and mentions, and reading on one device clears the other\'s badges', async () => {
  const phone = await pageOf('max', 'quiet');
  const desk = await pageOf('max', 'quiet');
  const ned = await clientOf('ned');
  await ned.join('busy');
  // max joins busy and marks it read before its first line: the server
  // keeps it among max's rooms (joining a public room makes nobody a
  // member), so both pages list it after a reload.
  const maxJoins = await clientOf('max');
  await maxJoins.join('busy');
  await maxJoins.request('read', { room: 'busy', seq: 0 });
  maxJoins.close();
  await ned.send('busy', 'one');
  for (const page of [phone, desk]) {
    await page.reload();
    await connected(page);
    await page.locator('.room[data-room="busy"] .unread', { hasText: '1' }).waitFor();   // identify's count
  }
  await ned.send('busy', 'two, @max');   // live, while max looks at another room
  for (const page of [phone, desk]) {
    const busy = page.locator('.room[data-room="busy"]');
    await busy.locator('.unread', { hasText: '2' }).waitFor();
    await busy.locator('.mentions', { hasText: '@1' }).waitFor();
    assert.equal(await busy.locator('.mentions').getAttribute('aria-label'), '1 mentioning you');
  }
  assert.equal(await phone.title(), '(2) chatd');
  await screenshot(phone, 'unread-mentions');
  // Reading on the desk clears the phone's badges (a marker push).
  await desk.locator('.room[data-room="busy"] .room-name').click();
  await waitForLine(desk, 'two, @max');
  await phone.locator('.room[data-room="busy"] .unread').waitFor({ state: 'detached' });
  await phone.locator('.room[data-room="busy"] .mentions').waitFor({ state: 'detached' });
  assert.equal(await phone.title(), 'chatd');
  // And the server keeps it: after a reload nothing is unread.
  await phone.reload();
  await connected(phone);
  await phone.locator('.room[data-room="busy"]').waitFor();
  assert.equal(await phone.locator('.room[data-room="busy"] .unread').count(), 0);
  ned.close();
  await phone.context().close();
  await desk.context().close();
});

test('a server without the room model (--product-requests false): the page works as before, offers none of it, and sends no read', async () => {
  const old = await new Chatd(['--jwt-secret', secret, '--product-requests', 'false']).start();
  try {
    const page = await openPage(browser, old);
    const asked = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => asked.push(JSON.parse(f.payload).type)));
    await signInAs(page, 'old', secret, 'legacy');
    await send(page, 'plain as before');
    const other = new ChatClient(`ws://127.0.0.1:${old.port}/ws`, { token: token('older', secret) });
    other.connect();
    await other.join('legacy');
    await other.send('legacy', 'from someone else');
    await waitForLine(page, 'from someone else');
    other.close();
    assert.equal(await page.locator('#product-tools').isVisible(), false);
    assert.equal(await page.locator('#room-tools').isVisible(), false);
    assert.equal(await page.locator('#lines .line-tools').count(), 0);
    assert.equal(await page.locator('.room[data-room="legacy"]').getAttribute('data-kind'), 'public');
    assert.deepEqual(asked.filter((t) => !['identify', 'join', 'send', 'history', 'typing', 'ping'].includes(t)), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    await old.dispose();
  }
});
