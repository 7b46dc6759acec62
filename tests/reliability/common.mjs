// What the kill -9 audit and the soak share: a WebSocket that shows every
// frame to a recorder before the client sees it, chatd's /metrics, /proc
// samples, command-line options, and bounded waits. Black-box: nothing here
// knows chatd's insides, only its wire protocol, its HTTP endpoints and /proc.
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * A WebSocket class for ChatClient's `options.WebSocket` that hands every
 * frame it sends and receives, parsed, to `recorder.sent(conn, msg)` and
 * `recorder.received(conn, msg)`; `conn` is a fresh object per connection.
 * The recorder sees a received frame before the client acts on it.
 */
export function recordingWebSocket(recorder, owner) {
  return class extends globalThis.WebSocket {
    constructor(url) {
      super(url);
      this.conn = { owner, serial: ++recorder.connections };
      // Registered before ChatClient sets onmessage, so it runs first.
      this.addEventListener('message', (ev) => {
        try { recorder.received(this.conn, JSON.parse(ev.data)); } catch (e) { recorder.fail?.(e); }
      });
    }

    send(data) {
      recorder.sent(this.conn, JSON.parse(data));
      super.send(data);
    }
  };
}

/** GET /metrics (a new connection, closed after the reply) as a Map name{labels} -> number. */
export function scrapeMetrics(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent: false, headers: { Connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => {
          const out = new Map();
          for (const line of body.split('\n')) {
            const m = /^([^#\s][^\s]*)\s+(\S+)$/.exec(line);
            if (m) out.set(m[1], Number(m[2]));
          }
          resolve(out);
        });
      });
    req.setTimeout(5000, () => req.destroy(new Error('GET /metrics timed out')));
    req.on('error', reject);
  });
}

/** A process's resident memory (KiB, VmRSS) and open descriptors, from /proc. */
export function sampleProcess(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  return { rssKiB, fds };
}

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` (sync or async) every `stepMs` until it returns a truthy value,
 * which it resolves with; rejects with `what` after `timeoutMs`.
 */
export async function waitUntil(what, check, timeoutMs, stepMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(stepMs);
  }
}

/** A seeded pseudo-random generator (mulberry32), so a failing run can be repeated with --seed. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.between = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (list) => list[Math.floor(next() * list.length)];
  return next;
}

/** Parses `--name value` flags over `defaults` (numbers stay numbers); exits 2 on an unknown flag. */
export function parseOptions(argv, defaults, usage) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '').replaceAll('-', '_');
    if (!(key in defaults) || i + 1 >= argv.length) {
      console.error(usage);
      process.exit(2);
    }
    opts[key] = typeof defaults[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return opts;
}

/** Makes SIGINT/SIGTERM end the process through 'exit', so chatd children are killed (tests/browser/chatd.mjs). */
export function exitOnSignals() {
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => process.exit(130));
}
