// What the page knows about one room: its log by seq (lines, and the events
// that change them or the room), the user's own lines still waiting for
// their ack, members and their roles, who is typing, unread and mention
// counts and history paging. No DOM here, so Node tests can load it.

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
    /** 'public' | 'private' | 'direct'; null until the server says (an older server never does). */
    this.kind = null;
    this.topic = '';
    /** The user's own role here ('owner' | 'admin' | 'member'), null when unknown or none. */
    this.role = null;
    /** user -> {user, role, muted, muted_until?}: the room's members, from `members` and `room` replies. */
    this.roles = new Map();
    this.mentions = 0;
    /** The user's read marker, as the server last said. */
    this.readSeq = 0;
    /** The newest seq the server's unread count covers; lines after it are counted here. */
    this.countedThrough = 0;
    /** False when the server gives no counts (an older one): unread then counts lines arriving out of view. */
    this.serverCounts = false;
  }

  /**
   * Adds a line or another event of the log, from history or a replay
   * (`live` false: lines there are as they are now, so the edits, deletions
   * and reactions before them are not applied again) or from a push (`live`
   * true: they are applied to the line they target). False when that seq
   * was already there.
   */
  addLine(m, live = false) {
    if (this.lines.has(m.seq)) return false;
    const kind = m.kind ?? 'line';
    if (kind === 'line') {
      this.lines.set(m.seq, {
        seq: m.seq, kind, from: m.from, text: m.text, ts: m.ts, client_id: m.client_id,
        edited: m.edited === true, deleted: m.deleted === true, reactions: reactionMap(m.reactions), version: 0,
      });
    } else {
      const e = { seq: m.seq, kind, from: m.from, ts: m.ts, client_id: m.client_id };
      for (const k of ['target', 'text', 'user', 'action', 'role', 'until']) if (m[k] !== undefined) e[k] = m[k];
      this.lines.set(m.seq, e);
      if (live) this.#apply(e);
      if (kind === 'topic') this.topic = e.text ?? '';
    }
    if (m.client_id !== undefined && m.from !== undefined) this.pending.delete(m.client_id);
    return true;
  }

  /** An edit, delete or reaction applied to the line it targets. */
  #apply(e) {
    const line = this.lines.get(e.target);
    if (!line || line.kind !== 'line') return;
    if (e.kind === 'edit' && !line.deleted) { line.text = e.text ?? ''; line.edited = true; }
    else if (e.kind === 'delete') { line.text = ''; line.deleted = true; line.reactions.clear(); }
    else if ((e.kind === 'react' || e.kind === 'unreact') && !line.deleted && e.text) {
      const users = line.reactions.get(e.text) ?? new Set();
      if (e.kind === 'react') users.add(e.from); else users.delete(e.from);
      if (users.size > 0) line.reactions.set(e.text, users); else line.reactions.delete(e.text);
    } else return;
    line.version++;
  }

  /** What the page draws, in seq order: lines, and membership and topic changes. */
  visible() { return this.sorted().filter((e) => e.kind === 'line' || e.kind === 'member' || e.kind === 'topic'); }

  /** The server's counts (identify's rooms, joined, read_ok, marker): they replace the page's own. */
  setCounts({ read, seq, unread, mentions, last_seq: lastSeq }) {
    if (typeof unread !== 'number') return;
    this.serverCounts = true;
    this.unread = unread;
    this.mentions = typeof mentions === 'number' ? mentions : 0;
    const marker = read ?? seq;
    if (typeof marker === 'number') this.readSeq = Math.max(this.readSeq, marker);
    if (typeof lastSeq === 'number') this.countedThrough = Math.max(this.countedThrough, lastSeq);
    this.countedThrough = Math.max(this.countedThrough, this.readSeq);
  }

  /**
   * Counts a line that arrived from the server, once: a line from someone
   * else, after what the server's count covers and the marker, not read in
   * view (`seen`). True when the counts changed.
   */
  countIncoming(m, self, seen) {
    if (this.serverCounts) {
      if (m.seq <= this.countedThrough) return false;
      this.countedThrough = m.seq;
    }
    if (seen || m.from === self || m.deleted) return false;
    this.unread++;
    if (mentionsUser(m.text, self)) this.mentions++;
    return true;
  }

  /** The members with roles, owners first, then admins, then by name. */
  sortedMembers() {
    const rank = { owner: 0, admin: 1, member: 2 };
    return [...this.roles.values()].sort((a, b) => (rank[a.role] ?? 3) - (rank[b.role] ?? 3) || a.user.localeCompare(b.user));
  }

  /** The newest seq held (0 when none). */
  newestSeq() {
    let max = 0;
    for (const seq of this.lines.keys()) if (seq > max) max = seq;
    return max;
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

  /** Log entries in seq order. */
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

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
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
    not_found: 'Not found',
    forbidden: 'Your role here does not allow that',
    banned: 'You are banned from this room',
    muted: 'You are muted in this room',
    room_exists: 'A room with that name exists already',
    unknown_type: 'This server does not offer that',
  }[code] ?? 'Refused';
  return `${plain}${server} (${code})`;
}

