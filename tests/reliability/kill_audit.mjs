// The kill -9 audit: clients chat through the project's own client
// (web/protocol.js: resend with the same client_id, rejoin with since) while
// chatd is killed with SIGKILL at random moments and restarted on the same
// database. Then it reads every room back with `history` and checks
// docs/protocol.md's contract: every acked line is stored exactly once, at the
// seq its ack gave; nothing is stored twice or stored that nobody sent; seqs
// increase; a seq never names two different lines; and every replay that said
// complete:true carried every stored line it claimed. Exits 1 on a violation.
//
//   node --experimental-websocket tests/reliability/kill_audit.mjs [--rounds 3] ...
import { execFileSync } from 'node:child_process';
import { ChatClient } from '../../web/protocol.js';
import { Chatd } from '../browser/chatd.mjs';
import { delay, exitOnSignals, parseOptions, recordingWebSocket, seededRandom, waitUntil } from './common.mjs';

const usage = `usage: kill_audit.mjs [--rounds N] [--clients N] [--rooms N] [--min-ms MS] [--max-ms MS]
                     [--window N] [--settle-ms MS] [--seed N]
  rounds      kill -9s (default 3)
  clients     connections, one user each, each in two rooms (default 20)
  rooms       rooms (default 4)
  min/max-ms  traffic between a restart and the next kill, picked at random (default 500..4000)
  window      unacked lines a client may have at once (default 4)
  settle-ms   traffic after the last restart before the sending stops (default 2000)
  seed        for the random choices (default: the clock; printed)`;
const opts = parseOptions(process.argv.slice(2), {
  rounds: 3, clients: 20, rooms: 4, min_ms: 500, max_ms: 4000, window: 4, settle_ms: 2000,
  seed: Date.now() % 2147483647,
}, usage);
const rng = seededRandom(opts.seed);
exitOnSignals();

/** Errors after which the contract says: retry with the same client_id. */
const RETRYABLE = new Set(['unavailable', 'internal', 'rate_limited', 'timeout']);
/** How long everything pending may take to be acked once the sending stops. */
const DRAIN_MS = 30000;

/** Everything the clients sent and saw, frame by frame (fed by recordingWebSocket). */
class Record {
  connections = 0;
  /** client_id -> {user, room, text, transmissions, acks: [seq], errors: [code], done} */
  lines = new Map();
  /** `room\nseq` -> {from, client_id, text}: every message push any client saw. */
  pushed = new Map();
  /** {user, room, since, through, complete, seqs}: one per replay_done. */
  replays = [];
  pushes = 0;
  /** What broke the contract, each said once (a wrong push is seen by every member). */
  violations = new Set();

  violate(what) { this.violations.add(what); }
  fail(e) { this.violate(`recorder: ${e?.stack ?? e}`); }

  sent(conn, msg) {
    if (msg.type === 'join') (conn.joins ??= new Map()).set(msg.id, { room: msg.room, since: msg.since });
    if (msg.type === 'send') this.lines.get(msg.client_id).transmissions++;
  }

  received(conn, msg) {
    conn.rooms ??= new Map();
    const who = `${conn.owner} (connection ${conn.serial})`;
    if (msg.type === 'joined') {
      const prev = conn.rooms.get(msg.room);
      // Without an id the server rejoined the connection by itself, from the
      // last line it received (docs/protocol.md, Replay with since).
      const since = msg.id === undefined ? (prev?.last ?? 0) : conn.joins.get(msg.id)?.since;
      conn.rooms.set(msg.room, { last: prev?.last ?? 0, replay: since === undefined ? null : { since, seqs: [] } });
    } else if (msg.type === 'message') {
      this.pushes++;
      const key = `${msg.room}\n${msg.seq}`;
      const line = { from: msg.from, client_id: msg.client_id, text: msg.text };
      const earlier = this.pushed.get(key);
      if (!earlier) this.pushed.set(key, line);
      else if (!sameLine(earlier, line)) this.violate(`seq ${msg.seq} in ${msg.room} pushed as two lines: ${show(earlier)} and ${show(line)}`);
      const r = conn.rooms.get(msg.room);
      if (!r) return this.violate(`${who}: a message in ${msg.room} before joined`);
      if (msg.seq <= r.last) this.violate(`${who}: seq ${msg.seq} in ${msg.room} after seq ${r.last} (not increasing)`);
      r.last = Math.max(r.last, msg.seq);
      r.replay?.seqs.push(msg.seq);
    } else if (msg.type === 'event') {
      // Another event of the room's log (a member event, an edit): it takes a
      // seq of the same order as the lines, live and in replays.
      const r = conn.rooms.get(msg.room);
      if (!r) return this.violate(`${who}: an event in ${msg.room} before joined`);
      if (msg.seq <= r.last) this.violate(`${who}: seq ${msg.seq} in ${msg.room} after seq ${r.last} (not increasing)`);
      r.last = Math.max(r.last, msg.seq);
      r.replay?.seqs.push(msg.seq);
    } else if (msg.type === 'replay_done') {
      const r = conn.rooms.get(msg.room);
      if (!r?.replay) return this.violate(`${who}: replay_done in ${msg.room} without a join with since`);
      this.replays.push({ user: conn.owner, room: msg.room, since: r.replay.since, through: msg.through,
        complete: msg.complete, seqs: r.replay.seqs });
      r.replay = null;
    } else if (msg.type === 'ack') {
      const line = this.lines.get(msg.client_id);
      if (!line || line.room !== msg.room || line.user !== conn.owner) this.violate(`${who}: an ack for a line it never sent: ${JSON.stringify(msg)}`);
      else line.acks.push(msg.seq);
    }
  }
}

