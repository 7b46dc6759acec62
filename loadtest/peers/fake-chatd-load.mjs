#!/usr/bin/env node
// A stand-in for build/loadtest/chatd-load with the options and JSON keys
// scripts/bench-load.sh uses, for testing the script without the C++
// generator (CHATD_LOAD=loadtest/peers/fake-chatd-load.mjs). It does open
// real connections and measure real latencies, but in one Node thread it
// saturates long before any server does: its figures measure it, not the
// server, and never belong in docs/benchmarks.md.
import fs from 'node:fs';
import WebSocket from 'ws';

const opts = {
  url: '', protocol: 'chatd', connections: 10, sources: '127.0.0.1', ramp: 1000, rooms: '10x1',
  senders: -1, rate: 0, payload: 100, warmup: 1, duration: 3, drain: 0, threads: 1, json: '', svg: '', label: '',
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (key === 'quiet') continue;
  if (!(key in opts)) {
    console.error(`fake-chatd-load: unknown option ${argv[i]}`);
    process.exit(2);
  }
  opts[key] = typeof opts[key] === 'number' ? Number(argv[++i]) : argv[++i];
}

// 127.0.0.1-127.0.0.16 -> the sixteen addresses
function source_list(spec) {
  const m = /^(\d+\.\d+\.\d+\.)(\d+)-\1?(?:\d+\.\d+\.\d+\.)?(\d+)$/.exec(spec);
  if (!m) return [spec];
  const out = [];
  for (let i = Number(m[2]); i <= Number(m[3]); i++) out.push(`${m[1]}${i}`);
  return out;
}

// Connection i's room: the groups fill connections in order; the first
// `senders` members of each room send (all when --senders is not given).
const room_of = [];
const sends = [];
for (const g of opts.rooms.split(',')) {
  const [size, count] = g.split('x').map(Number);
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < size; k++) {
      room_of.push(`r${size}-${r}`);
      sends.push(opts.senders < 0 || k < opts.senders);
    }
  }
}

const sources = source_list(opts.sources);
const stats = {
  delivered: 0, sent: 0, acked: 0, gaps: 0, duplicates: 0, latencies: [], ack_latencies: [],
  errors: {}, disconnects: {}, ok: 0, failed: 0,
};
let measuring = false;
let closing = false;
const sent_at = new Map(); // client_id -> ms
const text = 'x'.repeat(opts.payload);
const bump = (o, k) => { o[k] = (o[k] ?? 0) + 1; };

function on_line(conn, line) {
  const last = conn.last_seq;
  if (line.seq <= last && measuring) stats.duplicates++;
  else if (line.seq > last + 1 && measuring) stats.gaps++;
  conn.last_seq = Math.max(last, line.seq);
  if (!measuring) return;
  stats.delivered++;
  const t = sent_at.get(line.client_id);
  if (t !== undefined) stats.latencies.push(performance.now() - t);
}

function on_ack(conn, client_id) {
  if (!measuring) return;
  stats.acked++;
  const t = sent_at.get(client_id);
  if (t !== undefined) stats.ack_latencies.push(performance.now() - t);
}

function connect(i) {
  const room = room_of[i] ?? 'r-extra';
  const name = `u${i}`;
  const url = opts.protocol === 'socketio' ? `${opts.url}&name=${name}` : opts.url;
  const ws = new WebSocket(url, { localAddress: sources[i % sources.length], perMessageDeflate: false });
  const conn = { index: i, ws, room, last_seq: 0, n: 0, ack_id: 0, client_ids: new Map() };
  return new Promise((resolve) => {
    ws.on('error', () => {
      stats.failed++;
      resolve(null);
    });
    ws.on('close', (code) => {
      if (!closing) bump(stats.disconnects, String(code));
    });
    ws.on('message', (data) => {
      const s = data.toString();
      if (opts.protocol === 'chatd') {
        const m = JSON.parse(s);
        if (m.type === 'message') on_line(conn, m);
        else if (m.type === 'ack') on_ack(conn, m.client_id);
        else if (m.type === 'identified') ws.send(JSON.stringify({ type: 'join', id: 2, room }));
        else if (m.type === 'joined') {
          conn.last_seq = m.last_seq;
          stats.ok++;
          resolve(conn);
        } else if (m.type === 'error') bump(stats.errors, m.code);
        return;
      }
      if (s === '2') return ws.send('3');
      if (s.startsWith('0')) return ws.send('40');
      if (s.startsWith('40')) return ws.send(`42${++conn.ack_id}${JSON.stringify(['join', { room }])}`);
      if (s.startsWith('42[')) return on_line(conn, JSON.parse(s.slice(2))[1]);
      const ack = /^43(\d+)\[(.*)\]$/.exec(s);
      if (!ack) return;
      const body = JSON.parse(ack[2]);
      if (body.error) return bump(stats.errors, body.error);
      if ('last_seq' in body) {
        conn.last_seq = body.last_seq;
        stats.ok++;
        return resolve(conn);
      }
      on_ack(conn, conn.client_ids.get(Number(ack[1])));
      conn.client_ids.delete(Number(ack[1]));
    });
    ws.on('open', () => {
      if (opts.protocol === 'chatd') ws.send(JSON.stringify({ type: 'identify', id: 1, name }));
    });
  });
}

