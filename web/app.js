// The page: a view over ChatClient (protocol.js) and RoomState (room_state.js).
// Text from the network is only ever set with textContent, never as markup.
import { ChatClient } from './protocol.js';
import { RoomState, continuesGroup, typingText, describeError, eventText, roomLabel, canModerate, TYPING_SHOW_MS } from './room_state.js';
import { lineItem, bubble, showUser } from './line_view.js';
import { rosterItems } from './members_view.js';
import { setUpRoomTools } from './room_tools.js';

const $ = (id) => document.getElementById(id);

/** What survives a reload: who the user is, the rooms they are in, the room in view. */
const saved = {
  get identity() { try { return JSON.parse(localStorage.getItem('chatd.identity')); } catch { return null; } },
  set identity(v) { v ? localStorage.setItem('chatd.identity', JSON.stringify(v)) : localStorage.removeItem('chatd.identity'); },
  get rooms() { try { return JSON.parse(localStorage.getItem('chatd.rooms')) ?? []; } catch { return []; } },
  set rooms(v) { localStorage.setItem('chatd.rooms', JSON.stringify(v)); },
  get current() { return localStorage.getItem('chatd.current'); },
  set current(v) { v ? localStorage.setItem('chatd.current', v) : localStorage.removeItem('chatd.current'); },
};

let client = null;
/** room name -> RoomState, in the order the user joined them. */
const rooms = new Map();
let current = null;
/** `${room}\n${seq}` -> {li, sig}: the <li> drawn for that line and what it showed, so redraws reuse nodes. */
const lineNodes = new Map();
/** The server's answer to identify: whether it has the room model (rooms, roles, read markers), and whether we are a guest. */
const server = { product: false, guest: true };
/** The line being edited or asked to be deleted: {room, seq, mode: 'edit'|'delete'}, or null. */
let lineFocus = null;

// ---- sign-in ---------------------------------------------------------------

function showSignin(error = '') {
  $('chat-screen').hidden = true;
  $('signin-screen').hidden = false;
  $('signin-error').textContent = error;
  $('name').value = localStorage.getItem('chatd.lastName') ?? '';
  $('name').focus();
}

$('use-token').addEventListener('click', () => {
  const useToken = $('token-field').hidden;
  $('token-field').hidden = !useToken;
  $('name-field').hidden = useToken;
  $('use-token').textContent = useToken ? 'Use a display name instead' : 'Use a token instead';
});

$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  const useToken = !$('token-field').hidden;
  const identity = useToken ? { token: $('token').value.trim() } : { name: $('name').value.trim() };
  if (!identity.token && !identity.name) {
    $('signin-error').textContent = useToken ? 'Paste a token.' : 'Pick a display name.';
    return;
  }
  const first = $('first-room').value.trim() || 'general';
  saved.identity = identity;
  if (identity.name) localStorage.setItem('chatd.lastName', identity.name);
  if (!saved.rooms.includes(first)) saved.rooms = [...saved.rooms, first];
  saved.current = first;
  start(identity);
});

$('signout').addEventListener('click', () => {
  client?.close();
  saved.identity = null;   // chatd.lastName stays, as a suggestion
  saved.rooms = [];
  saved.current = null;
  location.reload();
});

// ---- connection ------------------------------------------------------------