const sameLine = (a, b) => a.from === b.from && a.client_id === b.client_id && a.text === b.text;
const show = (l) => `${l.from}/${l.client_id}`;

const record = new Record();
const rooms = Array.from({ length: opts.rooms }, (_, i) => `audit-${i}`);
const chatd = new Chatd(['--log-level', 'warn']);
let sending = true;
let joinedClients = 0;

/** One user: joins two rooms and sends lines (at most `window` unacked) until the sending stops. */
async function runClient(i) {
  const user = `u${i}`;
  const mine = [...new Set([rooms[i % rooms.length], rooms[(i + 1) % rooms.length]])];
  const chat = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { name: user },
    { WebSocket: recordingWebSocket(record, user), baseDelayMs: 100, maxDelayMs: 1000, requestTimeoutMs: 5000 });
  chat.addEventListener('fatal', (ev) => record.violate(`${user}: the client gave up: ${JSON.stringify(ev.detail)}`));
  chat.connect();
  await Promise.all(mine.map((room) => chat.join(room)));
  joinedClients++;
  let n = 0;
  while (sending) {
    if (chat.outbox.size < opts.window) sendLine(chat, user, rng.pick(mine), ++n);
    await delay(rng.between(60, 140));   // about 10 lines a second: under the default rate limit
  }
  return chat;
}

function sendLine(chat, user, room, n) {
  const clientId = chat.newClientId();
  const line = { user, room, text: `${user} line ${n} (${clientId})`, transmissions: 0, acks: [], errors: [], done: false };
  record.lines.set(clientId, line);
  const attempt = () => chat.send(room, line.text, clientId).then(() => { line.done = true; }, (err) => {
    line.errors.push(err?.code);
    if (RETRYABLE.has(err?.code)) setTimeout(attempt, 200);   // the contract: the same client_id again
    else { line.done = true; record.violate(`${user}: send ${clientId} refused: ${JSON.stringify(err)}`); }
  });
  attempt();
}

/** A request of the reader's, sent again while the server says rate_limited (it reads fast). */
async function paced(what, request) {
  for (;;) {
    try {
      return await request();
    } catch (err) {
      if (err?.code !== 'rate_limited') throw new Error(`${what}: ${JSON.stringify(err)}`);
      await delay(200);
    }
  }
}

/** Every stored line of a room, oldest first, paged back with `history`. */
async function readRoom(chat, room) {
  await paced(`join ${room}`, () => chat.join(room));
  const rows = [];
  let before;
  for (;;) {
    const page = await paced(`history ${room}`, () => chat.history(room, before, 100));
    rows.unshift(...page.messages);
    if (!page.has_more || page.messages.length === 0) return rows;
    before = page.messages[0].seq;
  }
}

