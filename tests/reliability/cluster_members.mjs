// What the cluster fault tests share: members that chat through the
// project's own client (web/protocol.js) and keep every entry of each room
// they are in, and the audit that checks what they sent, saw and what the
// cluster stored. A member follows docs/protocol.md's client algorithm: it
// resends an unacked line with the same client_id (after a reconnect, or
// after `unavailable`), rejoins with `since`, and when a replay says
// `complete: false` fills the gap backwards with `history`. At the end every
// member of a room must hold the room's whole log, 1..N, each entry received
// once, the same as the store's.
import { rmSync } from 'node:fs';
import { ChatClient } from '../../web/protocol.js';
import { delay, waitUntil } from './common.mjs';

/** Errors after which the contract says: retry with the same client_id. */
const RETRYABLE = new Set(['unavailable', 'internal', 'rate_limited', 'timeout']);

/** An entry's identity, the same in a push, a history row and PostgreSQL's messages row. */
const entryId = (from, clientId) => `${from}|${clientId}`;

/** Everything sent and what broke the contract. */
export class Audit {
  /** client_id -> {user, room, text, acks: [seq], errors: [code], done} */
  lines = new Map();
  /** What broke the contract, each said once. */
  violations = new Set();
  /** Sends answered `unavailable` (PostgreSQL away). */
  unavailable = 0;
  /** History pages read to fill a replay that said complete:false, or a first join. */
  fills = 0;
  incomplete = 0;
  violate(what) { this.violations.add(what); }
}

