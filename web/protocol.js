// chatd's wire protocol for JavaScript (a browser, or Node 20+ with
// --experimental-websocket or any WebSocket class passed in): requests with
// ids and replies matched by id, pushes as events, reconnection with backoff
// and jitter, each room resumed from the last seq seen, and an outbox that
// resends unacknowledged lines with their original client_id so the server's
// dedupe keeps them single. Knows nothing about the page. See docs/protocol.md.

/** Refusals of a rejoin that pass: the room is kept and asked for again (docs/protocol.md, Errors). */
const PASSING_JOIN_CODES = new Set(['unavailable', 'internal', 'rate_limited']);
/** Close codes after which reconnecting would fail the same way (docs/protocol.md). */
const FATAL_CLOSE_CODES = new Set([1003, 1007, 1008]);
/**
 * When a JWT expires, in ms since the epoch (its `exp`, a fraction allowed),
 * or null when it has none or cannot be read. The client does not verify
 * tokens; it only reads when to ask for a fresh one.
 */
export function tokenExpiresAt(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '='))).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Identify errors that no retry will fix: the user must change name or token. */
const FATAL_IDENTIFY_CODES = new Set(['auth_failed', 'guests_not_allowed', 'invalid_field', 'missing_field']);

/**
 * A chatd connection that survives reconnects. Events (CustomEvent, payload in
 * `detail`): `state` {state, retryInMs?}, `identified` {user, guest, rooms?},
 * `joined`, `message`, `event`, `presence`, `typing`, `replay_done`,
 * `marker`, `removed`, `room_added` (the server's frames), `unsupported` {type} when the
 * server answered a request `unknown_type` (an older server: the feature is
 * off from then on), `fatal` {code, message} when the client gives up (bad
 * name or token, or a close code that would recur), `closed` {code, reason}.
 * States: idle, connecting, connected, reconnecting, offline.
 *
 * Tokens expire, and the server closes a connection (4001) when its token's
 * `exp` passes. With `options.getToken` (an async function the embedding page
 * provides, resolving with a fresh JWT for the same user), the client asks
 * for one `refreshBeforeMs` (default 30 s) before `exp` and identifies again
 * with it on the open connection; it also asks before reconnecting with an
 * expired token. Each successful refresh emits `identified` again.
 */
export class ChatClient extends EventTarget {
  /**
   * @param {string} url  ws(s)://host/ws
   * @param {{name?: string, token?: string}} who  a guest name or a JWT
   * @param {{WebSocket?: any, baseDelayMs?: number, maxDelayMs?: number, requestTimeoutMs?: number,
   *          getToken?: () => Promise<string>, refreshBeforeMs?: number}} [options]
   */
  constructor(url, who, options = {}) {
    super();
    this.url = url;
    this.who = who;
    this.WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 15000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15000;
    this.getToken = options.getToken ?? null;
    this.refreshBeforeMs = options.refreshBeforeMs ?? 30000;
    this.refreshTimer = null;
    this.state = 'idle';
    this.user = null;
    this.nextId = 1;
    this.attempt = 0;
    this.ws = null;
    this.retryTimer = null;
    /** Gives up on a connection that has not opened within requestTimeoutMs. */
    this.openTimer = null;
    this.stopped = false;
    /** id -> {resolve, reject, timer}: requests awaiting their reply on this connection. */
    this.pending = new Map();
    /** room -> {lastSeq, joinedSince}: rooms to be in, with the last seq seen. */
    this.rooms = new Map();
    /** client_id -> {room, text, resolve, reject}: lines sent but not yet acked. */
    this.outbox = new Map();
    /** room -> time of the last typing notice sent, for throttling. */
    this.typingSentAt = new Map();
    this.prefix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    this.lineCounter = 0;
    /** Request types the server answered unknown_type: it predates them. */
    this.unsupported = new Set();
    /** room -> {sent, inFlight, want}: the read marker this client moved, so `read` goes out once per seq. */
    this.reads = new Map();
  }