/** reactions:[{emoji, users}] of the wire as emoji -> Set of users. */
function reactionMap(list) {
  const map = new Map();
  if (Array.isArray(list)) for (const r of list) if (r?.emoji && Array.isArray(r.users) && r.users.length) map.set(r.emoji, new Set(r.users));
  return map;
}

/**
 * True when `text` mentions `user` as the server counts it: `@` and the user
 * id, then the end or a character that is not a letter, digit, _, . or -.
 */
export function mentionsUser(text, user) {
  if (typeof text !== 'string' || !user) return false;
  const needle = `@${user}`;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    const next = text[i + needle.length];
    if (next === undefined || !/[A-Za-z0-9_.-]/.test(next)) return true;
  }
  return false;
}

/** What a membership or topic event says, as one plain sentence ("alice invited bob"). */
export function eventText(e) {
  const who = userText(e.from);
  const whom = userText(e.user);
  if (e.kind === 'topic') return e.text ? `${who} set the topic to “${e.text}”` : `${who} cleared the topic`;
  if (e.kind !== 'member') return '';
  const until = e.until ? ` until ${new Date(e.until).toLocaleString()}` : '';
  switch (e.action) {
    case 'join': return `${whom} joined`;
    case 'leave': return `${whom} left`;
    case 'invite': return `${who} invited ${whom}`;
    case 'remove': return `${who} removed ${whom}`;
    case 'ban': return `${who} banned ${whom}${until}`;
    case 'unban': return `${who} unbanned ${whom}`;
    case 'mute': return `${who} muted ${whom}${until}`;
    case 'unmute': return `${who} unmuted ${whom}`;
    case 'role': return `${who} made ${whom} ${e.role === 'admin' ? 'an admin' : e.role === 'owner' ? 'the owner' : 'a member'}`;
    default: return `${who}: ${e.action} ${whom}`;
  }
}

/** Whether a user with role `mine` may remove, ban or mute one with role `theirs` in a room of `kind` (room_policy's rule). */
export function canModerate(mine, theirs, kind) {
  if (kind === 'direct' || !(mine === 'owner' || mine === 'admin')) return false;
  if (theirs === undefined) return true;
  return mine === 'owner' ? theirs !== 'owner' : theirs === 'member';
}

/** The room as the list and title show it: a public room by name, a private one by its topic, a direct one by the others in it. */
export function roomLabel(room, self) {
  if (room.kind === 'direct') {
    const others = [...room.roles.keys()].filter((u) => u !== self).sort().map(userText);
    if (others.length) return others.join(', ');
  }
  if (room.kind === 'private' && room.topic) return room.topic;
  return room.name;
}
