// The table of scripts/bench-load.sh --latency, on made-up runs (no servers,
// no generator).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse_floor, render } from '../latency-report.mjs';

const floor_text = `storage commit cost in /tmp/x, 200 commits each (wall time of append_batch)
sync      lines     p50 ms     p99 ms    commits/s      lines/s   quick_check ms
full          1      0.500     11.966          570          570       0 (3 MiB)
full        256      1.575     11.772          399       102056      36 (18 MiB)
normal        1      0.031      0.118        27291        27291       0 (3 MiB)
`;

test('the floor is the sync=full rows of bench_storage_commit', () => {
  assert.deepEqual(parse_floor(floor_text), { 1: { p50: 0.5, p99: 11.966 }, 256: { p50: 1.575, p99: 11.772 } });
});

test('each run gives a row with ack and delivery percentiles and p50 delivery over the 1-row floor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latency-report-'));
  try {
    fs.writeFileSync(path.join(dir, 'floor.txt'), floor_text);
    fs.writeFileSync(path.join(dir, 'floor-after.txt'), floor_text.replace('0.500', '4.000'));
    const run = path.join(dir, 'latency', '1k', 'chatd');
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'metrics.json'), JSON.stringify({
      params: { rooms: '6x100', senders: '2', rate: '5' },
      sent_per_sec: 1000, delivered_per_sec: 6000, cpu_percent: 12.4, verdict: 'pass', reason: 'ok',
      ack_latency_ms: { p50: 0.9, p99: 3, p999: 7.5 },
      latency_ms: { p50: 1, p99: 4, p999: 8 },
    }));
    const table = render(dir, { command: 'scripts/bench-load.sh --latency' });
    assert.match(table, /\| 1k lines\/s \(rooms 6x100, 2 senders at 5\/s\) \| chatd \| 1,000 \| 6,000 \| 0\.90 \/ 3\.00 \/ 7\.50 \| 1\.00 \/ 4\.00 \/ 8\.00 \| 12 \| 2\.00× \| ok \|/);
    assert.match(table, /1 row p50 0\.50 ms, p99 12\.0 ms; of 256 rows p50 1\.57 ms/);
    assert.match(table, /After the loads: 1 row p50 4\.00 ms/);
    assert.doesNotMatch(table, /Node ws/);  // no run, no row
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