function start(identity) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  client = new ChatClient(`${scheme}://${location.host}/ws`, identity);
  client.addEventListener('state', (ev) => showState(ev.detail));
  client.addEventListener('identified', (ev) => onIdentified(ev.detail));
  client.addEventListener('fatal', (ev) => {
    const { code, message } = ev.detail;
    if (['auth_failed', 'guests_not_allowed', 'invalid_field', 'missing_field'].includes(code)) {
      saved.identity = null;
      rooms.clear();
      lineNodes.clear();
      showSignin(describeError({ code, message }));
    } else {
      showBanner(`Disconnected: ${message} (${code})`, false);
    }
  });
  client.addEventListener('joined', (ev) => onJoined(ev.detail));
  client.addEventListener('message', (ev) => onMessage(ev.detail));
  client.addEventListener('replay_done', (ev) => onReplayDone(ev.detail));
  client.addEventListener('presence', (ev) => onPresence(ev.detail));
  client.addEventListener('typing', (ev) => onTyping(ev.detail));
  client.addEventListener('event', (ev) => onEvent(ev.detail));
  client.addEventListener('read_ok', (ev) => onMarker(ev.detail));
  client.addEventListener('marker', (ev) => onMarker(ev.detail));
  client.addEventListener('removed', (ev) => onRemoved(ev.detail));
  client.addEventListener('room_added', (ev) => onRoomAdded(ev.detail));
  client.addEventListener('unsupported', () => renderTools());

  $('signin-screen').hidden = true;
  $('chat-screen').hidden = false;
  for (const name of saved.rooms) openRoom(name);
  switchTo(rooms.has(saved.current) ? saved.current : rooms.keys().next().value ?? null);
  client.connect();
}

let countdown = null;
function showState({ state, retryInMs }) {
  $('state').textContent = { idle: 'offline', connecting: 'connecting…', connected: 'connected',
    reconnecting: 'reconnecting…', offline: 'offline' }[state];
  $('state').className = `state ${state}`;
  clearInterval(countdown);
  if (state === 'connected') {
    $('banner').hidden = true;
    for (const room of rooms.values()) room.joined = false;   // until each joined arrives
  } else if (state === 'reconnecting' && retryInMs !== undefined) {
    const at = Date.now() + retryInMs;
    const tick = () => showBanner(`Connection lost. Reconnecting in ${Math.max(0, Math.ceil((at - Date.now()) / 1000))} s…`, true);
    tick();
    countdown = setInterval(tick, 1000);
  } else if (state === 'offline') {
    showBanner('Offline.', false);
  }
}

function showBanner(text, canRetry) {
  $('banner-text').textContent = text;
  $('retry-now').hidden = !canRetry;
  $('banner').hidden = false;
}
$('retry-now').addEventListener('click', () => client?.retryNow());

// ---- rooms -----------------------------------------------------------------

function openRoom(name) {
  if (!rooms.has(name)) rooms.set(name, new RoomState(name));
  saved.rooms = [...rooms.keys()];
  if (client.rooms.has(name)) return renderRooms();   // in it, or joining already
  client.join(name).catch((err) => {
    if (err?.code === 'closed' || err?.code === 'timeout') return;   // rejoined after the reconnect
    showError(`Could not join ${name}: ${describeError(err)}`);
    closeRoom(name, false);
  });
  renderRooms();
}

function closeRoom(name, tellServer = true) {
  // With the room model, leaving from the list gives the membership up, or
  // the room would come back with the next identify; but not of a direct
  // room, which nothing could give back (open_direct does not): closing one
  // only unsubscribes, and it is listed again at the next sign-in.
  const forget = server.product && rooms.get(name)?.kind !== 'direct';
  if (tellServer) client.leave(name, { forget }).catch(() => {});
  rooms.delete(name);
  for (const key of lineNodes.keys()) if (key.startsWith(`${name}\n`)) lineNodes.delete(key);   // drawn lines go with the room
  saved.rooms = [...rooms.keys()];
  if (current === name) switchTo(rooms.keys().next().value ?? null);
  renderRooms();
}

function switchTo(name) {
  current = name;
  saved.current = name;
  const room = rooms.get(name);
  lineFocus = null;
  if (room) { room.unread = 0; room.mentions = 0; }
  document.body.classList.remove('sidebar-open');
  renderHeading();
  $('composer').hidden = !name;
  markSeen();
  renderRooms();
  renderMembers();
  renderTyping();
  render({ toBottom: true });
  if (room?.joined && room.hasMore === null) loadOlder(room);
}

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('join-room').value.trim();
  if (!name) return;
  $('join-room').value = '';
  openRoom(name);
  switchTo(name);
});

