// The web client through deploy/compose.yaml's HAProxy: two people load the
// page in headless Chromium, land on different chatd nodes, and chat. Run by
// scripts/test-compose.sh once the compose cluster is up (not by `npm test`):
//   CHATD_COMPOSE_URL    http://HOST:PORT of HAProxy's chat front
//   CHATD_COMPOSE_STATS  its stats page as CSV (http://HOST:PORT/stats;csv)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, signIn, send, waitForLine, lineTexts, screenshot } from './harness.mjs';
import { waitUntil } from '../reliability/common.mjs';

const url = process.env.CHATD_COMPOSE_URL;
const stats = process.env.CHATD_COMPOSE_STATS;
if (!url || !stats) throw new Error('set CHATD_COMPOSE_URL and CHATD_COMPOSE_STATS (scripts/test-compose.sh does)');
let browser;

before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Connections HAProxy has open to each chatd node now: { chatd1: n, ... }. */
async function spread() {
  const csv = await (await fetch(stats)).text();
  const open = {};
  for (const row of csv.split('\n').map((l) => l.split(','))) {
    if (row[0] === 'chatd' && /^chatd\d$/.test(row[1])) open[row[1]] = Number(row[4]);   // scur
  }
  return open;
}
const busyNodes = async () => Object.entries(await spread()).filter(([, n]) => n > 0).map(([name]) => name);

test('two people on different nodes of the compose cluster chat through HAProxy', async () => {
  const alice = await openPage(browser, { url });
  await signIn(alice, 'alice', 'compose-test');
  await waitUntil('alice\'s WebSocket open on one node', async () => (await busyNodes()).length === 1, 10000);
  const [aliceNode] = await busyNodes();
  // HAProxy balances by least connections: bob lands on another node.
  const bob = await openPage(browser, { url });
  await signIn(bob, 'bob', 'compose-test');
  await waitUntil('one WebSocket on each of two nodes', async () => (await busyNodes()).length === 2, 10000);
  const bobNode = (await busyNodes()).find((n) => n !== aliceNode);

  await send(alice, 'Hello from the compose cluster');
  await waitForLine(bob, 'Hello from the compose cluster');
  await send(bob, `Hi Alice, ${bobNode} here`);
  await waitForLine(alice, `Hi Alice, ${bobNode} here`);
  assert.deepEqual(await lineTexts(alice), await lineTexts(bob));
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
  await screenshot(bob, 'compose-two-nodes-bob');
});