const run_tag = `f${Date.now().toString(36)}`;
function send(conn) {
  const client_id = `${run_tag}-${conn.index}-${++conn.n}`;
  sent_at.set(client_id, performance.now());
  if (measuring) stats.sent++;
  if (opts.protocol === 'chatd') {
    conn.ws.send(JSON.stringify({ type: 'send', id: conn.n, room: conn.room, text, client_id }));
  } else {
    const id = ++conn.ack_id;
    conn.client_ids.set(id, client_id);
    conn.ws.send(`42${id}${JSON.stringify(['send', { room: conn.room, text, client_id }])}`);
  }
}

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(p * a.length))] : null);

const pending = [];
for (let i = 0; i < opts.connections; i++) {
  pending.push(connect(i));
  if (opts.ramp > 0 && i % 50 === 49) await wait((50 * 1000) / opts.ramp);
}
const conns = await Promise.all(pending);
const live = conns.filter(Boolean);
const timers = [];
if (opts.rate > 0) {
  const period = 1000 / opts.rate;
  for (const c of live.filter((x) => sends[x.index])) {
    timers.push(setTimeout(() => {
      send(c);
      timers.push(setInterval(() => send(c), period));
    }, Math.random() * period));
  }
}
await wait(opts.warmup * 1000);
measuring = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const unix0 = Date.now() / 1000;
await wait(opts.duration * 1000);
measuring = false;
// The whole seconds whose middle falls in the window, as the real
// generator's timeline marks them (without its per-second counts).
const timeline = [];
const unix1 = Date.now() / 1000;
for (let s = Math.floor(unix0 - 0.5); s + 0.5 < unix1; s++) {
  if (s + 0.5 >= unix0) timeline.push({ unix_s: s, phase: 'measure' });
}
const secs = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
for (const t of timers) clearInterval(t);
closing = true;
for (const c of live) c.ws.close();

stats.latencies.sort((a, b) => a - b);
stats.ack_latencies.sort((a, b) => a - b);
const result = {
  label: opts.label,
  fake: true,
  delivered_per_sec: stats.delivered / secs,
  sent_per_sec: stats.sent / secs,
  acked_per_sec: stats.acked / secs,
  latency_ms: {
    p50: pct(stats.latencies, 0.5), p95: pct(stats.latencies, 0.95), p99: pct(stats.latencies, 0.99),
    p999: pct(stats.latencies, 0.999), max: stats.latencies.at(-1) ?? null,
  },
  ack_latency_ms: { p50: pct(stats.ack_latencies, 0.5), p99: pct(stats.ack_latencies, 0.99) },
  connections: { ok: stats.ok, failed: stats.failed },
  gaps: stats.gaps,
  duplicates: stats.duplicates,
  generator_cpu_percent: ((cpu.user + cpu.system) / 1e4) / secs,
  errors: stats.errors,
  disconnects: stats.disconnects,
  timeline,
};
if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(result, null, 1)}\n`);
if (opts.svg) fs.writeFileSync(opts.svg, '<svg xmlns="http://www.w3.org/2000/svg"><text y="20">fake generator</text></svg>\n');
setTimeout(() => process.exit(0), 200).unref();
