// The soak: a bounded mixed load on a real chatd (connections that join and
// leave rooms, send, read history, type, drop and reconnect, plus raw sockets
// that vanish mid-handshake or without a close frame), with chatd's resident
// memory and open descriptors sampled from /proc. After the load every client
// is closed; once chatd's own gauge (chatd_ws_connections_open) says 0, its
// descriptors must be back at the baseline taken after a warm-up, and its RSS
// within a stated bound of it. Exits 1 otherwise.
//
// The rooms are a fixed set: chatd does not yet free a room after its last
// member leaves, so a load that made new rooms would grow memory for that
// known reason and hide any other.
//
//   node --experimental-websocket tests/reliability/soak.mjs [--seconds 45] ...
import net from 'node:net';
import { ChatClient } from '../../web/protocol.js';
import { Chatd } from '../browser/chatd.mjs';
import { delay, exitOnSignals, parseOptions, sampleProcess, scrapeMetrics, seededRandom, waitUntil } from './common.mjs';

const usage = `usage: soak.mjs [--seconds N] [--warmup-seconds N] [--clients N] [--rooms N] [--sample-seconds N]
                [--rss-slack-percent N] [--rss-slack-mib N] [--fd-slack N] [--seed N]
  seconds            the load after the warm-up (default 45)
  warmup-seconds     the same load before the baseline is taken (default 10)
  clients            WebSocket clients at a time, each replaced when it leaves (default 40)
  rooms              the fixed set of rooms (default 8)
  sample-seconds     between samples (default 5)
  rss-slack-*        the final RSS may exceed the baseline by this percentage plus this many MiB (default 10, 12)
  fd-slack           descriptors over the baseline allowed at the end (default 0)
  seed               for the random choices (default: the clock; printed)`;
const opts = parseOptions(process.argv.slice(2), {
  seconds: 45, warmup_seconds: 10, clients: 40, rooms: 8, sample_seconds: 5,
  rss_slack_percent: 10, rss_slack_mib: 12, fd_slack: 0, seed: Date.now() % 2147483647,
}, usage);
const rng = seededRandom(opts.seed);
exitOnSignals();

const rooms = Array.from({ length: opts.rooms }, (_, i) => `soak-${i}`);
const chatd = new Chatd(['--log-level', 'warn']);
const counts = { connections: 0, lines: 0, acked: 0, histories: 0, moves: 0, drops: 0, raw: 0, errors: new Map() };
const countError = (code) => counts.errors.set(code, (counts.errors.get(code) ?? 0) + 1);

/** One client's life: connect, join a few rooms, act for a few seconds, close; again until `until`. */
async function worker(slot, until) {
  for (let life = 0; Date.now() < until; life++) {
    const chat = new ChatClient(`ws://127.0.0.1:${chatd.port}/ws`, { name: `s${slot}-${life}` },
      { baseDelayMs: 100, maxDelayMs: 1000, requestTimeoutMs: 5000 });
    counts.connections++;
    chat.connect();
    try {
      const mine = new Set();
      for (let k = rng.between(1, 3); k > 0; k--) mine.add(rng.pick(rooms));
      await Promise.all([...mine].map((room) => chat.join(room)));
      const end = Math.min(until, Date.now() + rng.between(2000, 8000));
      while (Date.now() < end) {
        await act(chat, mine);
        await delay(rng.between(100, 300));
      }
    } catch (err) {
      countError(err?.code ?? String(err));
    } finally {
      chat.close();
    }
  }
}

async function act(chat, mine) {
  const room = rng.pick([...mine]);
  const roll = rng();
  if (roll < 0.65) {
    counts.lines++;
    await chat.send(room, `${chat.user} ${rng().toString(36).slice(2)}`.repeat(rng.between(1, 8)));
    counts.acked++;
  } else if (roll < 0.8) {
    counts.histories++;
    await chat.history(room, undefined, rng.between(1, 100));
  } else if (roll < 0.9) {
    counts.moves++;   // leave one room, join another: members come and go, rooms stay
    await chat.leave(room);
    mine.delete(room);
    const next = rng.pick(rooms);
    mine.add(next);
    await chat.join(next);
  } else if (roll < 0.95) {
    chat.typing(room);
  } else {
    counts.drops++;   // the connection drops; the client reconnects and rejoins with since
    const rejoined = Promise.all([...mine].map((r) => new Promise((resolve) => {
      chat.addEventListener('joined', function on(ev) {
        if (ev.detail.room === r) { chat.removeEventListener('joined', on); resolve(); }
      });
    })));
    chat.ws?.close(3000, 'soak: drop');
    await Promise.race([rejoined, delay(10000)]);
  }
}

/** Raw sockets that leave rudely: mid-request, after the upgrade without a close frame, or say nothing at all. */
async function rudeWorker(until) {
  const key = Buffer.from('soak-soak-soak-!').toString('base64');
  const upgrade = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  while (Date.now() < until) {
    counts.raw++;
    const kind = rng.between(0, 2);
    await new Promise((resolve) => {
      const socket = net.connect(chatd.port, '127.0.0.1');
      const done = () => { socket.destroy(); resolve(); };
      socket.setTimeout(5000, done);
      socket.on('error', done);
      socket.on('close', resolve);
      socket.on('connect', () => {
        if (kind === 0) { socket.write(upgrade.slice(0, 40)); setTimeout(done, 50); }   // half a request
        else if (kind === 1) socket.once('data', () => (rng() < 0.5 ? socket.resetAndDestroy() : done()));   // upgraded, gone
        else setTimeout(done, 20);   // connected, said nothing
        if (kind === 1) socket.write(upgrade);
      });
    });
    await delay(rng.between(50, 200));
  }
}

