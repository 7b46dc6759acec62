// The arithmetic and the document writing of scripts/bench-load.sh, on
// made-up runs (no servers, no generator).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  analyse_step, begin_marker, deliveries_slack, end_marker, expected_deliveries, fmt_ratio, render,
  replace_section, throughput_met,
} from '../matrix-report.mjs';

test('the section replaces only what lies between the markers, or is appended with them', () => {
  const doc = `# Benchmarks\n\nbefore\n\n${begin_marker}\nold figures\n${end_marker}\n\nafter\n`;
  const once = replace_section(doc, 'new figures\n');
  assert.equal(once, `# Benchmarks\n\nbefore\n\n${begin_marker}\nnew figures\n${end_marker}\n\nafter\n`);
  assert.equal(replace_section(once, 'new figures'), once);

  const appended = replace_section('# Benchmarks\n\nactor figures\n', 'load figures');
  assert.equal(appended, `# Benchmarks\n\nactor figures\n\n${begin_marker}\nload figures\n${end_marker}\n`);
  assert.equal(replace_section(appended, 'load figures'), appended);
});

test('deliveries asked for: every sender\'s lines reach every member of its room', () => {
  // W3 at one line per user every 10 s: 1,000 rooms of 10 and 5 of 1,000.
  assert.equal(expected_deliveries({ rooms: '10x1000,1000x5', rate: '0.1' }), 0.1 * (1000 * 10 * 10 + 5 * 1000 * 1000));
  // W2: 4 senders in one room of 400, 5 lines/s each.
  assert.equal(expected_deliveries({ rooms: '400x1', senders: '4', rate: '5' }), 4 * 5 * 400);
  // More senders than members: every member sends.
  assert.equal(expected_deliveries({ rooms: '6x10', senders: '8', rate: '1' }), 10 * 6 * 6);
  assert.equal(expected_deliveries({ rooms: '10x200', senders: '', rate: '0' }), 0);
});

test('a shortfall of deliveries is judged against chance when few lines are sent', () => {
  // 500 users in rooms of 100 at one line every 40 s, over 3 s: about 37
  // lines of 100 deliveries each, so +-16% is one standard deviation.
  const few = { rooms: '100x5', rate: '0.025' };
  assert.ok(deliveries_slack(few, 3) > 0.3 * expected_deliveries(few));
  // 10,000 lines a second: chance explains well under 10%.
  const many = { rooms: '10x1000', rate: '1' };
  assert.ok(deliveries_slack(many, 20) < 0.01 * expected_deliveries(many));
  const m = analyse_step({ ...env, rooms: '100x5', rate: '0.025', duration: '3' }, samples(),
    gen({ delivered_per_sec: 0.75 * 1250 }));
  assert.equal(m.verdict, 'pass');
});

// A server sampled every half second from t=1000: 10 MB before the
// generator starts, 1,000 connections (fds 20 -> 1020) and 30 MB from t=1002,
// and 10 CPU ticks (0.1 s at 100 Hz) a second.
function samples() {
  const out = [];
  for (let t = 1000; t <= 1010; t += 0.5) {
    const up = t >= 1002;
    out.push({ t, rss_kb: up ? 30000 : 10000, ticks: Math.round((t - 1000) * 10), fds: up ? 1020 : 20 });
  }
  return out;
}

const env = {
  connections: '1000', rooms: '10x100', senders: '', rate: '1', warmup: '1', duration: '4',
  t_start: '1000.2', t_end: '1009.5', clk_tck: '100', lat_key: 'p99', lat_limit_ms: '100',
};
const gen = (over = {}) => ({
  delivered_per_sec: 10000,
  latency_ms: { p50: 1, p95: 5, p99: 20, p999: 30 },
  connections: { ok: 1000, failed: 0 },
  gaps: 0, duplicates: 0, generator_cpu_percent: 40, errors: {}, disconnects: {},
  timeline: [1003, 1004, 1005, 1006].map((s) => ({ unix_s: s, phase: 'measure', delivered: 10000 }))
    .concat([{ unix_s: 1007, phase: 'drain', delivered: 3 }]),
  ...over,
});

test('server CPU and memory are taken over the generator\'s measured seconds', () => {
  const m = analyse_step(env, samples(), gen());
  assert.equal(m.window_from, 'timeline');
  assert.equal(m.window_s, 4);
  assert.equal(m.window_ok, true);
  assert.ok(Math.abs(m.cpu_seconds - 0.4) < 1e-9);
  assert.ok(Math.abs(m.cpu_percent - 10) < 1e-9);
  assert.equal(m.server_connections, 1000);
  assert.equal(m.rss_per_connection_bytes, (20000 * 1024) / 1000);
  // 0.4 CPU-s for 40,000 deliveries: 10 s a million.
  assert.ok(Math.abs(m.cpu_s_per_million - 10) < 1e-9);
  assert.deepEqual([m.verdict, m.reason], ['pass', 'ok']);
});

