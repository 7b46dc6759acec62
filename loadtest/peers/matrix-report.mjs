// The arithmetic behind scripts/bench-load.sh, which runs the processes and
// leaves one folder per generator run:
//
//   run.env      the run's parameters and times (key=value lines)
//   samples.tsv  the server process every half second: time (s), VmRSS (kB),
//                utime+stime (clock ticks), open descriptors
//   gen.json     the generator's results (any key may be missing)
//
//   node matrix-report.mjs step RUN_DIR
//       writes RUN_DIR/metrics.json and prints "VERDICT<TAB>reason", where
//       VERDICT is pass, over (past the latency threshold), fail (errors,
//       gaps, failed connections, deliveries short) or generator (the
//       generator's core was saturated, so the figures measure it).
//   node matrix-report.mjs render RESULTS_DIR --doc FILE [--command TEXT]
//       writes the markdown section between the load-matrix markers of FILE.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const begin_marker = '<!-- load-matrix:begin -->';
export const end_marker = '<!-- load-matrix:end -->';
export const servers = [['chatd', 'chatd'], ['ws', 'Node ws'], ['socketio', 'Socket.IO']];

// ---- reading a run ----------------------------------------------------------

export function parse_env(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export function parse_samples(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => {
    const [t, rss_kb, ticks, fds] = l.split(/\s+/).map(Number);
    return { t, rss_kb, ticks, fds };
  }).filter((s) => [s.t, s.rss_kb, s.ticks, s.fds].every(Number.isFinite));
}