function onIdentified(hello) {
  showUser($('me'), hello.user);
  server.product = Array.isArray(hello.rooms);
  server.guest = hello.guest === true;
  // The rooms the user is a member of, from any device: each shows with its
  // counts and is joined, after the rooms this page already had.
  for (const r of hello.rooms ?? []) {
    if (typeof r?.room !== 'string') continue;
    const known = rooms.get(r.room) ?? new RoomState(r.room);
    describeRoom(known, r);
    known.setCounts(r);
    if (!rooms.has(r.room)) { rooms.set(r.room, known); openRoom(r.room); }
  }
  if (current === null && rooms.size > 0) switchTo(rooms.keys().next().value);
  renderTools();
  renderHeading();
  renderRooms();
  render();
}

/** Takes what the server says of a room (identify's rooms, joined, a room reply): kind, topic, role. */
function describeRoom(room, r) {
  if (typeof r.kind === 'string') room.kind = r.kind;
  if (typeof r.topic === 'string') room.topic = r.topic;
  if (typeof r.role === 'string') room.role = r.role;
  if (Array.isArray(r.members) && r.members.length && typeof r.members[0] === 'object') {
    room.roles = new Map(r.members.map((m) => [m.user, m]));
  }
}

function onJoined(j) {
  const room = rooms.get(j.room);
  if (!room) return;
  room.joined = true;
  room.members = new Set(j.members);
  room.memberCount = j.member_count ?? j.members.length;
  describeRoom(room, { kind: j.kind, topic: j.topic, role: j.role });
  room.setCounts(j);
  if (typeof j.kind === 'string' && !server.product) { server.product = true; renderTools(); }   // a server with the room model
  if (j.room === current) { renderMembers(); renderHeading(); markSeen(); }
  if (room.hasMore === null && j.room === current) loadOlder(room);
  loadRoster(room);
  renderRooms();
  render();
}

/** Asks the server for the room's members and roles (once at a time; quietly nothing on an older server). */
async function loadRoster(room) {
  if (!server.product || !client.supports('members')) return;
  if (room.rosterLoading) { room.rosterAgain = true; return; }
  room.rosterLoading = true;
  try {
    const reply = await client.members(room.name);
    room.roles = new Map(reply.members.map((m) => [m.user, m]));
    const mine = room.roles.get(client.user);
    if (mine) room.role = mine.role;
  } catch (err) {
    if (!['closed', 'offline', 'unknown_type', 'not_in_room', 'timeout'].includes(err?.code)) showError(describeError(err));
  } finally {
    room.rosterLoading = false;
  }
  if (room.rosterAgain) { room.rosterAgain = false; return loadRoster(room); }
  if (room.name === current) { renderMembers(); renderHeading(); render(); }
  renderRooms();
}

/** True when the user sees the room `name` now: in view, and the page not hidden. */
const inSight = (name) => name === current && !document.hidden;

/** Moves the read marker to the newest seq of the room in view. */
function markSeen() {
  const room = rooms.get(current);
  if (!room || document.hidden || !client?.connected || !server.product) return;
  const seq = Math.max(client.lastSeq(room.name), room.newestSeq());
  if (seq > room.readSeq) client.markRead(room.name, seq).catch(() => {});
}

function onMessage(m) {
  const room = rooms.get(m.room);
  if (!room || !room.addLine(m, true)) return;
  if (room.countIncoming(m, client.user, inSight(m.room))) renderRooms();
  if (room.typing.delete(m.from)) renderTyping();
  if (m.room === current) { render(); markSeen(); }
}