test('without a timeline the window starts a warm-up after the server holds the connections', () => {
  const m = analyse_step(env, samples(), gen({ timeline: undefined }));
  assert.equal(m.window_from, 'samples');
  assert.equal(m.window_s, 4); // 1002 + 1 warm-up .. 1007
  assert.ok(Math.abs(m.cpu_seconds - 0.4) < 1e-9);
});

test('verdicts: threshold, errors, gaps, short deliveries, a saturated generator, no results', () => {
  const v = (g) => analyse_step(env, samples(), g).verdict;
  assert.equal(v(gen({ latency_ms: { p99: 150 } })), 'over');
  assert.equal(v(gen({ gaps: 2 })), 'fail');
  assert.equal(v(gen({ duplicates: 1 })), 'fail');
  assert.equal(v(gen({ errors: { rate_limited: 3 } })), 'fail');
  assert.equal(v(gen({ disconnects: { 4000: 1 } })), 'fail');
  assert.equal(v(gen({ connections: { ok: 990, failed: 10 } })), 'fail');
  assert.equal(v(gen({ delivered_per_sec: 8000 })), 'fail'); // 80% of 10,000
  assert.equal(v(gen({ generator_cpu_percent: 97 })), 'generator');
  assert.equal(v(gen({ errors: {}, disconnects: {}, latency_ms: {} })), 'fail'); // no p99 to judge
  assert.equal(v(null), 'fail');
  assert.equal(analyse_step({ ...env, lat_key: '', lat_limit_ms: '' }, samples(), gen({ latency_ms: {} })).verdict, 'pass');
});

test('a knee not reached turns ratios and targets into bounds', () => {
  assert.equal(fmt_ratio({ value: 40 }, { value: 10 }), '4.00×');
  assert.equal(fmt_ratio({ value: 40, bound: true }, { value: 10 }), '≥ 4.00×');
  assert.equal(fmt_ratio({ value: 40 }, { value: 10, bound: true }), '≤ 4.00×');
  assert.equal(fmt_ratio({ value: 40 }, { value: NaN }), 'n/a');
  assert.equal(throughput_met(5, 4, true, true), true);
  assert.equal(throughput_met(3, 4, true, true), false);
  assert.equal(throughput_met(5, 4, false, true), true); // at least 5x
  assert.equal(throughput_met(3, 4, false, true), null); // at least 3x: cannot tell
  assert.equal(throughput_met(3, 4, true, false), false); // at most 3x
  assert.equal(throughput_met(5, 4, true, false), null);
  assert.equal(throughput_met(5, 4, false, false), null);
});

test('the document has a table per workload with chatd/peer ratios and the targets', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matrix-report-'));
  try {
    const put = (rel, text) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    const metrics = (delivered, p99, params = {}) => JSON.stringify({
      params: { connections: '4000', senders: '4', rate: '5', ...params },
      delivered_per_sec: delivered, latency_ms: { p50: 1, p99, p999: p99 * 2 },
      rss_per_connection_bytes: 5000, cpu_s_per_million: 2, gaps: 0, duplicates: 0, generator_cpu_percent: p99 * 10,
    });
    put('W2/workload.env', 'summary=One room.\n');
    for (const [server, delivered, reached] of [['chatd', 400000, 0], ['ws', 100000, 1], ['socketio', 20000, 1]]) {
      put(`W2/${server}/step-01/metrics.json`, metrics(delivered, 9));
      put(`W2/${server}/half/metrics.json`, metrics(delivered / 2, 4));
      put(`W2/${server}/knee.env`, `knee=step-01\nreached=${reached}\nstop=p95 600 ms > 500 ms\n`);
    }
    const md = render(dir, { command: 'scripts/bench-load.sh --only W2', machine: '**Machine:** test' });
    assert.match(md, /\| delivered msg\/s at the knee \| ≥ 400,000 \| 100,000 \| 20,000 \| ≥ 4.00× \| ≥ 20.0× \|/);
    assert.match(md, /\| p99 latency at half the knee, ms \| 4.00 \| 4.00 \| 4.00 \| 1.00× \| 1.00× \|/);
    assert.match(md, /\| generator CPU at half the knee, % of its core \| 40 \| 40 \| 40 \| {2}\| {2}\|/);
    assert.match(md, /\| W2: chatd ≥ 4× Node ws delivered msg\/s at the knee \| 4.00× \| yes \|/);
    assert.match(md, /\| W2: chatd ≥ 10× Socket.IO delivered msg\/s at the knee \| 20.00× \| yes \|/);
    assert.match(md, /\| W2: chatd p99 < 50 ms at half the knee \| 4.00 ms \| yes \|/);
    assert.match(md, /scripts\/bench-load.sh --only W2/);
    assert.doesNotMatch(md, /### W1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
