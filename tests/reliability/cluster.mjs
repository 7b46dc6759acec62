// A chatd cluster for the fault tests: scripts/cluster.sh (PostgreSQL 15,
// Redis, N chatd on them, HAProxy in front, all from one temporary folder)
// driven from Node, with what a test does to it: kill -9 a node, start it
// again, stop and start PostgreSQL, read a node's /readyz and HAProxy's view
// of each node, query PostgreSQL with psql. Whatever this process started is
// stopped when it exits, however it exits (short of its own SIGKILL:
// scripts/reliability.sh then runs `cluster.sh down` on the same folder).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const script = path.join(root, 'scripts/cluster.sh');
const pgbin = '/usr/lib/postgresql/15/bin';

/** One GET on a new connection: resolves {status, body}; rejects on a refused connection or after 2 s. */
export function get(port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: { Connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
    req.setTimeout(2000, () => req.destroy(new Error(`GET ${urlPath} on ${port} timed out`)));
    req.on('error', reject);
  });
}

/** True when nothing listens on 127.0.0.1:port and we may bind it. */
function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Every program the cluster needs, or an Error naming the missing ones: a
 * machine set up with `scripts/setup.sh --test` has them all, so a test
 * fails on their absence rather than skipping.
 */
export function missingPrograms(chatd) {
  const missing = [];
  if (!existsSync(chatd)) missing.push(`${chatd} (scripts/build.sh release --target chatd)`);
  for (const p of ['initdb', 'pg_ctl', 'postgres']) if (!existsSync(`${pgbin}/${p}`)) missing.push(`${pgbin}/${p}`);
  for (const p of ['redis-server', 'haproxy', 'psql', 'curl']) {
    try { execFileSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' }); } catch { missing.push(p); }
  }
  return missing.length === 0 ? null
    : new Error(`the cluster tests need what scripts/setup.sh --test installs; missing: ${missing.join(', ')}`);
}

export class Cluster {
  /**
   * `dir`: the cluster's folder (emptied); `nodes`: chatd processes;
   * `checkInter`: HAProxy's health check interval (deploy/haproxy.cfg says 2s).
   */
  constructor({ dir, nodes = 3, checkInter = '300ms', chatd = process.env.CHATD_BINARY ?? path.join(root, 'build/server/chatd'),
    chatdArgs = [] } = {}) {
    Object.assign(this, { dir, nodes, checkInter, chatd, chatdArgs });
    this.port = 0;
  }

  /** Picks free ports, starts everything, resolves once HAProxy and every node answer. */
  async up() {
    const missing = missingPrograms(this.chatd);
    if (missing) throw missing;
    this.port = await this.#freeBase();
    process.on('exit', () => this.down());
    this.#run(['up', '--nodes', String(this.nodes), '--port', String(this.port), '--check-inter', this.checkInter,
      '--chatd', this.chatd, '--', '--log-level', 'warn', ...this.chatdArgs]);
    this.upped = true;
  }

  /** Stops everything up() started (synchronous: it runs in the 'exit' handler too). */
  down() {
    if (!this.upped) return;
    this.upped = false;
    try { this.#run(['down']); } catch (e) { console.error(`cluster down: ${e.message}`); }
  }

  /** The URL clients use: HAProxy's. */
  get wsUrl() { return `ws://127.0.0.1:${this.port}/ws`; }
  get httpUrl() { return `http://127.0.0.1:${this.port}/`; }
  /** Node i's own port (1-based), past HAProxy. */
  nodePort(i) { return this.port + i; }
  get pgPort() { return this.port + 100; }
  get statsPort() { return this.port + 102; }

  /** kill -9 node i; returns once the process is gone. */
  kill9(i) { this.#run(['kill-node', String(i)]); }

  /** Starts node i again (same port and flags); resolves once its /readyz is 200. */
  startNode(i) { this.#run(['start-node', String(i)]); }

  /** PostgreSQL: a fast shutdown (connections cut, no wait for clients), or a start. */
  pgStop() { this.#run(['pg', 'stop']); }
  pgStart() { this.#run(['pg', 'start']); }

  /** Node i's /readyz status (0 when it does not answer). */
  async readyz(i) {
    try { return (await get(this.nodePort(i), '/readyz')).status; } catch { return 0; }
  }

  /** HAProxy's status of each node: {chatd1: 'UP', chatd2: 'DOWN', ...} (its stats page as CSV). */
  async haproxyStatus() {
    const { body } = await get(this.statsPort, '/stats;csv');
    const out = {};
    for (const line of body.split('\n')) {
      const f = line.split(',');
      if (f[0] === 'chatd' && f[1].startsWith('chatd')) out[f[1]] = f[17];
    }
    return out;
  }

  /** A metric of node i's /metrics (the first sample whose name{labels} starts with `name`). */
  async metric(i, name) {
    const { body } = await get(this.nodePort(i), '/metrics');
    const line = body.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'));
    return line === undefined ? undefined : Number(line.split(/\s+/).pop());
  }

  /** Runs SQL with psql on the cluster's database; resolves with the rows as arrays of fields. */
  psql(sql) {
    const out = execFileSync('psql', ['-h', '127.0.0.1', '-p', String(this.pgPort), '-U', 'chatd', '-d', 'chatd',
      '-X', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', maxBuffer: 256 << 20 });
    return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  }

  /** The end of a node's log (for a failure message). */
  logTail(i, bytes = 4000) { return safeRead(path.join(this.dir, `chatd-${i}.log`)).slice(-bytes); }

  #run(args) {
    const cut = args.includes('--') ? args.indexOf('--') : args.length;   // chatd's own flags come last
    return execFileSync(script, [...args.slice(0, cut), '--dir', this.dir, ...args.slice(cut)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  // A base port whose whole block (HAProxy, the nodes, PostgreSQL, Redis,
  // stats) is free, below the ephemeral range (32768-60999), so no client
  // socket of this machine takes one meanwhile.
  async #freeBase() {
    for (let tries = 0; tries < 50; tries++) {
      const base = 20000 + 200 * Math.floor(Math.random() * 60);
      const ports = [base, ...Array.from({ length: this.nodes }, (_, i) => base + 1 + i), base + 100, base + 101, base + 102];
      if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
    }
    throw new Error('no free block of ports for the cluster');
  }
}

function safeRead(file) {
  try { return readFileSync(file, 'utf8'); } catch { return ''; }
}