/** Checks the stored rooms against what was sent, acked, pushed and replayed. */
function verify(stored) {
  const v = (what) => record.violate(what);
  const bySeq = new Map();   // `room\nseq` -> row
  const texts = new Set();
  let duplicated = 0;
  for (const [room, rows] of stored) {
    let last = 0;
    for (const row of rows) {
      if (row.seq <= last) v(`history of ${room}: seq ${row.seq} after ${last}`);
      last = row.seq;
      bySeq.set(`${room}\n${row.seq}`, row);
      if (row.kind !== undefined) {   // an event, not a line: only the server's own (a member event) may be here
        if (row.kind !== 'member' || !row.client_id.startsWith('sys:')) v(`${room} seq ${row.seq}: an event nobody asked for: ${JSON.stringify(row)}`);
        continue;
      }
      const line = record.lines.get(row.client_id);
      if (!line || line.room !== room || line.user !== row.from || line.text !== row.text) {
        v(`${room} seq ${row.seq}: a stored line nobody sent: ${JSON.stringify(row)}`);
        continue;
      }
      if (texts.has(row.text)) { duplicated++; v(`${room} seq ${row.seq}: stored twice: ${row.text}`); }
      texts.add(row.text);
      (line.stored ??= []).push(row.seq);
    }
  }
  let acked = 0, lost = 0, wrongSeq = 0, neverAcked = 0, resent = 0, cutOnDisk = 0, cutNotOnDisk = 0;
  for (const [clientId, line] of record.lines) {
    if (line.transmissions > 1) resent++;
    const stored = line.stored ?? [];
    if (line.acks.length === 0) {
      neverAcked++;
      v(`${clientId}: never acked (sent ${line.transmissions} times, errors ${line.errors.join(',') || 'none'})`);
      continue;
    }
    acked++;
    const seq = line.acks[0];
    if (line.cut) line.onDiskAtKill === undefined ? cutNotOnDisk++ : cutOnDisk++;
    if (line.onDiskAtKill !== undefined && line.onDiskAtKill !== seq)
      v(`${clientId}: on disk at seq ${line.onDiskAtKill} when chatd was killed, acked after the resend with seq ${seq}`);
    if (line.acks.some((s) => s !== seq)) v(`${clientId}: acks with different seqs: ${line.acks.join(', ')}`);
    if (stored.length === 0) { lost++; v(`${clientId}: acked with seq ${seq}, not stored`); }
    else if (stored[0] !== seq) { wrongSeq++; v(`${clientId}: acked with seq ${seq}, stored at seq ${stored[0]}`); }
  }
  let pushedMissing = 0;
  for (const [key, line] of record.pushed) {
    const row = bySeq.get(key);
    if (!row) pushedMissing++;   // docs/protocol.md allows it for a line never acked; counted, not failed
    else if (!sameLine(row, line)) v(`${key.replace('\n', ' seq ')}: pushed as ${show(line)}, stored as ${show(row)}`);
  }
  let gaps = 0, complete = 0;
  for (const r of record.replays) {
    if (!r.complete) continue;
    complete++;
    const expected = (stored.get(r.room) ?? []).map((row) => row.seq).filter((s) => s > r.since && s <= r.through);
    if (expected.join() !== r.seqs.join()) {
      gaps++;
      v(`${r.user} in ${r.room}: replay since ${r.since} through ${r.through} said complete but carried ` +
        `[${r.seqs.join(',')}], stored [${expected.join(',')}]`);
    }
  }
  const storedCount = [...stored.values()].reduce((sum, rows) => sum + rows.length, 0);
  return { acked, lost, duplicated, wrongSeq, neverAcked, resent, cutOnDisk, cutNotOnDisk, pushedMissing, gaps, complete,
    storedCount };
}

/**
 * Right after a kill: the lines sent and not yet acked, and which of them the
 * database file already holds (their acks were lost with the process). Read
 * only, so the file chatd restarts on is the one it left behind.
 */
function cutByKill() {
  const cut = [...record.lines].filter(([, l]) => l.transmissions > 0 && l.acks.length === 0);
  for (const [, line] of cut) line.cut = true;
  if (cut.length === 0) return { lines: 0, onDisk: 0 };
  const ids = cut.map(([clientId]) => `'${clientId}'`).join(',');
  let out;
  try {
    out = execFileSync('sqlite3', ['-readonly', chatd.db, `SELECT client_id, seq FROM messages WHERE client_id IN (${ids});`],
      { encoding: 'utf8' });
  } catch (e) {
    if (e.code !== 'ENOENT') record.violate(`sqlite3 after a kill: ${e.message}`);
    return { lines: cut.length, onDisk: '?' };
  }
  const rows = out.split('\n').filter(Boolean).map((row) => row.split('|'));
  for (const [clientId, seq] of rows) record.lines.get(clientId).onDiskAtKill = Number(seq);
  return { lines: cut.length, onDisk: rows.length };
}

