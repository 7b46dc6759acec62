// Command-line options shared by the peers: --port and --host (also as
// --port=N), falling back to PORT and HOST in the environment.
export function parse_options(argv, env, defaults) {
  const opts = { ...defaults };
  if (env.HOST) opts.host = env.HOST;
  if (env.PORT) opts.port = Number(env.PORT);
  for (let i = 0; i < argv.length; i++) {
    let [key, value] = argv[i].split('=', 2);
    if (key === '--help' || key === '-h') {
      opts.help = true;
      continue;
    }
    if (!key.startsWith('--') || !(key.slice(2) in defaults)) {
      throw new Error(`unknown option ${argv[i]}`);
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`${key} needs a value`);
    }
    const name = key.slice(2);
    opts[name] = typeof defaults[name] === 'number' ? Number(value) : value;
    if (Number.isNaN(opts[name])) throw new Error(`${key} needs a number`);
  }
  return opts;
}

// The line a runner waits for: the bound address, then the process id.
export function ready_line(address, port) {
  return `listening on ${address}:${port} pid ${process.pid}`;
}
