// What the page knows about one room: its lines by seq, the user's own lines
// still waiting for their ack, members, who is typing, unread count and
// history paging. No DOM here, so Node tests can load it.

/** Lines closer than this from the same sender are drawn as one group. */
export const GROUP_WINDOW_MS = 5 * 60 * 1000;
/** How long a typing notice shows after the last one arrived. */
export const TYPING_SHOW_MS = 4000;

export class RoomState {
  constructor(name) {
    this.name = name;
    /** seq -> message, each seq once: replays, history pages and live pushes may overlap. */
    this.lines = new Map();
    /** client_id -> {clientId, text, status: 'sending'|'failed', error?}: own lines not acked yet. */
    this.pending = new Map();
    this.members = new Set();
    /** Users in the room: more than members in a large room, where the server lists only the joiner. */
    this.memberCount = 0;
    /** user -> time (ms) their typing notice expires. */
    this.typing = new Map();
    this.unread = 0;
    /** null until the first history page says whether older lines exist. */
    this.hasMore = null;
    this.loadingOlder = false;
    this.joined = false;
  }

  /** Adds a line from a push or a history page; false when it was already there. */
  addLine(m) {
    if (this.lines.has(m.seq)) return false;
    this.lines.set(m.seq, { seq: m.seq, from: m.from, text: m.text, ts: m.ts, client_id: m.client_id });
    if (m.client_id !== undefined) this.pending.delete(m.client_id);
    return true;
  }

  /** Drops every line (the server's numbering no longer matches ours). */
  reset() {
    this.lines.clear();
    this.hasMore = null;
  }

  /** The user's own line, shown as sending until confirmed. */
  addPending(clientId, text) {
    this.pending.set(clientId, { clientId, text, status: 'sending' });
  }

  /** Confirms an own line by its ack: it shows as stored even before its push. */
  confirm(clientId, ack, from) {
    const p = this.pending.get(clientId);
    if (p) this.addLine({ seq: ack.seq, ts: ack.ts, from, text: p.text, client_id: clientId });
  }

  fail(clientId, error) {
    const p = this.pending.get(clientId);
    if (p) { p.status = 'failed'; p.error = error; }
  }

  /** Lines in seq order. */
  sorted() { return [...this.lines.values()].sort((a, b) => a.seq - b.seq); }

  oldestSeq() {
    let min = Infinity;
    for (const seq of this.lines.keys()) if (seq < min) min = seq;
    return min === Infinity ? undefined : min;
  }

  /** Users typing now, the user themself excluded. */
  typingNow(now, self) {
    const who = [];
    for (const [user, until] of this.typing) {
      if (until <= now) this.typing.delete(user);
      else if (user !== self) who.push(user);
    }
    return who.sort();
  }
}

/** True when `line` continues the group of `prev`: same sender, same day, close in time. */
export function continuesGroup(prev, line) {
  if (!prev || prev.from !== line.from) return false;
  if (line.ts - prev.ts > GROUP_WINDOW_MS) return false;
  return new Date(prev.ts).toDateString() === new Date(line.ts).toDateString();
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
/**
 * A user name as shown: on a server that takes tokens and guests, guests are
 * `guest:<name>` (docs/protocol.md); they show as the name with a guest mark.
 */
export function splitUser(user) {
  return typeof user === 'string' && user.startsWith('guest:')
    ? { name: user.slice('guest:'.length), guest: true }
    : { name: user, guest: false };
}

/** A user name as plain text: "alice (guest)" for guest:alice. */
export function userText(user) {
  const { name, guest } = splitUser(user);
  return guest ? `${name} (guest)` : name;
}

export function typingText(users) {
  users = users.map(userText);
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}

/** What to tell the user about a server error (docs/protocol.md codes). */
export function describeError(err) {
  const code = err?.code ?? 'unknown';
  const server = err?.message ? `: ${err.message}` : '';
  const plain = {
    text_too_long: 'Message too long',
    text_empty: 'Empty message',
    rate_limited: 'You are sending too fast; wait a moment',
    not_in_room: 'You are not in this room',
    too_many_rooms: 'You are in too many rooms; leave one first',
    unavailable: 'The server cannot store messages right now; try again',
    internal: 'The server failed; try again',
    auth_failed: 'Sign-in failed',
    guests_not_allowed: 'This server needs a token to sign in',
    invalid_field: 'Not accepted',
    frame_too_large: 'Message too large',
    offline: 'Not connected',
    timeout: 'No answer from the server',
  }[code] ?? 'Refused';
  return `${plain}${server} (${code})`;
}
