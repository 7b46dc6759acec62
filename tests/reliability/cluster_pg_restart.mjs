// PostgreSQL restarted under load (docs/reliability.md, Cluster): three
// chatd on PostgreSQL and Redis behind HAProxy; members in several rooms send
// lines and wait for their acks. PostgreSQL is stopped (a fast shutdown:
// every connection cut, transactions in flight rolled back) and started
// again. While it is down sends are answered `unavailable` and members resend
// them with the same client_id; every node's /readyz answers 503 and HAProxy
// takes the nodes out; once it is back every node answers 200, HAProxy puts
// them back and each node stores lines again. At the end every acked line is
// stored exactly once at the seq its ack gave, nothing twice, and every
// member of every room holds the same log, 1..N. Exits 1 if not.
//
//   node --experimental-websocket tests/reliability/cluster_pg_restart.mjs [--clients 30] ...
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster } from './cluster.mjs';
import { Audit, Member, chatter, readBack, report, runScenario, settleAndVerify } from './cluster_members.mjs';
import { delay, exitOnSignals, parseOptions, seededRandom, waitUntil } from './common.mjs';

const usage = `usage: cluster_pg_restart.mjs [--clients N] [--rooms N] [--load-ms MS] [--seed N] [--dir DIR]
  clients  members through HAProxy, each in two rooms (default 30)
  rooms    rooms (default 6)
  load-ms  traffic before the stop, and after PostgreSQL is back (default 2500)
  seed     for the random choices (default: the clock; printed)
  dir      the cluster's folder (default: a new temporary one, removed on success)`;
const opts = parseOptions(process.argv.slice(2), {
  clients: 30, rooms: 6, load_ms: 2500, seed: Date.now() % 2147483647, dir: '',
}, usage);
const rng = seededRandom(opts.seed);
exitOnSignals();

const dir = opts.dir || mkdtempSync(path.join(tmpdir(), 'chatd-cluster-'));
const cluster = new Cluster({ dir });
const audit = new Audit();
const rooms = Array.from({ length: opts.rooms }, (_, i) => `pg-${i}`);
const roomsOf = (i) => [...new Set([rooms[i % rooms.length], rooms[(i + 1) % rooms.length]])];
const nodes = [1, 2, 3];

const readyz = () => Promise.all(nodes.map((i) => cluster.readyz(i)));
const haproxy = async () => Object.values(await cluster.haproxyStatus());

async function main() {
  console.log(`cluster PostgreSQL restart: 3 nodes behind HAProxy, ${opts.clients} members in ${opts.rooms} rooms, seed ${opts.seed}`);
  await cluster.up();
  const members = Array.from({ length: opts.clients }, (_, i) => new Member(audit, `u${i}`, cluster.wsUrl, roomsOf(i), rng));
  // One member straight on each node (past HAProxy), also in a room of its
  // own, which runs on that node only. While PostgreSQL is down its node
  // goes away for it (its connection is cut, and it reconnects straight to
  // the next node): there its own room must start, which needs the store,
  // so that rejoin is refused `unavailable`; the client must keep the room
  // and join it once the store is back.
  const direct = nodes.map((i) => new Member(audit, `direct${i}`, `ws://127.0.0.1:${cluster.nodePort(i)}/ws`,
    [...roomsOf(i), `pg-own-${i}`], rng));
  await Promise.all([...members, ...direct].map((m) => m.start()));
  const load = chatter([...members, ...direct], rng);
  await delay(opts.load_ms);

  const sentBefore = audit.lines.size;
  cluster.pgStop();
  console.log(`  PostgreSQL stopped after ${opts.load_ms} ms of traffic (${sentBefore} lines sent)`);
  await waitUntil('every node\'s /readyz to answer 503', async () => (await readyz()).every((s) => s === 503), 10000);
  await waitUntil('HAProxy to take every node out', async () => (await haproxy()).every((s) => s === 'DOWN'), 10000);
  await waitUntil('a send to be answered unavailable', () => audit.unavailable > 0, 10000);
  direct.forEach((m, i) => {
    m.chat.url = `ws://127.0.0.1:${cluster.nodePort(nodes[(i + 1) % nodes.length])}/ws`;
    m.chat.ws.close();
  });
  await waitUntil('the members moved to another node to be answered the rejoin of their own rooms', () => direct.every((m, i) => {
    const own = m.chat.rooms.get(`pg-own-${nodes[i]}`);
    return m.closes > 0 && m.chat.state === 'connected' && (own === undefined || own.refusals > 0);
  }), 15000);
  const refused = await cluster.readyz(1);
  console.log(`  while it was down: /readyz ${refused} on every node, HAProxy had every node DOWN, ` +
    `${audit.unavailable} sends answered unavailable; ${direct.length} members straight on the nodes moved to the next ` +
    'node, where the rejoin of their own rooms was refused');

  cluster.pgStart();
  await waitUntil('every node\'s /readyz to answer 200 again', async () => (await readyz()).every((s) => s === 200), 20000);
  await waitUntil('HAProxy to put every node back', async () => (await haproxy()).every((s) => s === 'UP'), 10000);
  console.log('  PostgreSQL started again: every node ready, HAProxy has every node UP');
  const restartedAt = audit.lines.size;   // lines are kept in the order they were sent
  await delay(opts.load_ms);
  await load.stop();

  await waitUntil('every line to be acked', () => [...audit.lines.values()].every((l) => l.done), 30000, 100)
    .catch((e) => audit.violate(e.message));
  // Each node stores lines again: the member now straight on it had lines acked that it sent after the restart.
  const after = [...audit.lines.values()].slice(restartedAt);
  for (const m of direct) {
    if (!after.some((l) => l.user === m.user && l.acks.length > 0)) audit.violate(`${m.user}: no line sent after the restart was acked`);
  }
  const everyone = [...members, ...direct];
  const { stored, pgRows } = await readBack(cluster, cluster.wsUrl, [...rooms, ...nodes.map((i) => `pg-own-${i}`)]);
  const figures = await settleAndVerify(audit, everyone, stored, pgRows);
  for (const m of everyone) m.close();
  const reconnected = members.filter((m) => m.closes > 0).length;
  return report('cluster PostgreSQL restart', audit, figures, [
    `${reconnected} members behind HAProxy lost their connection meanwhile`,
  ]);
}

runScenario('cluster PostgreSQL restart', cluster, opts.dir, main);