/**
 * Reads the database file itself (sqlite3, after chatd has stopped): it must
 * pass SQLite's integrity check and hold exactly the lines `history` returned.
 */
function checkFile(db, storedCount) {
  let out;
  try {
    out = execFileSync('sqlite3', [db, 'PRAGMA integrity_check; SELECT count(*) FROM messages;'], { encoding: 'utf8' });
  } catch (e) {
    if (e.code === 'ENOENT') return 'not checked (no sqlite3 command)';
    record.violate(`sqlite3 ${db}: ${e.message}`);
    return 'unreadable';
  }
  const [integrity, count] = out.trim().split('\n');
  if (integrity !== 'ok') record.violate(`integrity_check: ${integrity}`);
  if (Number(count) !== storedCount) record.violate(`the file holds ${count} lines, history returned ${storedCount}`);
  return `integrity_check ${integrity}, ${count} lines`;
}

async function main() {
  console.log(`kill -9 audit: ${opts.rounds} rounds, ${opts.clients} clients, ${opts.rooms} rooms, seed ${opts.seed}`);
  await chatd.start();
  const clients = Array.from({ length: opts.clients }, (_, i) => runClient(i));
  await waitUntil('every client to join', () => joinedClients === opts.clients, 20000);
  const started = Date.now();
  for (let round = 1; round <= opts.rounds; round++) {
    const wait = rng.between(opts.min_ms, opts.max_ms);
    await delay(wait);
    const { signal } = await chatd.kill9();
    const acked = [...record.lines.values()].filter((l) => l.acks.length > 0).length;
    const cut = cutByKill();
    console.log(`  round ${round}: kill -9 after ${wait} ms (${signal}); ${record.lines.size} lines sent, ${acked} acked; ` +
      `${cut.lines} sent and not acked at the kill, ${cut.onDisk} of them on disk`);
    await chatd.start();
  }
  await delay(opts.settle_ms);
  sending = false;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const chats = await Promise.all(clients);
  await waitUntil('every line to be acked', () => [...record.lines.values()].every((l) => l.done), DRAIN_MS, 200)
    .catch((e) => {
      record.violate(e.message);
      for (const chat of chats) {
        if (chat.outbox.size === 0) continue;
        const rooms = [...chat.rooms].map(([room, r]) => `${room} since ${r.joinedSince} last ${r.lastSeq}`).join('; ');
        record.violate(`${chat.who.name}: ${chat.state}, ${chat.outbox.size} unacked, ${chat.pending.size} requests open; ${rooms}`);
      }
    });
  for (const chat of chats) chat.close();

  const reader = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { name: 'auditor' }, { requestTimeoutMs: 15000 });
  reader.connect();
  const stored = new Map();
  for (const room of rooms) stored.set(room, await readRoom(reader, room));
  reader.close();
  await chatd.stop();

  const r = verify(stored);
  const file = checkFile(chatd.db, r.storedCount);
  console.log(`  ${seconds} s of traffic; lines sent ${record.lines.size}, acked ${r.acked}, stored ${r.storedCount}, ` +
    `resent after a kill or timeout ${r.resent}`);
  console.log(`  acks cut by a kill: ${r.cutOnDisk + r.cutNotOnDisk} (${r.cutOnDisk} lines already on disk, resent and ` +
    `deduplicated to their first seq; ${r.cutNotOnDisk} not on disk, resent and stored once)`);
  console.log(`  kills ${opts.rounds}, lost ${r.lost}, duplicated ${r.duplicated}, stored at another seq ${r.wrongSeq}, ` +
    `never acked ${r.neverAcked}`);
  console.log(`  the database file: ${file}`);
  console.log(`  replays ${record.replays.length} (complete ${r.complete}), complete replays with a gap ${r.gaps}; ` +
    `pushes ${record.pushes}, pushed lines not stored ${r.pushedMissing}`);
  if (record.violations.size > 0) {
    console.log(`FAIL: ${record.violations.size} violations (seed ${opts.seed}); the first 20:`);
    for (const what of [...record.violations].slice(0, 20)) console.log(`  - ${what}`);
    console.log(`the database is kept: ${chatd.db}`);
    process.exit(1);
  }
  await chatd.dispose();
  console.log('kill -9 audit passed');
  process.exit(0);
}

main().catch((e) => {
  console.error(`kill -9 audit failed to run: ${e?.stack ?? JSON.stringify(e)}\nchatd's last output:\n${chatd.log}`);
  process.exit(1);
});
