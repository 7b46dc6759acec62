// chatd's wire protocol for JavaScript (browser or Node 20+ with a WebSocket
// implementation): requests with ids, replies matched by id, pushes as events,
// reconnect with backoff and resume each room from the last seq seen.
// See docs/protocol.md.

export class ChatClient extends EventTarget {
  /** @param {string} url ws://host/ws  @param {{name?: string, token?: string}} who */
  constructor(url, who, WebSocketImpl = globalThis.WebSocket) {
    super();
    this.url = url;
    this.who = who;
    this.WebSocketImpl = WebSocketImpl;
    this.nextId = 1;
    this.pending = new Map();   // id -> {resolve, reject}
    this.rooms = new Map();     // room -> last seq seen
    this.state = 'offline';
    this.attempt = 0;
    this.closedByUser = false;
  }

  connect() {
    this.closedByUser = false;
    this.#setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    ws.onopen = async () => {
      this.attempt = 0;
      try {
        const hello = this.who.token ? { token: this.who.token } : { name: this.who.name };
        this.user = (await this.request('identify', hello)).user;
        this.#setState('connected');
        for (const [room, since] of this.rooms) await this.request('join', since ? { room, since } : { room });
      } catch (e) {
        this.#emit('error', e);
      }
    };
    ws.onmessage = (ev) => this.#receive(JSON.parse(ev.data));
    ws.onclose = (ev) => {
      for (const p of this.pending.values()) p.reject(new Error('connection closed'));
      this.pending.clear();
      this.#emit('closed', { code: ev.code, reason: ev.reason });
      if (this.closedByUser || [1003, 1007, 1008].includes(ev.code)) return this.#setState('offline');
      // Exponential backoff with jitter, capped at 30 s.
      const delay = Math.min(30000, 500 * 2 ** this.attempt++) * (0.5 + Math.random());
      this.#setState('reconnecting');
      setTimeout(() => this.connect(), delay);
    };
  }

  close() { this.closedByUser = true; this.ws?.close(1000); }

  /** Sends a request; resolves with its reply, rejects with {code, message}. */
  request(type, fields = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type, id, ...fields }));
    });
  }

  join(room) { this.rooms.set(room, this.rooms.get(room) ?? 0); return this.request('join', { room }); }
  leave(room) { this.rooms.delete(room); return this.request('leave', { room }); }
  history(room, before) { return this.request('history', before ? { room, before } : { room }); }
  typing(room) { this.ws?.send(JSON.stringify({ type: 'typing', room })); }
  /** Resolves with the ack once the line is on disk; resend with the same clientId after a failure. */
  send(room, text, clientId = crypto.randomUUID()) {
    return this.request('send', { room, text, client_id: clientId });
  }

  #receive(msg) {
    if (msg.type === 'message' && msg.seq > (this.rooms.get(msg.room) ?? 0)) this.rooms.set(msg.room, msg.seq);
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (p) {
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(msg); else p.resolve(msg);
      if (msg.type !== 'joined') return;
    }
    this.#emit(msg.type, msg);
  }

  #setState(s) { this.state = s; this.#emit('state', { state: s }); }
  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