  /** Opens the connection; reconnects by itself until close(). */
  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.#setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch (e) {
      return this.#fatal('bad_url', String(e?.message ?? e));
    }
    this.ws = ws;
    // A browser fires close after a failed handshake; Node 20's WebSocket
    // fires at most error, and nothing at all when the server never answers.
    // A connection that has not opened in time, or failed, is given up here.
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => this.#giveUp(ws), this.requestTimeoutMs);
    ws.onopen = () => { clearTimeout(this.openTimer); this.#onOpen(ws); };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }   // the server sends JSON only
      if (msg && typeof msg === 'object') this.#receive(msg);
    };
    ws.onclose = (ev) => this.#onClose(ws, ev);
    ws.onerror = () => { if (ws.readyState === 0) setTimeout(() => this.#giveUp(ws), 0); };   // 0: CONNECTING
  }

  /** Ends a connection attempt that failed without a close event, as if it had closed (1006). */
  #giveUp(ws) {
    if (ws !== this.ws || ws.readyState === 1) return;   // closed meanwhile, or open after all
    ws.close();
    this.#onClose(ws, { code: 1006, reason: 'the connection could not be opened' });
  }

  /** Closes for good (no reconnect). Unacked lines stay in the outbox. */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.openTimer);
    this.ws?.close(1000);
    this.#setState('offline');
  }

  /** Skips the backoff wait and reconnects now (a "retry now" button). */
  retryNow() {
    if (this.state === 'reconnecting' && !this.ws) { this.attempt = Math.max(this.attempt, 1); this.connect(); }
  }

  /** True when requests can be sent now. */
  get connected() { return this.state === 'connected'; }

  /** The last seq this client saw in a room (0 when none). */
  lastSeq(room) { return this.rooms.get(room)?.lastSeq ?? 0; }

  /**
   * Joins a room and stays in it across reconnects. Resolves with `joined`.
   * Without a connection the join happens on the next connect.
   */
  join(room) {
    if (!this.rooms.has(room)) this.rooms.set(room, { lastSeq: 0, joinedSince: null });
    if (!this.connected) return this.#nextEvent('joined', (d) => d.room === room);
    return this.#joinNow(room);
  }

  /**
   * Leaves a room; its unacked lines are dropped from the outbox. With
   * `{forget: true}` the user also gives up its membership (an older server
   * ignores it and only unsubscribes).
   */
  async leave(room, { forget = false } = {}) {
    this.#drop(room, { code: 'left', message: 'you left the room' });
    if (this.connected) return this.request('leave', forget ? { room, forget: true } : { room });
    return { type: 'left', room };
  }

  /** Forgets a room this client was in: no rejoin, and its unsent lines fail with `why`. */
  #drop(room, why) {
    this.rooms.delete(room);
    this.reads.delete(room);
    for (const [cid, line] of this.outbox) {
      if (line.room === room) { this.outbox.delete(cid); line.reject(why); }
    }
  }

  /** False once the server has answered `type` with unknown_type (it is older than that request). */
  supports(type) { return !this.unsupported.has(type); }

  // ---- rooms, members and roles (docs/protocol.md); each resolves with the reply ----

  /** Creates a room owned by the user: `{kind: 'private', topic?}` or `{kind: 'public', room, topic?}`. Resolves with the `room` reply. */
  createRoom({ kind, room, topic }) {
    const fields = { kind };
    if (room !== undefined) fields.room = room;
    if (topic) fields.topic = topic;
    return this.request('create_room', fields);
  }

  /** Opens (or finds again) the direct room of `users` and the user. Resolves with the `room` reply. */
  openDirect(users) { return this.request('open_direct', { users }); }

  /** The members of a joined room with their roles: resolves with the `members` reply. */
  members(room) { return this.request('members', { room }); }

  invite(room, user) { return this.#change('invite', { room, user }); }
  remove(room, user) { return this.#change('remove', { room, user }); }
  /** Bans `user` until `until` (ms since the epoch), or for ever without it. */
  ban(room, user, until) { return this.#change('ban', until ? { room, user, until } : { room, user }); }
  unban(room, user) { return this.#change('unban', { room, user }); }
  /** Mutes `user` until `until` (ms since the epoch), or for ever without it. */
  mute(room, user, until) { return this.#change('mute', until ? { room, user, until } : { room, user }); }
  unmute(room, user) { return this.#change('unmute', { room, user }); }
  setRole(room, user, role) { return this.#change('set_role', { room, user, role }); }
  setTopic(room, topic) { return this.#change('set_topic', { room, topic }); }
  edit(room, seq, text) { return this.#change('edit', { room, seq, text }); }
  deleteLine(room, seq) { return this.#change('delete', { room, seq }); }
  react(room, seq, emoji) { return this.#change('react', { room, seq, emoji }); }
  unreact(room, seq, emoji) { return this.#change('unreact', { room, seq, emoji }); }

  /**
   * A request that becomes an event of the room's log: it carries a fresh
   * client_id and resolves with the `ack` once committed. A reply that does
   * not come in time is asked again with the same client_id (the server's
   * dedupe keeps it single), as long as the connection lasts.
   */
  async #change(type, fields, clientId = this.newClientId()) {
    for (;;) {
      try {
        return await this.request(type, { ...fields, client_id: clientId });
      } catch (err) {
        if (err?.code !== 'timeout' || !this.connected) throw err;
      }
    }
  }

  /**
   * Moves the user's read marker in `room` up to `seq` (it never moves
   * back). At most one `read` per room is in flight; the newest seq asked
   * meanwhile goes out when it is answered. Each answer is emitted as a
   * `read_ok` event. Resolves with the reply, or null when nothing was sent
   * (not newer, not in the room, offline, or a server without read markers).
   */
  markRead(room, seq) {
    if (!this.rooms.has(room) || !this.connected || !this.supports('read')) return Promise.resolve(null);
    let r = this.reads.get(room);
    if (!r) { r = { sent: 0, want: 0, inFlight: null }; this.reads.set(room, r); }
    if (seq > r.want) r.want = seq;
    return this.#flushRead(room, r);
  }

  #flushRead(room, r) {
    if (r.inFlight) return r.inFlight;   // its answer sends what was asked meanwhile
    if (r.want <= r.sent || !this.connected || this.reads.get(room) !== r) return Promise.resolve(null);
    const seq = r.want;
    r.sent = seq;
    r.inFlight = this.request('read', { room, seq }).then(
      (ok) => { r.inFlight = null; this.#flushRead(room, r).catch(() => {}); return ok; },
      (err) => {
        r.inFlight = null;
        if (r.sent === seq) r.sent = 0;   // not moved: the next markRead asks again
        if (err?.code === 'unknown_type' || err?.code === 'closed' || err?.code === 'offline') return null;
        throw err;
      });
    return r.inFlight;
  }

  /** Pages back through a room: the newest `limit` lines before `before` (all when omitted). */
  history(room, before, limit) {
    const fields = { room };
    if (before) fields.before = before;
    if (limit) fields.limit = limit;
    return this.request('history', fields);
  }

  /** Tells the room the user is typing; at most one notice per 2.5 s per room. */
  typing(room) {
    const now = Date.now();
    if (!this.connected || now - (this.typingSentAt.get(room) ?? 0) < 2500) return;
    this.typingSentAt.set(room, now);
    this.ws.send(JSON.stringify({ type: 'typing', room }));
  }

  /** A client_id unique to this tab and line. */
  newClientId() { return `${this.prefix}-${++this.lineCounter}`; }

  /**
   * Sends a line. Resolves with the ack (the line is on disk). While the
   * connection is down the line waits in the outbox and goes out, with the
   * same client_id, once the room is joined again; the server never stores it
   * twice. Rejects with the server's error ({code, message}); a retry with the
   * same clientId is always safe.
   */
  send(room, text, clientId = this.newClientId()) {
    return new Promise((resolve, reject) => {
      const entry = this.rooms.get(room);
      if (!entry) return reject({ code: 'not_in_room', message: `join ${room} first` });
      const line = { room, text, resolve, reject };
      this.outbox.set(clientId, line);
      if (this.connected && entry.joinedSince !== null) this.#transmit(clientId, line);
    });
  }

  /** Sends a request and resolves with its reply; rejects with {code, message}. */
  request(type, fields = {}) {
    if (!this.connected && type !== 'identify') {
      return Promise.reject({ code: 'offline', message: 'not connected' });
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({ code: 'timeout', message: `no reply to ${type}` });
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer, type });
      this.ws.send(JSON.stringify({ type, id, ...fields }));
    });
  }

  async #onOpen(ws) {
    try {
      if (this.who.token && this.getToken && (tokenExpiresAt(this.who.token) ?? Infinity) <= Date.now()) {
        this.who = { token: await this.getToken() };   // expired while away: a fresh one first
        if (ws !== this.ws) return;
      }
      const hello = this.who.token ? { token: this.who.token } : { name: this.who.name };
      const reply = await this.request('identify', hello);
      if (ws !== this.ws) return;
      this.user = reply.user;
      this.attempt = 0;
      this.#emit('identified', reply);
      this.#scheduleRefresh(ws);
      this.#setState('connected');
      for (const room of this.rooms.keys()) this.#joinNow(room).catch(() => {});
    } catch (e) {
      if (FATAL_IDENTIFY_CODES.has(e?.code)) this.#fatal(e.code, e.message);
      // Anything else (no reply, an internal error): start over; onclose retries.
      else if (ws === this.ws) ws.close(1000);
    }
  }

  async #joinNow(room) {
    const entry = this.rooms.get(room);
    const since = entry.lastSeq;
    let reply;
    try {
      reply = await this.request('join', since ? { room, since } : { room });
    } catch (err) {
      // Refused by the server (not_found, banned, …): not a room to rejoin. A
      // lost connection keeps it, for the rejoin after the reconnect; so does
      // a passing refusal of a rejoin (its store away a moment, as while a
      // cluster's database restarts), which is asked again shortly.
      if (err?.type === 'error' && this.rooms.get(room) === entry) {
        if (entry.joined && PASSING_JOIN_CODES.has(err.code)) this.#rejoinLater(room, entry);
        else this.#drop(room, err);
      }
      throw err;
    }
    if (this.rooms.get(room) !== entry) return reply;   // left meanwhile
    entry.joined = true;
    entry.refusals = 0;
    entry.joinedSince = since;
    // A fresh join replays nothing: what came before is history, what comes
    // after arrives live. With `since`, the replay and replay_done move lastSeq.
    if (!since) entry.lastSeq = Math.max(entry.lastSeq, reply.last_seq ?? 0);
    else if (since > (reply.last_seq ?? 0)) entry.resetTo = reply.last_seq ?? 0;
    for (const [cid, line] of this.outbox) if (line.room === room) this.#transmit(cid, line);
    return reply;
  }

  /** Asks for a room again on this connection after a backoff, unless it was joined or left meanwhile. */
  #rejoinLater(room, entry) {
    const ws = this.ws;
    const delay = Math.round(Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (entry.refusals ?? 0)) * (0.5 + Math.random() / 2));
    entry.refusals = (entry.refusals ?? 0) + 1;
    setTimeout(() => {
      if (ws !== this.ws || !this.connected || this.rooms.get(room) !== entry || entry.joinedSince !== null) return;
      this.#joinNow(room).catch(() => {});
    }, delay);
  }

  #transmit(clientId, line) {
    this.request('send', { room: line.room, text: line.text, client_id: clientId }).then(
      (ack) => { if (this.outbox.delete(clientId)) line.resolve(ack); },
      (err) => {
        // A lost connection keeps the line for the resend after the rejoin; a
        // slow reply gets the same line again (dedupe makes that safe); a
        // reply from the server settles it.
        if (err?.code === 'timeout' && this.connected && this.outbox.has(clientId)) return this.#transmit(clientId, line);
        if (err?.code === 'offline' || err?.code === 'closed' || err?.code === 'timeout') return;
        if (this.outbox.delete(clientId)) line.reject(err);
      });
  }

  /** Plans the next token refresh on this connection, `refreshBeforeMs` before `exp`. */
  #scheduleRefresh(ws, delayMs) {
    clearTimeout(this.refreshTimer);
    const expiresAt = this.who.token && this.getToken ? tokenExpiresAt(this.who.token) : null;
    if (expiresAt === null) return;
    const wait = delayMs ?? Math.max(0, expiresAt - this.refreshBeforeMs - Date.now());
    this.refreshTimer = setTimeout(() => this.#refresh(ws), wait);
  }

  async #refresh(ws) {
    if (ws !== this.ws || this.stopped) return;
    try {
      const token = await this.getToken();
      if (ws !== this.ws || this.stopped) return;
      const reply = await this.request('identify', { token });
      if (ws !== this.ws) return;
      this.who = { token };
      this.user = reply.user;
      this.#emit('identified', reply);
      this.#scheduleRefresh(ws);
    } catch {
      // No token now, or the server refused it: try again shortly while the
      // old one lasts; if it runs out, the server closes with 4001 and the
      // reconnect asks for a fresh token.
      if (ws === this.ws && !this.stopped) this.#scheduleRefresh(ws, Math.min(5000, this.refreshBeforeMs / 4));
    }
  }

  #onClose(ws, ev) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.openTimer);
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject({ code: 'closed', message: 'connection closed' }); }
    this.pending.clear();
    for (const entry of this.rooms.values()) entry.joinedSince = null;
    this.#emit('closed', { code: ev.code, reason: ev.reason });
    if (this.stopped) return this.#setState('offline');
    if (FATAL_CLOSE_CODES.has(ev.code)) return this.#fatal(`close_${ev.code}`, ev.reason || 'the server refused this client');
    // Exponential backoff with jitter.
    const delay = Math.round(Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** this.attempt++) * (0.5 + Math.random() / 2));
    this.#setState('reconnecting', { retryInMs: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  #fatal(code, message) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    this.ws?.close(1000);
    this.#setState('offline');
    this.#emit('fatal', { code, message });
  }

  #receive(msg) {
    const entry = typeof msg.room === 'string' ? this.rooms.get(msg.room) : undefined;
    // Lines and the log's other events share one seq: both move the resume point.
    if ((msg.type === 'message' || msg.type === 'event') && entry && msg.seq > entry.lastSeq) entry.lastSeq = msg.seq;
    // Taken out of the room (removed, banned, or given up on another device):
    // the server has unsubscribed us; rejoining would be refused. A reason
    // this client does not know is taken the same way.
    if (msg.type === 'removed' && entry) {
      this.#drop(msg.room, msg.reason === 'banned' ? { code: 'banned', message: 'you were removed from the room' }
        : msg.reason === 'left' ? { code: 'left', message: 'you left the room on another device' }
          : { code: 'not_in_room', message: 'you were removed from the room' });
    }
    if (msg.type === 'replay_done' && entry) {
      if (entry.resetTo !== undefined) { entry.lastSeq = entry.resetTo; delete entry.resetTo; }
      else if (msg.through > entry.lastSeq) entry.lastSeq = msg.through;
    }
    if (msg.type === 'joined' && entry && msg.id === undefined) {
      // The server rejoined us by itself after a room restart (docs/protocol.md).
      entry.joinedSince = entry.lastSeq;
    }
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (p) {
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'error' && msg.code === 'unknown_type' && p.type && !this.unsupported.has(p.type)) {
        this.unsupported.add(p.type);
        this.#emit('unsupported', { type: p.type });
      }
      if (msg.type === 'error') p.reject(msg); else p.resolve(msg);
      if (msg.type !== 'joined' && msg.type !== 'read_ok') return;   // also events: views redraw members, counts
    }
    this.#emit(msg.type, msg);
  }

  #nextEvent(type, match) {
    return new Promise((resolve) => {
      const on = (ev) => { if (match(ev.detail)) { this.removeEventListener(type, on); resolve(ev.detail); } };
      this.addEventListener(type, on);
    });
  }

  #setState(state, extra = {}) { this.state = state; this.#emit('state', { state, ...extra }); }
  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