/** One user, one ChatClient (reconnecting by itself), in a few rooms. */
export class Member {
  constructor(audit, user, url, rooms, rng) {
    Object.assign(this, { audit, user, url, rng });
    this.chat = new ChatClient(url, { name: user }, { baseDelayMs: 100, maxDelayMs: 1000, requestTimeoutMs: 5000 });
    /** room -> {seqs: Map<seq, entryId>, lastPushed, replay: {since, first}|null, filling} */
    this.rooms = new Map(rooms.map((room) => [room, { seqs: new Map(), lastPushed: 0, replay: null, filling: 0 }]));
    this.lineCount = 0;
    /** Connections it lost (each followed by a reconnect). */
    this.closes = 0;
    this.chat.addEventListener('closed', () => { this.closes++; });
    const v = (what) => audit.violate(`${user}: ${what}`);
    this.chat.addEventListener('fatal', (ev) => v(`the client gave up: ${JSON.stringify(ev.detail)}`));
    this.chat.addEventListener('joined', (ev) => this.#joined(ev.detail));
    this.chat.addEventListener('message', (ev) => this.#entry(ev.detail));
    this.chat.addEventListener('event', (ev) => this.#entry(ev.detail));
    this.chat.addEventListener('replay_done', (ev) => this.#replayDone(ev.detail));
  }

  /** Connects, joins its rooms, and reads what each held before (history). */
  async start() {
    this.chat.connect();
    const replies = await Promise.all([...this.rooms.keys()].map((room) => this.chat.join(room)));
    await Promise.all(replies.map((reply) => this.#fill(reply.room, 0, reply.last_seq ?? 0)));
  }

  /** Connected, with every room joined (after a reconnect: rejoined). */
  get settled() {
    return this.chat.state === 'connected' && [...this.chat.rooms.values()].every((e) => e.joinedSince !== null);
  }

  /** Sends a line to one of its rooms unless `window` are unacked already. */
  maybeSend(window) {
    if (this.chat.outbox.size >= window) return;
    const room = this.rng.pick([...this.rooms.keys()]);
    const clientId = this.chat.newClientId();
    const line = { user: this.user, room, text: `${this.user} line ${++this.lineCount} (${clientId})`, acks: [], errors: [], done: false };
    this.audit.lines.set(clientId, line);
    const attempt = () => this.chat.send(room, line.text, clientId).then((ack) => {
      line.acks.push(ack.seq);
      line.done = true;
    }, (err) => {
      line.errors.push(err?.code);
      if (err?.code === 'unavailable') this.audit.unavailable++;
      // The contract: the same client_id again, backing off (200 ms doubling
      // to 2 s) so a long outage does not trip the rate limit.
      if (RETRYABLE.has(err?.code)) setTimeout(attempt, Math.min(2000, 200 * 2 ** (line.errors.length - 1)));
      else { line.done = true; this.audit.violate(`${this.user}: send ${clientId} refused: ${JSON.stringify(err)}`); }
    });
    attempt();
  }

  /** True once it holds 1..last of every room (`last`: room -> the store's last seq) and fills nothing. */
  caughtUp(last) {
    return [...this.rooms].every(([room, r]) => r.filling === 0 && r.seqs.size === last.get(room) &&
      (last.get(room) === 0 || r.seqs.has(last.get(room))));
  }

  close() { this.chat.close(); }

  // A join's reply: with since (a rejoin; the server's own has no id) a
  // replay follows, in order, then replay_done. The client's lastSeq is
  // still the since it asked with: nothing of the room came on this
  // connection before `joined`.
  #joined(d) {
    const r = this.rooms.get(d.room);
    if (!r) return;
    const since = this.chat.rooms.get(d.room)?.lastSeq ?? 0;
    r.replay = since > 0 ? { since, first: undefined } : null;
    r.lastPushed = since > 0 ? since : (d.last_seq ?? 0);
  }

  #entry(d) {
    const r = this.rooms.get(d.room);
    if (!r) return;
    if (d.seq <= r.lastPushed) this.audit.violate(`${this.user}: seq ${d.seq} in ${d.room} after ${r.lastPushed} (not increasing)`);
    r.lastPushed = Math.max(r.lastPushed, d.seq);
    if (r.replay && r.replay.first === undefined) r.replay.first = d.seq;
    if (r.seqs.has(d.seq)) this.audit.violate(`${this.user}: seq ${d.seq} in ${d.room} received twice`);
    else r.seqs.set(d.seq, entryId(d.from, d.client_id));
  }

  #replayDone(d) {
    const r = this.rooms.get(d.room);
    if (!r?.replay) return this.audit.violate(`${this.user}: replay_done in ${d.room} without a join with since`);
    const { since, first } = r.replay;
    r.replay = null;
    if (d.complete) return;
    this.audit.incomplete++;
    // docs/protocol.md: before = the first replayed seq, or through + 1.
    this.#fill(d.room, since, (first ?? d.through + 1) - 1);
  }

  // Reads history backwards until it holds every entry in (after, upTo]; a
  // request cut by a lost connection is tried again once it is back.
  async #fill(room, after, upTo) {
    const r = this.rooms.get(room);
    r.filling++;
    try {
      let before = upTo + 1;
      while (before > after + 1) {
        let page;
        try {
          page = await this.chat.history(room, before, 100);
        } catch (err) {
          if (!['closed', 'offline', 'timeout', 'unavailable', 'rate_limited'].includes(err?.code)) throw err;
          await delay(200);
          await waitUntil(`${this.user} to be back`, () => this.settled, 30000);
          continue;
        }
        this.audit.fills++;
        for (const row of page.messages) if (row.seq > after && !r.seqs.has(row.seq)) r.seqs.set(row.seq, entryId(row.from, row.client_id));
        if (!page.has_more || page.messages.length === 0) break;
        before = page.messages[0].seq;
      }
    } catch (err) {
      this.audit.violate(`${this.user}: filling ${room} (${after}, ${upTo}] failed: ${JSON.stringify(err?.message ?? err)}`);
    } finally {
      r.filling--;
    }
  }
}

/** Members send until `stop()`: each every 60..140 ms, at most `window` unacked; `add` brings in one more. */
export function chatter(members, rng, window = 4) {
  let on = true;
  const loop = async (m) => {
    while (on) {
      m.maybeSend(window);
      await delay(rng.between(60, 140));   // about 10 lines a second each: under the default rate limit
    }
  };
  const loops = members.map(loop);
  return { add: (m) => loops.push(loop(m)), stop: async () => { on = false; await Promise.all(loops); } };
}

/** A request sent again while the server says rate_limited (a reader reads fast). */
async function paced(request) {
  for (;;) {
    try {
      return await request();
    } catch (err) {
      if (err?.code !== 'rate_limited') throw new Error(JSON.stringify(err));
      await delay(200);
    }
  }
}

/** Every entry of a room, oldest first, read with `history` through `chat`. */
export async function readRoom(chat, room) {
  await paced(() => chat.join(room));
  const rows = [];
  let before;
  for (;;) {
    const page = await paced(() => chat.history(room, before, 100));
    rows.unshift(...page.messages);
    if (!page.has_more || page.messages.length === 0) return rows;
    before = page.messages[0].seq;
  }
}

/**
 * Waits for every line to be acked and every member to hold its rooms' whole
 * log, then checks the audit's contract against `stored` (room -> history
 * rows) and `pgRows` (room -> [seq, sender, client_id] straight from
 * PostgreSQL). Returns figures for the summary.
 */
export async function settleAndVerify(audit, members, stored, pgRows) {
  const v = (what) => audit.violate(what);
  const last = new Map([...stored].map(([room, rows]) => [room, rows.length === 0 ? 0 : rows[rows.length - 1].seq]));
  await waitUntil('every member to hold its rooms\' whole log', () => members.every((m) => m.caughtUp(last)), 20000, 100)
    .catch((e) => v(e.message));

  const texts = new Map();   // text -> seqs stored
  for (const [room, rows] of stored) {
    rows.forEach((row, i) => {
      if (row.seq !== i + 1) v(`history of ${room}: seq ${row.seq} at position ${i + 1} (not 1..N gapless)`);
    });
    for (const row of rows) {
      if (row.kind !== undefined) {   // an event, not a line: only the server's own member events
        if (row.kind !== 'member') v(`${room} seq ${row.seq}: an event nobody asked for: ${JSON.stringify(row)}`);
        continue;
      }
      const line = audit.lines.get(row.client_id);
      if (!line || line.room !== room || line.user !== row.from || line.text !== row.text) {
        v(`${room} seq ${row.seq}: a stored line nobody sent: ${JSON.stringify(row)}`);
        continue;
      }
      if (texts.has(row.text)) v(`${room} seq ${row.seq}: stored twice (also at ${texts.get(row.text)}): ${row.text}`);
      texts.set(row.text, row.seq);
      (line.stored ??= []).push(row.seq);
    }
    const pg = pgRows.get(room) ?? [];
    const fromPg = pg.map(([seq, sender, clientId]) => `${seq} ${entryId(sender, clientId)}`).join('\n');
    const fromHistory = rows.map((row) => `${row.seq} ${entryId(row.from, row.client_id)}`).join('\n');
    if (fromPg !== fromHistory) v(`${room}: PostgreSQL holds ${pg.length} rows, history returned ${rows.length}, and they differ`);
  }

  let acked = 0, resent = 0;
  for (const [clientId, line] of audit.lines) {
    if (line.errors.length > 0) resent++;
    if (line.acks.length === 0) { v(`${clientId}: never acked (errors ${line.errors.join(',') || 'none'})`); continue; }
    acked++;
    const seq = line.acks[0];
    if (!line.stored) v(`${clientId}: acked with seq ${seq}, not stored`);
    else if (line.stored[0] !== seq) v(`${clientId}: acked with seq ${seq}, stored at seq ${line.stored[0]}`);
  }

  let behind = 0;
  for (const m of members) {
    for (const [room, r] of m.rooms) {
      const rows = stored.get(room);
      const wrong = rows.filter((row) => r.seqs.get(row.seq) !== entryId(row.from, row.client_id));
      if (wrong.length === 0 && r.seqs.size === rows.length) continue;
      behind++;
      const missing = rows.filter((row) => !r.seqs.has(row.seq)).map((row) => row.seq);
      v(`${m.user} in ${room}: holds ${r.seqs.size} of ${rows.length} entries; missing [${missing.slice(0, 10).join(',')}` +
        `${missing.length > 10 ? ',…' : ''}], ${wrong.length - missing.length} different from the store`);
    }
  }
  const storedCount = [...stored.values()].reduce((n, rows) => n + rows.length, 0);
  return { acked, resent, storedCount, behind };
}

/** Reads every room through `url` and from PostgreSQL, for settleAndVerify. */
export async function readBack(cluster, url, rooms) {
  const reader = new ChatClient(url, { name: 'auditor' }, { requestTimeoutMs: 15000 });
  reader.connect();
  const stored = new Map();
  for (const room of rooms) stored.set(room, await readRoom(reader, room));
  reader.close();
  const pgRows = new Map(rooms.map((room) => [room, []]));
  for (const [room, seq, sender, clientId] of cluster.psql('SELECT room, seq, sender, client_id FROM messages ORDER BY room, seq')) {
    pgRows.get(room)?.push([Number(seq), sender, clientId]);
  }
  return { stored, pgRows };
}

/** Prints the summary and the first violations; exits 1 if there were any, 0 if not. */
export function report(name, audit, figures, lines) {
  for (const l of lines) console.log(`  ${l}`);
  console.log(`  lines sent ${audit.lines.size}, acked ${figures.acked}, entries stored ${figures.storedCount}, ` +
    `lines resent after an error reply ${figures.resent}, sends answered unavailable ${audit.unavailable}; ` +
    `replays that said complete:false ${audit.incomplete}, history pages read to fill ${audit.fills}; members behind ${figures.behind}`);
  if (audit.violations.size > 0) {
    console.log(`FAIL: ${name}: ${audit.violations.size} violations; the first 20:`);
    for (const what of [...audit.violations].slice(0, 20)) console.log(`  - ${what}`);
    return 1;
  }
  console.log(`${name} passed`);
  return 0;
}

/**
 * Runs a scenario (`body` resolves with its exit code) on `cluster`, stops
 * the cluster and exits. The folder is removed after a pass, or kept and
 * named after a failure; a folder the caller gave (`callersDir`) is left
 * to the caller.
 */
export async function runScenario(name, cluster, callersDir, body) {
  let code = 1;
  try {
    code = await body();
  } catch (e) {
    console.error(`${name} failed to run: ${e?.stack ?? JSON.stringify(e)}`);
    for (let i = 1; i <= cluster.nodes; i++) console.error(`node ${i}'s log ends:\n${cluster.logTail(i)}`);
  }
  cluster.down();
  if (!callersDir && code === 0) rmSync(cluster.dir, { recursive: true, force: true });
  else if (!callersDir) console.log(`the cluster's folder is kept: ${cluster.dir}`);
  process.exit(code);
}