function onEvent(e) {
  const room = rooms.get(e.room);
  if (!room || !room.addLine(e, true)) return;
  if (e.kind === 'member') {
    if (e.user === client.user && e.role && (e.action === 'role' || e.action === 'join' || e.action === 'invite')) room.role = e.role;
    loadRoster(room);
  }
  if (e.kind === 'topic' && e.room === current) renderHeading();
  if (e.kind === 'topic') renderRooms();
  if (e.room === current) { render(); markSeen(); }
}

/** read_ok (this page read) or marker (another device did): the server's counts. */
function onMarker(m) {
  const room = rooms.get(m.room);
  if (!room) return;
  room.setCounts(m);
  if (inSight(m.room)) { room.unread = 0; room.mentions = 0; }
  renderRooms();
}

function onRemoved(r) {
  const room = rooms.get(r.room);
  if (!room) return;
  const label = roomLabel(room, client.user);
  closeRoom(r.room, false);
  // A reason this page does not know reads as a removal: the room goes from the list all the same.
  showNotice(r.reason === 'banned' ? `You were banned from ${label}.`
    : r.reason === 'left' ? `You left ${label} on another device.` : `You were removed from ${label}.`);
}

/** Someone added the user to a room (an invite, a direct message, the app): it is listed and joined at once. */
function onRoomAdded(r) {
  if (typeof r?.room !== 'string' || rooms.has(r.room)) return;
  const room = new RoomState(r.room);
  describeRoom(room, r);
  // A direct room is labelled by its other users: the one who opened it, until the member list comes.
  if (room.kind === 'direct' && typeof r.by === 'string') room.roles.set(r.by, { user: r.by, role: 'member' });
  rooms.set(r.room, room);
  openRoom(r.room);
  if (r.by !== client.user) {
    const by = r.by === 'system' ? 'The app' : r.by;
    showNotice(room.kind === 'direct' ? `${by} started a conversation with you.` : `${by} added you to ${roomLabel(room, client.user)}.`);
  }
}

function onReplayDone(r) {
  const room = rooms.get(r.room);
  if (!room || r.complete) return;
  // A gap the replay did not cover (or a server whose numbering is not ours):
  // start again from the newest page.
  room.reset();
  if (r.room === current) { render({ toBottom: true }); loadOlder(room); }
}

function onPresence(p) {
  const room = rooms.get(p.room);
  if (!room) return;
  if (p.event === 'join') room.members.add(p.user); else room.members.delete(p.user);
  room.memberCount = Math.max(room.members.size, (room.memberCount ?? 0) + (p.event === 'join' ? 1 : -1));
  if (p.room === current) renderMembers();
}

function onTyping(t) {
  const room = rooms.get(t.room);
  if (!room) return;
  room.typing.set(t.user, Date.now() + TYPING_SHOW_MS);
  if (t.room === current) renderTyping();
}
setInterval(renderTyping, 1000);   // expires typing notices

document.addEventListener('visibilitychange', () => {
  const room = rooms.get(current);
  if (document.hidden || !room) return;
  markSeen();
  if (room.unread || room.mentions) { room.unread = 0; room.mentions = 0; renderRooms(); }
});

// ---- history paging --------------------------------------------------------

async function loadOlder(room) {
  if (room.loadingOlder || room.hasMore === false || !client.connected) return;
  room.loadingOlder = true;
  renderHistoryStatus();
  try {
    const page = await client.history(room.name, room.oldestSeq());
    for (const m of page.messages) room.addLine(m);
    room.hasMore = page.has_more;
  } catch (err) {
    if (err?.code !== 'closed') showError(describeError(err));
  } finally {
    room.loadingOlder = false;
  }
  if (room.name !== current) return;
  render({ keepAnchor: true });
  // Fill the screen, so there is something to scroll.
  const box = $('messages');
  if (room.hasMore && box.scrollHeight <= box.clientHeight) loadOlder(room);
}

$('messages').addEventListener('scroll', () => {
  const room = rooms.get(current);
  if (room && $('messages').scrollTop < 80) loadOlder(room);
});

