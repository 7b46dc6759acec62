// The web client through HAProxy in front of a cluster: two chatd nodes on
// PostgreSQL and Redis (scripts/cluster.sh, from a temporary folder), the
// page loaded through HAProxy, two people on different nodes chatting, and
// one of them carried over to the other node when hers dies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser, openPage, signIn, send, waitForLine, lineTexts, screenshot, connected } from './harness.mjs';
import { Cluster, get } from '../reliability/cluster.mjs';
import { waitUntil } from '../reliability/common.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'chatd-browser-cluster-'));
const cluster = new Cluster({ dir, nodes: 2 });
let browser;

before(async () => {
  await cluster.up();   // fails, naming what is missing, where PostgreSQL, Redis or HAProxy is not installed
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  cluster.down();
  rmSync(dir, { recursive: true, force: true });
});

/** WebSocket connections open on each node: [node 1, node 2] (null for a node that does not answer). */
const spread = () => Promise.all([1, 2].map((i) => cluster.metric(i, 'chatd_ws_connections_open').catch(() => null)));

test('two people on different nodes behind HAProxy chat with each other, and one moves when her node dies', async () => {
  // chatd serves the web client on every node; HAProxy serves it to the browser.
  const index = await get(cluster.port, '/');
  assert.equal(index.status, 200);
  assert.match(index.body, /<html/i);
  const site = { url: cluster.httpUrl };

  const alice = await openPage(browser, site);
  await signIn(alice, 'alice', 'across');
  await waitUntil('alice\'s connection on a node', async () => (await spread()).reduce((a, b) => a + b, 0) === 1, 10000);
  const aliceNode = (await spread()).indexOf(1) + 1;
  // HAProxy balances by least connections: bob lands on the other node.
  const bob = await openPage(browser, site);
  await signIn(bob, 'bob', 'across');
  await waitUntil('one connection on each node', async () => (await spread()).join() === '1,1', 10000);

  await send(alice, `Hello from node ${aliceNode}`);
  await waitForLine(bob, `Hello from node ${aliceNode}`);
  await send(bob, `Hi Alice, node ${3 - aliceNode} here`);
  await waitForLine(alice, `Hi Alice, node ${3 - aliceNode} here`);
  assert.deepEqual(await lineTexts(alice), await lineTexts(bob));
  await screenshot(bob, 'cluster-two-nodes-bob');

  // Alice's node dies: her page reconnects through HAProxy to bob's node and
  // carries on in the same room, with nothing lost or doubled.
  await cluster.kill9(aliceNode);
  await waitUntil('alice on bob\'s node', async () => (await spread())[2 - aliceNode] === 2, 15000);
  await connected(alice);
  await send(alice, 'Still here after my node died');
  await waitForLine(bob, 'Still here after my node died');
  await send(bob, 'Welcome over');
  await waitForLine(alice, 'Welcome over');
  assert.deepEqual(await lineTexts(alice), await lineTexts(bob));
  assert.deepEqual(await lineTexts(bob), [`Hello from node ${aliceNode}`, `Hi Alice, node ${3 - aliceNode} here`,
    'Still here after my node died', 'Welcome over']);
  await screenshot(alice, 'cluster-after-node-died-alice');
  assert.deepEqual([...alice.errors, ...bob.errors], []);
  await alice.context().close();
  await bob.context().close();
});