/** Runs the load for `seconds`, printing a sample every sample_seconds; resolves when every client has closed. */
async function load(seconds, samples) {
  const until = Date.now() + seconds * 1000;
  const workers = [...Array.from({ length: opts.clients }, (_, slot) => worker(slot, until)), rudeWorker(until)];
  const sampler = samples && (async () => {
    while (Date.now() < until) {
      await delay(Math.min(opts.sample_seconds * 1000, Math.max(0, until - Date.now())));
      if (Date.now() < until) await sample(samples, 'load');
    }
  })();
  await Promise.all([...workers, sampler]);
}

/** One row: chatd's RSS and descriptors (read first, so the /metrics request is not counted), and its gauges. */
async function sample(samples, phase) {
  const proc = sampleProcess(chatd.pid);
  const m = await scrapeMetrics(chatd.port);
  const row = { t: Math.round((Date.now() - t0) / 1000), phase, ...proc, ws: m.get('chatd_ws_connections_open'),
    stored: m.get('chatd_messages_stored_total') };
  samples.push(row);
  console.log(`  ${String(row.t).padStart(5)} s  ${phase.padEnd(9)} rss ${(row.rssKiB / 1024).toFixed(1).padStart(6)} MiB` +
    `  fds ${String(row.fds).padStart(5)}  ws open ${String(row.ws).padStart(5)}  stored ${row.stored}`);
  return row;
}

/** Waits until chatd counts no WebSocket connection, then until its descriptors stop changing (or reach `target`). */
async function quiesce(target) {
  await waitUntil('chatd_ws_connections_open to reach 0', async () => (await scrapeMetrics(chatd.port))
    .get('chatd_ws_connections_open') === 0, 30000, 250);
  let last = -1;
  await waitUntil('the descriptors to settle', () => {
    const { fds } = sampleProcess(chatd.pid);
    const settled = target !== undefined ? fds <= target : fds === last;
    last = fds;
    return settled;
  }, 15000, 500).catch(() => {});   // judged by the caller from the sample that follows
}

let t0 = Date.now();

async function main() {
  console.log(`soak: ${opts.warmup_seconds} s warm-up, ${opts.seconds} s load, ${opts.clients} clients, ` +
    `${opts.rooms} rooms (a fixed set), seed ${opts.seed}`);
  await chatd.start();
  t0 = Date.now();
  const samples = [];
  await sample(samples, 'start');
  await load(opts.warmup_seconds, null);
  await quiesce();
  const base = await sample(samples, 'baseline');
  await load(opts.seconds, samples);
  await quiesce(base.fds + opts.fd_slack);
  const end = await sample(samples, 'end');

  const rssLimitKiB = Math.round(base.rssKiB * (1 + opts.rss_slack_percent / 100) + opts.rss_slack_mib * 1024);
  const peak = samples.reduce((max, s) => (s.rssKiB > max.rssKiB ? s : max));
  // How much RSS still grew over the last third of the load: once SQLite's
  // page cache is full (a long run), a leak shows here as more than noise.
  const loadRows = samples.filter((s) => s.phase === 'load');
  const third = loadRows[Math.floor((loadRows.length * 2) / 3)] ?? base;
  console.log(`  ${counts.connections} WebSocket connections, ${counts.raw} raw sockets, ${counts.lines} lines sent ` +
    `(${counts.acked} acked), ${counts.histories} history reads, ${counts.moves} room moves, ${counts.drops} drops; ` +
    `errors: ${JSON.stringify(Object.fromEntries(counts.errors))}`);
  console.log(`  descriptors: baseline ${base.fds}, end ${end.fds} (allowed ${base.fds + opts.fd_slack})`);
  console.log(`  rss: baseline ${(base.rssKiB / 1024).toFixed(1)} MiB, peak ${(peak.rssKiB / 1024).toFixed(1)} MiB, ` +
    `end ${(end.rssKiB / 1024).toFixed(1)} MiB (allowed ${(rssLimitKiB / 1024).toFixed(1)} MiB: ` +
    `baseline + ${opts.rss_slack_percent}% + ${opts.rss_slack_mib} MiB); ` +
    `${((end.rssKiB - third.rssKiB) / 1024).toFixed(1)} MiB more since ${third.t} s`);
  const failures = [];
  if (end.fds > base.fds + opts.fd_slack) failures.push(`descriptors did not return to the baseline: ${end.fds} > ${base.fds + opts.fd_slack}`);
  if (end.rssKiB > rssLimitKiB) failures.push(`RSS did not return within the bound: ${end.rssKiB} KiB > ${rssLimitKiB} KiB`);
  if (counts.acked === 0) failures.push('no line was acked: the load did not run');
  await chatd.dispose();
  if (failures.length > 0) {
    console.log(`FAIL (seed ${opts.seed}):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log('soak passed');
  process.exit(0);
}

main().catch((e) => {
  console.error(`soak failed to run: ${e?.stack ?? JSON.stringify(e)}\nchatd's last output:\n${chatd.log}`);
  process.exit(1);
});
