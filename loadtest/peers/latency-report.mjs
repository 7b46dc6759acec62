// The table of `scripts/bench-load.sh --latency`: ack and delivery latency
// of a durable line at each load, per server, next to the floor, the time
// of a bare SQLite commit with synchronous=FULL on the same disk.
//
//   node latency-report.mjs RESULTS_DIR [--command TEXT]
//
// reads RESULTS_DIR/floor.txt and floor-after.txt (bench_storage_commit's
// output before and after the loads) and
// RESULTS_DIR/latency/<load>/<server>/metrics.json (written by
// matrix-report.mjs step), and prints markdown.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt_int, fmt_ms, servers } from './matrix-report.mjs';

export const loads = [
  ['1k', '1k lines/s'],
  ['10k', '10k lines/s'],
  ['knee', "W4's knee"],
];

function read_json(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function read_text(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/// bench_storage_commit's rows for sync=full: { 1: {p50, p99}, 256: {...} }.
export function parse_floor(text) {
  const floor = {};
  for (const line of text.split('\n')) {
    const m = /^full\s+(\d+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (m) floor[m[1]] = { p50: Number(m[2]), p99: Number(m[3]) };
  }
  return floor;
}

function ratio(v, floor) {
  if (!Number.isFinite(v) || !Number.isFinite(floor) || floor <= 0) return 'n/a';
  const r = v / floor;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

const trio = (h) => `${fmt_ms(h?.p50)} / ${fmt_ms(h?.p99)} / ${fmt_ms(h?.p999)}`;

export function render(dir, { command } = {}) {
  const floor = parse_floor(read_text(path.join(dir, 'floor.txt')));
  const one = floor['1']?.p50;
  const out = [];
  out.push('| load | server | lines/s sent | deliveries/s | ack p50 / p99 / p99.9 ms | delivery p50 / p99 / p99.9 ms | server CPU % | p50 delivery / floor | run |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const [load, load_name] of loads) {
    for (const [server, server_name] of servers) {
      const m = read_json(path.join(dir, 'latency', load, server, 'metrics.json'));
      if (!m) continue;
      const p = m.params ?? {};
      const shape = `${load_name} (rooms ${p.rooms}, ${p.senders ? `${p.senders} senders` : 'every member sending'} at ${p.rate}/s)`;
      out.push(
        `| ${shape} | ${server_name} | ${fmt_int(m.sent_per_sec)} | ${fmt_int(m.delivered_per_sec)} | ${trio(m.ack_latency_ms)} | ` +
          `${trio(m.latency_ms)} | ${Number.isFinite(m.cpu_percent) ? Math.round(m.cpu_percent) : 'n/a'} | ` +
          `${ratio(m.latency_ms?.p50, one)} | ${m.verdict === 'pass' ? 'ok' : `${m.verdict}: ${m.reason}`} |`,
      );
    }
  }
  out.push('');
  const after = parse_floor(read_text(path.join(dir, 'floor-after.txt')));
  const f = (fl, n) => (fl[n] ? `p50 ${fmt_ms(fl[n].p50)} ms, p99 ${fmt_ms(fl[n].p99)} ms` : 'n/a');
  out.push(`**Floor** (bench_storage_commit, synchronous=FULL, same disk, no server running): one commit of 1 row ${f(floor, '1')}; of 256 rows ${f(floor, '256')}. The ratio divides p50 delivery by the 1-row p50.`);
  if (after['1']) out.push('', `After the loads: 1 row ${f(after, '1')}; 256 rows ${f(after, '256')} (a floor that moved makes the ratios uncertain).`);
  if (command) out.push('', `Command: \`${command}\``);
  return `${out.join('\n')}\n`;
}

function main(argv) {
  const [dir, ...rest] = argv;
  if (!dir) {
    console.error('usage: node latency-report.mjs RESULTS_DIR [--command TEXT]');
    return 2;
  }
  const i = rest.indexOf('--command');
  process.stdout.write(render(dir, { command: i === -1 ? undefined : rest[i + 1] }));
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