// ---- sending ---------------------------------------------------------------

function submit(text, clientId = client.newClientId()) {
  const room = rooms.get(current);
  if (!room) return;
  if (!room.pending.has(clientId)) room.addPending(clientId, text);
  else room.pending.get(clientId).status = 'sending';
  render({ toBottom: true });
  client.send(room.name, text, clientId).then(
    (ack) => { room.confirm(clientId, ack, client.user); $('error').textContent = ''; render(); },
    (err) => {
      if (err?.code === 'left') return;
      room.fail(clientId, err);
      showError(`Not sent. ${describeError(err)}`);
      render();
    });
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim()) return;
  $('text').value = '';
  autosize();
  submit(text);
});

$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
  }
});
$('text').addEventListener('input', () => {
  autosize();
  if (current && $('text').value) client?.typing(current);
});
function autosize() {
  const t = $('text');
  t.style.height = 'auto';
  t.style.height = `${Math.min(t.scrollHeight, 160)}px`;
}

let errorTimer = null;
function showError(text) {
  $('error').textContent = text;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { $('error').textContent = ''; }, 10000);
}

let noticeTimer = null;
function showNotice(text) {
  $('notice').textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $('notice').textContent = ''; }, 15000);
}

// ---- rooms, members and roles ----------------------------------------------

const tools = setUpRoomTools({
  get client() { return client; },
  get room() { return rooms.get(current); },
  server,
  showError,
  showNotice,
  /** A room reply (create_room, open_direct): the room is added, joined and shown. */
  enterRoom(reply) {
    const room = rooms.get(reply.room) ?? new RoomState(reply.room);
    describeRoom(room, reply);
    rooms.set(reply.room, room);
    openRoom(reply.room);
    switchTo(reply.room);
  },
});
const { attempt, moderate, renderTools } = tools;

/** The title and topic of the room in view. */
function renderHeading() {
  const room = rooms.get(current);
  const label = room ? roomLabel(room, client?.user) : '';
  const mark = { private: '🔒', direct: '@' }[room?.kind] ?? '#';
  $('room-title').textContent = room ? `${mark} ${label}` : 'No room';
  $('room-topic').textContent = room?.kind !== 'private' ? room?.topic ?? '' : '';
  $('text').placeholder = room ? `Message ${mark === '#' ? '#' : ''}${label}` : '';
  if (document.activeElement !== $('topic')) $('topic').value = room?.topic ?? '';
  renderTools();
}

// ---- drawing ---------------------------------------------------------------

$('menu').addEventListener('click', () => {
  const open = document.body.classList.toggle('sidebar-open');
  $('menu').setAttribute('aria-expanded', String(open));
});

function renderRooms() {
  let total = 0;
  $('rooms').replaceChildren(...[...rooms.values()].map((room) => {
    total += room.unread;
    const li = document.createElement('li');
    li.className = room.name === current ? 'room active' : 'room';
    li.dataset.room = room.name;
    li.dataset.kind = room.kind ?? 'public';
    const label = roomLabel(room, client?.user);
    const open = document.createElement('button');
    open.className = 'room-name';
    const mark = { private: '🔒', direct: '@' }[room.kind] ?? '#';
    open.textContent = `${mark} ${label}`;
    open.setAttribute('aria-label', `${label}, ${room.kind === 'direct' ? 'direct message' : `${room.kind ?? 'public'} room`}`);
    open.addEventListener('click', () => switchTo(room.name));
    li.append(open);
    if (room.mentions > 0) {
      const badge = document.createElement('span');
      badge.className = 'mentions';
      badge.textContent = `@${room.mentions > 99 ? '99+' : room.mentions}`;
      badge.setAttribute('aria-label', `${room.mentions} mentioning you`);
      li.append(badge);
    }
    if (room.unread > 0) {
      const badge = document.createElement('span');
      badge.className = 'unread';
      badge.textContent = room.unread > 99 ? '99+' : String(room.unread);
      badge.setAttribute('aria-label', `${room.unread} unread`);
      li.append(badge);
    }
    const leave = document.createElement('button');
    leave.className = 'leave icon';
    leave.textContent = '×';
    leave.title = `Leave ${label}`;
    leave.setAttribute('aria-label', `Leave ${label}`);
    leave.addEventListener('click', () => closeRoom(room.name));
    li.append(leave);
    return li;
  }));
  document.title = total > 0 ? `(${total}) chatd` : 'chatd';
}