function read_if(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function read_json(file) {
  const text = read_if(file);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const sum_values = (o) => (o && typeof o === 'object' ? Object.values(o).reduce((a, v) => a + (num(v) ?? 0), 0) : null);

// "10x1000,1000x5" -> [{size: 10, count: 1000}, {size: 1000, count: 5}]
export function parse_rooms(spec) {
  return String(spec ?? '').split(',').filter(Boolean).map((g) => {
    const [size, count] = g.split('x').map(Number);
    return { size, count };
  });
}

// Deliveries per second the workload asks for: in every room the first
// `senders` members (all of them when senders is empty) send `rate` lines a
// second, each delivered to every member of the room, the sender included.
export function expected_deliveries(env) {
  const rate = Number(env.rate) || 0;
  const per_room = env.senders === undefined || env.senders === '' ? Infinity : Number(env.senders);
  return parse_rooms(env.rooms).reduce((a, g) => a + g.count * Math.min(per_room, g.size) * rate * g.size, 0);
}

// How far the delivered rate may fall short of expected_deliveries by chance
// alone over `seconds`: three standard deviations, counting the lines sent
// in the window as Poisson (each line brings a room's worth of deliveries).
// At one line per user every 10 s over a few seconds this is far more than
// the 10% the knee search otherwise allows.
export function deliveries_slack(env, seconds) {
  const rate = Number(env.rate) || 0;
  if (!(seconds > 0) || rate === 0) return 0;
  const per_room = env.senders === undefined || env.senders === '' ? Infinity : Number(env.senders);
  const variance = parse_rooms(env.rooms)
    .reduce((a, g) => a + g.count * Math.min(per_room, g.size) * rate * seconds * g.size * g.size, 0);
  return (3 * Math.sqrt(variance)) / seconds;
}

// The value of field at time t, linearly between the samples around it.
function at(samples, t, field) {
  if (samples.length === 0) return null;
  if (t <= samples[0].t) return samples[0][field];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (t <= b.t) return b.t === a.t ? b[field] : a[field] + ((b[field] - a[field]) * (t - a.t)) / (b.t - a.t);
  }
  return samples[samples.length - 1][field];
}

// The generator's measured window, in Unix seconds: the whole seconds its
// timeline marks "measure", with the lines delivered in them. Without a
// timeline: `warmup` seconds after the server holds every connection the
// generator opened (or after the planned ramp), for `duration` seconds.
export function measured_window(env, samples, gen, base) {
  const seconds = Array.isArray(gen.timeline)
    ? gen.timeline.filter((s) => s?.phase === 'measure' && Number.isFinite(s.unix_s)) : [];
  if (seconds.length) {
    const start = Math.min(...seconds.map((s) => s.unix_s));
    const end = Math.max(...seconds.map((s) => s.unix_s)) + 1;
    const delivered = seconds.every((s) => Number.isFinite(s.delivered))
      ? seconds.reduce((a, s) => a + s.delivered, 0) : null;
    return { start, end, delivered, from: 'timeline' };
  }
  const t_start = Number(env.t_start);
  const opened = num(gen.connections?.ok) ?? Number(env.connections);
  let ramp_end = t_start + (Number(env.ramp_s) || 0);
  if (base) {
    const held = samples.find((s) => s.t >= t_start && s.fds - base.fds >= opened * 0.995);
    if (held) ramp_end = held.t;
  }
  const start = ramp_end + (Number(env.warmup) || 0);
  const end = Math.min(start + (Number(env.duration) || 0), Number(env.t_end));
  return { start, end, delivered: null, from: 'samples' };
}

// Figures for one run, from its parameters, the server samples and the
// generator's JSON: the server's CPU over the measured window, its memory
// per connection in the middle of it, and the generator's figures.
export function analyse_step(env, samples, gen) {
  const m = { params: env, gen_ok: gen !== null && typeof gen === 'object' };
  gen = m.gen_ok ? gen : {};
  const t_start = Number(env.t_start);
  const duration = Number(env.duration) || 0;
  const before = samples.filter((s) => s.t <= t_start);
  const base = before.length ? before[before.length - 1] : samples[0];

  const win = measured_window(env, samples, gen, base);
  m.window_from = win.from;
  m.window_s = Math.max(0, win.end - win.start);
  const covered = samples.length > 0 && samples[0].t <= win.start + 0.5 && samples[samples.length - 1].t >= win.end - 0.5;
  m.window_ok = base !== undefined && duration > 0 && covered && m.window_s >= duration * 0.8;

  m.delivered_per_sec = num(gen.delivered_per_sec);
  m.sent_per_sec = num(gen.sent_per_sec);
  m.acked_per_sec = num(gen.acked_per_sec);
  m.latency_ms = gen.latency_ms ?? {};
  m.ack_latency_ms = gen.ack_latency_ms ?? {};
  m.connections_ok = num(gen.connections?.ok);
  m.connections_failed = num(gen.connections?.failed);
  m.gaps = num(gen.gaps);
  m.duplicates = num(gen.duplicates);
  m.errors = gen.errors ?? null;
  m.disconnects = gen.disconnects ?? null;
  m.generator_cpu_percent = num(gen.generator_cpu_percent);
  m.expected_per_sec = expected_deliveries(env);

  if (m.window_ok) {
    const mid = (win.start + win.end) / 2;
    const clk = Number(env.clk_tck) || 100;
    m.cpu_seconds = (at(samples, win.end, 'ticks') - at(samples, win.start, 'ticks')) / clk;
    m.cpu_percent = (100 * m.cpu_seconds) / m.window_s;
    m.rss_kb = at(samples, mid, 'rss_kb');
    m.base_rss_kb = base.rss_kb;
    const conns = Math.round(at(samples, mid, 'fds') - base.fds);
    m.server_connections = conns;
    m.rss_per_connection_bytes = conns > 0 ? ((m.rss_kb - base.rss_kb) * 1024) / conns : null;
    const deliveries = win.delivered ?? (m.delivered_per_sec ?? 0) * m.window_s;
    m.cpu_s_per_million = deliveries > 0 ? (m.cpu_seconds / deliveries) * 1e6 : null;
  }
  [m.verdict, m.reason] = verdict(env, m);
  return m;
}

export function verdict(env, m) {
  if (!m.gen_ok) return ['fail', `no generator results (exit ${env.gen_rc ?? '?'})`];
  if (m.connections_failed) return ['fail', `${m.connections_failed} connections failed`];
  if (m.gaps) return ['fail', `${m.gaps} gaps`];
  if (m.duplicates) return ['fail', `${m.duplicates} duplicates`];
  if (sum_values(m.errors)) return ['fail', `errors ${JSON.stringify(m.errors)}`];
  if (sum_values(m.disconnects)) return ['fail', `disconnects ${JSON.stringify(m.disconnects)}`];
  const slack = Math.max(0.1 * m.expected_per_sec, deliveries_slack(env, Number(env.duration)));
  if (m.expected_per_sec > 0 && m.delivered_per_sec !== null && m.delivered_per_sec < m.expected_per_sec - slack) {
    const pct = Math.round((100 * m.delivered_per_sec) / m.expected_per_sec);
    return ['fail', `delivered ${pct}% of the ${fmt_int(m.expected_per_sec)}/s asked for`];
  }
  if (m.generator_cpu_percent !== null && m.generator_cpu_percent >= 95) {
    return ['generator', `generator at ${Math.round(m.generator_cpu_percent)}% of its core`];
  }
  const key = env.lat_key;
  const limit = Number(env.lat_limit_ms);
  if (key && limit) {
    const v = num(m.latency_ms[key]);
    if (v === null) return ['fail', `no ${key} latency`];
    if (v > limit) return ['over', `${key} ${fmt_ms(v)} ms > ${limit} ms`];
  }
  return ['pass', 'ok'];
}

// ---- formatting -------------------------------------------------------------

export function fmt_int(v) {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toLocaleString('en-US');
}

export function fmt_ms(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
}

function fmt_num(v, digits = 2) {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

// A ratio chatd/peer. A knee not reached is a lower bound on a throughput,
// so the ratio becomes a bound too.
export function fmt_ratio(a, b) {
  if (!a || !b || !Number.isFinite(a.value) || !Number.isFinite(b.value) || b.value === 0) return 'n/a';
  const r = a.value / b.value;
  const text = `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
  if (a.bound && b.bound) return `${text} (neither at its knee)`;
  if (a.bound) return `≥ ${text}`;
  if (b.bound) return `≤ ${text}`;
  return text;
}

function row(label, cells, ratio = true) {
  const [c, w, s] = cells;
  const text = (x) => (x && typeof x === 'object' ? x.text : x ?? 'n/a');
  const r1 = ratio ? fmt_ratio(c, w) : '';
  const r2 = ratio ? fmt_ratio(c, s) : '';
  return `| ${label} | ${text(c)} | ${text(w)} | ${text(s)} | ${r1} | ${r2} |`;
}

const table_head = [
  '| | chatd | Node ws | Socket.IO | chatd/ws | chatd/Socket.IO |',
  '|---|---:|---:|---:|---:|---:|',
];

// ---- the results tree -------------------------------------------------------

// One server's runs for a workload: its knee (the last step that passed),
// the run at half the knee's rate, and totals over every step.
export function load_series(dir) {
  const knee_env = parse_env(read_if(path.join(dir, 'knee.env')) ?? '');
  const steps = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((d) => d.startsWith('step-')).sort()
      .map((d) => ({ name: d, m: read_json(path.join(dir, d, 'metrics.json')) })).filter((s) => s.m)
    : [];
  const knee = steps.find((s) => s.name === knee_env.knee)?.m ?? null;
  const half = read_json(path.join(dir, 'half', 'metrics.json'));
  const total = (f) => steps.reduce((a, s) => a + (s.m[f] ?? 0), 0) + (half?.[f] ?? 0);
  return {
    steps, knee, half, reached: knee_env.reached === '1', stop: knee_env.stop ?? null,
    gaps: total('gaps'), duplicates: total('duplicates'),
  };
}

function cell(v, f, bound = false) {
  return v === null || v === undefined || !Number.isFinite(v)
    ? { text: 'n/a', value: NaN }
    : { text: (bound ? '≥ ' : '') + f(v), value: v, bound };
}

function knee_rows(series, describe) {
  const s = servers.map(([id]) => series[id]);
  const knee = (x) => x?.knee;
  const lat = (x, k) => cell(x?.half?.latency_ms?.[k] ?? null, fmt_ms);
  const lines = [
    row('knee (last step under the threshold)', s.map((x) => (x?.knee ? describe(x.knee.params) : 'none')), false),
    row('delivered msg/s at the knee', s.map((x) => cell(knee(x)?.delivered_per_sec ?? null, fmt_int, x && !x.reached))),
    row('p50 latency at half the knee, ms', s.map((x) => lat(x, 'p50'))),
    row('p99 latency at half the knee, ms', s.map((x) => lat(x, 'p99'))),
    row('p99.9 latency at half the knee, ms', s.map((x) => lat(x, 'p999'))),
    // The latencies above include the generator's own time to read every
    // delivery: next to them, how busy its one core was.
    row('generator CPU at half the knee, % of its core', s.map((x) => cell(x?.half?.generator_cpu_percent ?? null, (v) => fmt_num(v, 0))), false),
    row('RSS per connection at the knee, bytes', s.map((x) => cell(knee(x)?.rss_per_connection_bytes ?? null, fmt_int))),
    row('server CPU-s per million deliveries', s.map((x) => cell(knee(x)?.cpu_s_per_million ?? null, (v) => fmt_num(v)))),
    row('gaps / duplicates (every run)', s.map((x) => (x ? `${x.gaps} / ${x.duplicates}` : 'n/a')), false),
    row('search stopped by', s.map((x) => (x ? (x.stop ?? 'n/a') : 'not run')), false),
  ];
  return lines;
}

function idle_rows(series) {
  const s = servers.map(([id]) => series[id]?.knee ?? null);
  return [
    row('connections held (failed)', s.map((m) => (m ? `${fmt_int(m.connections_ok ?? m.server_connections)} (${fmt_int(m.connections_failed)})` : 'n/a')), false),
    row('RSS per connection, bytes', s.map((m) => cell(m?.rss_per_connection_bytes ?? null, fmt_int))),
    row('RSS holding them, MiB', s.map((m) => cell(m?.rss_kb != null ? m.rss_kb / 1024 : null, (v) => v.toFixed(1)))),
    row('server CPU while idle, % of a core', s.map((m) => cell(m?.cpu_percent ?? null, (v) => v.toFixed(2)))),
  ];
}

const describe = {
  W2: (p) => `${fmt_int(Number(p.connections))} clients, ${p.senders} senders × ${p.rate}/s`,
  W3: (p) => `${p.rate} msg/user/s`,
  W4: (p) => `${fmt_int(Number(p.connections) / 6)} rooms × ${p.rate}/s`,
  W5: (p) => `${p.rate} msg/user/s`,
};

const titles = {
  W1: 'W1 idle: connections held, memory and idle CPU',
  W2: 'W2 broadcast knee: one room, clients added until p95 passes 500 ms',
  W3: 'W3 chat mix: rooms of 10 and five rooms of 1,000, rate doubled until p99 passes 100 ms',
  W4: 'W4 hot small rooms: rooms of 6, 5 msg/user/s, rooms added until p99 passes 100 ms',
  W5: 'W5 payload sweep: rate doubled until p99 passes 100 ms, per payload size',
};

function series_for(results, wl) {
  const out = {};
  for (const [id] of servers) {
    const dir = path.join(results, wl, id);
    if (fs.existsSync(dir)) out[id] = load_series(dir);
  }
  return out;
}

// W5's folders, one a payload size: W5-32, W5-256, ... in increasing size.
function payload_dirs(results) {
  return fs.existsSync(results)
    ? fs.readdirSync(results).filter((d) => /^W5-\d+$/.test(d)).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    : [];
}

function workload_params(results, wl) {
  return parse_env(read_if(path.join(results, wl, 'workload.env')) ?? '');
}

export function render(results, { command = '', machine = '' } = {}) {
  const out = [];
  out.push('## Load: chatd against Node ws and Socket.IO');
  out.push('');
  out.push('Written by `scripts/bench-load.sh`; do not edit between the markers.');
  out.push('');
  out.push('```sh', command || 'scripts/bench-load.sh', '```', '');
  if (machine) out.push(machine, '');
  out.push('Each server runs alone, pinned to CPU 0 (`taskset -c 0`); the generator');
  out.push('(`build/loadtest/chatd-load`) is pinned to CPU 1. Every step starts a fresh');
  out.push('server. Memory is the growth of the server\'s VmRSS divided by the');
  out.push('connections it holds; CPU is its utime+stime over the generator\'s measured');
  out.push('window. Latency is from send to delivery, over every member. chatd commits');
  out.push('every line to SQLite before its ack; the peers keep nothing');
  out.push('(`loadtest/peers/README.md`). Ratios are chatd/peer: above 1 is better for');
  out.push('chatd in throughput rows, below 1 in latency, memory and CPU rows. "≥" marks');
  out.push('a knee not reached (the search ran out of steps).');
  out.push('');
  const ran = [];
  for (const wl of ['W1', 'W2', 'W3', 'W4']) {
    if (!fs.existsSync(path.join(results, wl))) continue;
    ran.push(wl);
    const p = workload_params(results, wl);
    const series = series_for(results, wl);
    out.push(`### ${titles[wl]}`, '');
    if (p.summary) out.push(p.summary, '');
    out.push(...table_head, ...(wl === 'W1' ? idle_rows(series) : knee_rows(series, describe[wl])), '');
  }
  const payloads = payload_dirs(results);
  if (payloads.length) {
    ran.push('W5');
    const p = workload_params(results, payloads[0]);
    out.push(`### ${titles.W5}`, '');
    if (p.summary) out.push(p.summary, '');
    out.push(...table_head);
    for (const d of payloads) {
      const bytes = Number(d.slice(3));
      const series = series_for(results, d);
      const s = servers.map(([id]) => series[id]);
      const size = bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
      out.push(row(`${size}: delivered msg/s at the knee`, s.map((x) => cell(x?.knee?.delivered_per_sec ?? null, fmt_int, x && !x.reached))));
      out.push(row(`${size}: p99 at half the knee, ms`, s.map((x) => cell(x?.half?.latency_ms?.p99 ?? null, fmt_ms))));
      out.push(row(`${size}: generator CPU at half the knee, %`, s.map((x) => cell(x?.half?.generator_cpu_percent ?? null, (v) => fmt_num(v, 0))), false));
      out.push(row(`${size}: CPU-s per million deliveries`, s.map((x) => cell(x?.knee?.cpu_s_per_million ?? null, (v) => fmt_num(v)))));
      out.push(row(`${size}: gaps / duplicates`, s.map((x) => (x ? `${x.gaps} / ${x.duplicates}` : 'n/a')), false));
    }
    out.push('');
  }
  out.push(...targets(results, ran));
  return out.join('\n');
}

// Whether chatd/peer >= want, when a knee not reached only bounds its side:
// chatd short of its knee makes r a lower bound, the peer short of its knee
// an upper one. null when the bounds cannot tell.
export function throughput_met(r, want, chatd_reached, peer_reached) {
  if (r === null || (!chatd_reached && !peer_reached)) return null;
  if (chatd_reached && peer_reached) return r >= want;
  if (!chatd_reached) return r >= want ? true : null;
  return r < want ? false : null;
}

// The issue's targets, each with the figures it was judged on.
function targets(results, ran) {
  const lines = ['### Targets', '', '| target | measured | met |', '|---|---|---|'];
  const met = (ok) => (ok === null ? 'n/a' : ok ? 'yes' : 'no');
  const knee = (x) => x?.knee?.delivered_per_sec ?? null;
  const knee_dirs = ['W2', 'W3', 'W4'].filter((w) => ran.includes(w));
  for (const wl of knee_dirs) {
    const s = series_for(results, wl);
    for (const [peer, name, want] of [['ws', 'Node ws', 4], ['socketio', 'Socket.IO', 10]]) {
      const c = knee(s.chatd);
      const p = knee(s[peer]);
      const r = c && p ? c / p : null;
      const ok = throughput_met(r, want, s.chatd?.reached, s[peer]?.reached);
      lines.push(`| ${wl}: chatd ≥ ${want}× ${name} delivered msg/s at the knee | ${r === null ? 'n/a' : `${r.toFixed(2)}×`} | ${met(ok)} |`);
    }
  }
  if (ran.includes('W1')) {
    const s = series_for(results, 'W1');
    const c = s.chatd?.knee?.rss_per_connection_bytes ?? null;
    for (const [peer, name] of [['ws', 'Node ws'], ['socketio', 'Socket.IO']]) {
      const p = s[peer]?.knee?.rss_per_connection_bytes ?? null;
      const r = c && p ? c / p : null;
      lines.push(`| W1: chatd memory per connection ≤ ⅓ ${name} | ${r === null ? 'n/a' : `${r.toFixed(2)}×`} | ${met(r === null ? null : r <= 1 / 3)} |`);
    }
    const held = s.chatd?.knee?.connections_ok ?? null;
    const failed = s.chatd?.knee?.connections_failed ?? null;
    const want = Number(s.chatd?.knee?.params?.connections ?? 19000);
    lines.push(`| W1: ${fmt_int(want)} connections in one chatd${want < 19000 ? ' (quick run: the target is 19,000)' : ''} | ${fmt_int(held)} held, ${fmt_int(failed)} failed | ${met(held === null ? null : held >= 19000 && !failed)} |`);
  }
  const half_dirs = [...knee_dirs, ...payload_dirs(results)];
  for (const wl of half_dirs) {
    const s = series_for(results, wl);
    const p99 = s.chatd?.half?.latency_ms?.p99 ?? null;
    const name = wl.startsWith('W5-') ? `W5 ${wl.slice(3)} B` : wl;
    lines.push(`| ${name}: chatd p99 < 50 ms at half the knee | ${fmt_ms(p99)} ms | ${met(p99 === null ? null : p99 < 50)} |`);
  }
  lines.push('');
  return lines;
}

// Replaces what lies between the markers, or appends the markers.
export function replace_section(doc, section) {
  const block = `${begin_marker}\n${section.trimEnd()}\n${end_marker}`;
  const b = doc.indexOf(begin_marker);
  const e = doc.indexOf(end_marker);
  if (b !== -1 && e > b) return doc.slice(0, b) + block + doc.slice(e + end_marker.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

// ---- command line -----------------------------------------------------------

function main(argv) {
  const [cmd, dir, ...rest] = argv;
  const opt = (name) => {
    const i = rest.indexOf(name);
    return i === -1 ? undefined : rest[i + 1];
  };
  if (cmd === 'step' && dir) {
    const env = parse_env(read_if(path.join(dir, 'run.env')) ?? '');
    const samples = parse_samples(read_if(path.join(dir, 'samples.tsv')) ?? '');
    const m = analyse_step(env, samples, read_json(path.join(dir, 'gen.json')));
    fs.writeFileSync(path.join(dir, 'metrics.json'), `${JSON.stringify(m, null, 1)}\n`);
    const summary = [
      `delivered/s ${fmt_int(m.delivered_per_sec)} (asked ${fmt_int(m.expected_per_sec)})`,
      `p50 ${fmt_ms(m.latency_ms.p50)} p95 ${fmt_ms(m.latency_ms.p95)} p99 ${fmt_ms(m.latency_ms.p99)} ms`,
      `server cpu ${fmt_num(m.cpu_percent, 0)}%`,
      `rss/conn ${fmt_int(m.rss_per_connection_bytes)} B`,
      `gen cpu ${fmt_num(m.generator_cpu_percent, 0)}%`,
    ].join(', ');
    console.log(`${m.verdict}\t${m.reason}\t${summary}`);
    return 0;
  }
  if (cmd === 'render' && dir && opt('--doc')) {
    const doc_file = opt('--doc');
    const machine = opt('--machine-file') ? read_if(opt('--machine-file'))?.trim() : '';
    const section = render(dir, { command: opt('--command'), machine });
    const doc = read_if(doc_file) ?? '';
    fs.writeFileSync(doc_file, replace_section(doc, section));
    console.log(section);
    return 0;
  }
  console.error('usage: node matrix-report.mjs step RUN_DIR\n'
    + '       node matrix-report.mjs render RESULTS_DIR --doc FILE [--command TEXT] [--machine-file FILE]');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
