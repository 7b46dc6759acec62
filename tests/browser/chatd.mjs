// A real chatd on a free loopback port with a temporary database, for tests
// that drive it from Node (the browser tests, tests/reliability/). Needs only
// Node: no browser, no npm package.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const chatdBinary = process.env.CHATD_BINARY ?? path.resolve(here, '../../build/server/chatd');
/** The last bytes of chatd's output kept for error messages: a long run must not grow it without bound. */
const LOG_TAIL_BYTES = 64 * 1024;

/** Every chatd still running: killed when this Node process exits, however it exits. */
const live = new Set();
process.on('exit', () => { for (const proc of live) proc.kill('SIGKILL'); });

/** A chatd process; restart() brings it back on the same port and database. */
export class Chatd {
  constructor(args = []) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'chatd-test-'));
    this.db = path.join(this.dir, 'chat.db');
    this.args = args;
    this.port = 0;
    this.log = '';
  }

  /** Starts chatd and resolves once it listens (it logs its port). */
  start() {
    const proc = spawn(chatdBinary, ['--bind', '127.0.0.1', '--port', String(this.port), '--db', this.db,
      '--log-level', 'info', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    live.add(proc);
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }));
    return new Promise((resolve, reject) => {
      let listening = false;
      const timer = setTimeout(() => reject(new Error(`chatd did not start:\n${this.log}`)), 20000);
      const onData = (chunk) => {
        this.log = (this.log + chunk).slice(-LOG_TAIL_BYTES);
        if (listening) return;
        // "chatd is running: open http://localhost:PORT/" is printed whatever the log level.
        const m = /(?:listening on|is running: open) http:\/\/[^:]+:(\d+)\//.exec(this.log);
        if (m) { listening = true; clearTimeout(timer); this.port = Number(m[1]); resolve(this); }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`chatd exited with ${code}:\n${this.log}`)); });
    });
  }

  get url() { return `http://127.0.0.1:${this.port}/`; }

  /** The running process's id (for /proc), or undefined. */
  get pid() { return this.#running() ? this.proc.pid : undefined; }

  /** SIGTERM, then waits for the exit; resolves with {code, signal}. */
  async stop() { return this.#signal('SIGTERM'); }

  /** SIGKILL (kill -9: no shutdown at all), then waits for the exit. */
  async kill9() { return this.#signal('SIGKILL'); }

  async restart() { await this.stop(); return this.start(); }

  async dispose() { await this.stop(); rmSync(this.dir, { recursive: true, force: true }); }

  #running() { return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null; }

  async #signal(name) {
    if (!this.#running()) return this.exited;
    this.proc.kill(name);
    const result = await this.exited;
    this.log = '';
    return result;
  }
}