function renderMembers() {
  const room = rooms.get(current);
  const members = room ? [...room.members].sort((a, b) => a.localeCompare(b)) : [];
  const count = Math.max(room?.memberCount ?? 0, members.length);
  $('member-count').textContent = room ? `(${count})` : '';
  $('members').replaceChildren(...members.map((m) => {
    const li = document.createElement('li');
    showUser(li, m);
    const role = room.roles.get(m)?.role;
    if (role === 'owner' || role === 'admin') {
      const badge = document.createElement('span');
      badge.className = 'badge role';
      badge.textContent = role;
      li.append(' ', badge);
    }
    if (m === client?.user) li.classList.add('self');
    return li;
  }));
  const roster = room ? rosterItems(room, { self: client?.user, present: room.members, act: moderate }) : [];
  $('roster').replaceChildren(...roster);
  $('roster-count').textContent = room ? `(${roster.length})` : '';
  if (room && count > members.length) {
    const li = document.createElement('li');
    li.className = 'others muted';
    li.textContent = `and ${count - members.length} more (a large room: arrivals are not shown)`;
    $('members').append(li);
  }
}

function renderTyping() {
  const room = rooms.get(current);
  $('typing').textContent = room ? typingText(room.typingNow(Date.now(), client?.user)) : '';
}

function renderHistoryStatus() {
  const room = rooms.get(current);
  let status = '';
  if (room?.loadingOlder) status = 'Loading older messages…';
  else if (room?.hasMore === false) status = `This is the beginning of #${room.name}.`;
  $('history-status').textContent = status;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

function dayLabel(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86400000);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return dayFormat.format(d);
}

/** The <li> of a stored line, rebuilt only when what it shows changed. */
function lineNode(room, line) {
  const key = `${room.name}\n${line.seq}`;
  const mine = line.from === client?.user;
  const moderator = room.role === 'owner' || room.role === 'admin';
  const focus = lineFocus?.room === room.name && lineFocus.seq === line.seq ? lineFocus.mode : '';
  const product = server.product;
  const view = {
    self: client?.user,
    canEdit: product && mine && client.supports('edit'),
    canDelete: product && (mine || (moderator && room.roles.get(line.from)?.role !== 'owner')) && client.supports('delete'),
    canReact: product && client.supports('react') && (room.role !== null || room.kind === 'public'),
    editing: focus === 'edit',
    confirmingDelete: focus === 'delete',
  };
  const sig = `${line.version}|${view.canEdit}|${view.canDelete}|${view.canReact}|${focus}`;
  const drawn = lineNodes.get(key);
  if (drawn?.sig === sig) return drawn.li;
  const at = (mode) => () => { lineFocus = mode ? { room: room.name, seq: line.seq, mode } : null; render(); };
  Object.assign(view, {
    startEdit: at('edit'),
    askDelete: at('delete'),
    cancel: at(null),
    saveEdit: (text) => {
      at(null)();
      if (text.trim() && text !== line.text) attempt('Not edited', () => client.edit(room.name, line.seq, text));
    },
    confirmDelete: () => { at(null)(); attempt('Not deleted', () => client.deleteLine(room.name, line.seq)); },
    toggleReaction: (emoji, add) => {
      const has = line.reactions.get(emoji)?.has(client.user);
      if (has && add) return;
      attempt('Reaction not saved', () => (has ? client.unreact : client.react).call(client, room.name, line.seq, emoji));
    },
  });
  const li = lineItem(line, view);
  lineNodes.set(key, { li, sig });
  return li;
}

