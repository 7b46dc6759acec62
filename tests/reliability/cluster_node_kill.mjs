// A node killed under load (docs/reliability.md, Cluster): three chatd on
// PostgreSQL and Redis behind HAProxy; members in several rooms, spread over
// the nodes by HAProxy, send lines and wait for their acks. The node holding
// the most connections is killed with SIGKILL; its members reconnect through
// HAProxy to the others, rejoin with `since` and resend what was not acked.
// Then the node is started again and more members join straight on it. At
// the end every acked line is stored exactly once at the seq its ack gave
// (history through a node, and PostgreSQL itself), and every member of every
// room holds the same log, 1..N, each entry received once. Exits 1 if not.
//
//   node --experimental-websocket tests/reliability/cluster_node_kill.mjs [--clients 30] ...
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster } from './cluster.mjs';
import { Audit, Member, chatter, readBack, report, runScenario, settleAndVerify } from './cluster_members.mjs';
import { delay, exitOnSignals, parseOptions, seededRandom, waitUntil } from './common.mjs';

const usage = `usage: cluster_node_kill.mjs [--clients N] [--rooms N] [--late N] [--load-ms MS] [--check-inter T] [--seed N] [--dir DIR]
  clients  members through HAProxy, each in two rooms (default 30)
  rooms    rooms (default 6)
  late     members who join straight on the restarted node (default 4)
  load-ms  traffic before the kill, and again after each step (default 2500)
  check-inter  HAProxy's health check interval (default 300ms; deploy/haproxy.cfg says 2s)
  seed     for the random choices (default: the clock; printed)
  dir      the cluster's folder (default: a new temporary one, removed on success)`;
const opts = parseOptions(process.argv.slice(2), {
  clients: 30, rooms: 6, late: 4, load_ms: 2500, check_inter: '300ms', seed: Date.now() % 2147483647, dir: '',
}, usage);
const rng = seededRandom(opts.seed);
exitOnSignals();

const dir = opts.dir || mkdtempSync(path.join(tmpdir(), 'chatd-cluster-'));
const cluster = new Cluster({ dir, checkInter: opts.check_inter });
const audit = new Audit();
const rooms = Array.from({ length: opts.rooms }, (_, i) => `kill-${i}`);
const roomsOf = (i) => [...new Set([rooms[i % rooms.length], rooms[(i + 1) % rooms.length]])];

/** WebSocket connections open on each node, from its /metrics: [n1, n2, n3] ('-' for a node that is down). */
async function spread() {
  return Promise.all([1, 2, 3].map((i) => cluster.metric(i, 'chatd_ws_connections_open').then((n) => n ?? 0, () => '-')));
}

async function main() {
  console.log(`cluster node kill: 3 nodes behind HAProxy, ${opts.clients} members in ${opts.rooms} rooms, seed ${opts.seed}`);
  await cluster.up();
  const members = Array.from({ length: opts.clients }, (_, i) => new Member(audit, `u${i}`, cluster.wsUrl, roomsOf(i), rng));
  await Promise.all(members.map((m) => m.start()));
  const before = await spread();
  if (before.some((n) => n === 0)) audit.violate(`HAProxy left a node without members: connections ${before.join('/')}`);

  const load = chatter(members, rng);
  await delay(opts.load_ms);
  const victim = before.indexOf(Math.max(...before)) + 1;
  const unackedAtKill = [...audit.lines.values()].filter((l) => l.acks.length === 0);
  await cluster.kill9(victim);
  const killedAt = Date.now();
  const cutOff = before[victim - 1];
  console.log(`  kill -9 node ${victim} (connections per node ${before.join('/')}) after ${opts.load_ms} ms; ` +
    `${audit.lines.size} lines sent, ${unackedAtKill.length} not acked yet`);
  await waitUntil('the killed node\'s members to see their connections close',
    () => members.reduce((n, m) => n + m.closes, 0) >= cutOff, 15000);
  await waitUntil('every member to reconnect and rejoin', () => members.every((m) => m.settled), 30000);
  const backAfter = Date.now() - killedAt;
  // HAProxy sends a connection the dead node refuses to another node at once
  // (option redispatch): no member needs a second attempt, whether or not
  // the health check has noticed the node is gone.
  const retried = members.filter((m) => m.closes > 1);
  if (retried.length > 0) {
    audit.violate(`${retried.length} members needed more than one attempt to reconnect through HAProxy ` +
      `(${retried.map((m) => `${m.user}: ${m.closes - 1} refused`).join(', ')})`);
  }
  await waitUntil('HAProxy to take the killed node out', async () => (await cluster.haproxyStatus())[`chatd${victim}`] === 'DOWN', 15000);
  const after = await spread();
  if (after[victim - 1] !== '-') audit.violate(`the killed node still answers: ${after.join('/')}`);
  console.log(`  every member back ${backAfter} ms after the kill (connections per node ${after.join('/')})`);

  await delay(opts.load_ms);
  cluster.startNode(victim);
  await waitUntil('HAProxy to put the node back', async () => (await cluster.haproxyStatus())[`chatd${victim}`] === 'UP', 15000);
  // Straight on the restarted node: it must serve the same rooms, live and from the store.
  const late = Array.from({ length: opts.late }, (_, i) =>
    new Member(audit, `late${i}`, `ws://127.0.0.1:${cluster.nodePort(victim)}/ws`, roomsOf(i), rng));
  await Promise.all(late.map((m) => m.start()));
  for (const m of late) load.add(m);
  console.log(`  node ${victim} restarted; ${opts.late} members joined straight on it`);
  await delay(opts.load_ms);
  await load.stop();

  await waitUntil('every line to be acked', () => [...audit.lines.values()].every((l) => l.done), 30000, 100)
    .catch((e) => audit.violate(e.message));
  const everyone = [...members, ...late];
  const { stored, pgRows } = await readBack(cluster, cluster.wsUrl, rooms);
  const figures = await settleAndVerify(audit, everyone, stored, pgRows);
  for (const m of everyone) m.close();
  const cutUsers = new Set(members.filter((m) => m.closes > 0).map((m) => m.user));
  const cutLines = unackedAtKill.filter((l) => cutUsers.has(l.user)).length;
  return report('cluster node kill', audit, figures, [
    `${cutUsers.size} members were cut off by the kill and came back through HAProxy; ` +
    `${cutLines} of their lines were not acked at the kill and went again with the same client_id after the rejoin`,
  ]);
}

runScenario('cluster node kill', cluster, opts.dir, main);