/** A membership or topic change, as a small line of its own; a ban offers owners and admins to lift it. */
function eventNode(room, e) {
  const key = `${room.name}\n${e.seq}`;
  const unban = e.kind === 'member' && e.action === 'ban' && canModerate(room.role, undefined, room.kind) && client.supports('unban');
  const sig = `event|${unban}`;
  const drawn = lineNodes.get(key);
  if (drawn?.sig === sig) return drawn.li;
  const li = document.createElement('li');
  li.className = 'event';
  li.dataset.seq = String(e.seq);
  li.dataset.kind = e.kind;
  li.textContent = eventText(e);
  if (unban) {
    const lift = document.createElement('button');
    lift.type = 'button';
    lift.className = 'link';
    lift.textContent = 'Unban';
    lift.setAttribute('aria-label', `Unban ${e.user}`);
    lift.addEventListener('click', () => moderate('unban', e.user));
    li.append(' ', lift);
  }
  lineNodes.set(key, { li, sig });
  return li;
}

function pendingNode(p) {
  const status = document.createElement('span');
  status.className = 'status';
  status.textContent = p.status === 'failed' ? 'not sent' : 'sending…';
  const li = bubble(`line mine ${p.status}`, client.user ?? '', status, p.text);
  li.dataset.clientId = p.clientId;
  if (p.status === 'failed') {
    const actions = document.createElement('div');
    actions.className = 'actions';
    const retry = document.createElement('button');
    retry.textContent = 'Retry';
    retry.className = 'retry';
    retry.addEventListener('click', () => submit(p.text, p.clientId));
    const discard = document.createElement('button');
    discard.textContent = 'Discard';
    discard.className = 'link';
    discard.addEventListener('click', () => { rooms.get(current)?.pending.delete(p.clientId); render(); });
    actions.append(retry, discard);
    li.append(actions);
  }
  return li;
}

let frame = 0;
let wantBottom = false;
let wantAnchor = false;
/** Redraws the room in view on the next frame; bursts of pushes draw once. */
function render({ toBottom = false, keepAnchor = false } = {}) {
  wantBottom ||= toBottom;
  wantAnchor ||= keepAnchor;
  if (!frame) frame = requestAnimationFrame(drawLines);
}

function drawLines() {
  frame = 0;
  const box = $('messages');
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const fromBottom = box.scrollHeight - box.scrollTop;
  const room = rooms.get(current);
  const nodes = [];
  if (room) {
    let prev = null;
    for (const line of room.visible()) {
      if (!prev || new Date(prev.ts).toDateString() !== new Date(line.ts).toDateString()) {
        const day = document.createElement('li');
        day.className = 'day';
        day.textContent = dayLabel(line.ts);
        nodes.push(day);
      }
      if (line.kind !== 'line') {
        nodes.push(eventNode(room, line));
        prev = line;
        continue;
      }
      const li = lineNode(room, line);
      li.classList.toggle('mine', line.from === client?.user);
      li.classList.toggle('continued', prev?.kind === 'line' && continuesGroup(prev, line));
      nodes.push(li);
      prev = line;
    }
    for (const p of room.pending.values()) nodes.push(pendingNode(p));
  }
  $('lines').replaceChildren(...nodes);
  renderHistoryStatus();
  if (wantAnchor && !wantBottom && !nearBottom) box.scrollTop = box.scrollHeight - fromBottom;
  else if (wantBottom || nearBottom) box.scrollTop = box.scrollHeight;
  wantBottom = wantAnchor = false;
}

// ---- start -----------------------------------------------------------------

const identity = saved.identity;
if (identity && (identity.name || identity.token) && saved.rooms.length > 0) start(identity);
else showSignin();
