// The page: a view over ChatClient (protocol.js) and RoomState (room_state.js).
// Text from the network is only ever set with textContent, never as markup.
import { ChatClient } from './protocol.js';
import { RoomState, continuesGroup, typingText, describeError, splitUser, TYPING_SHOW_MS } from './room_state.js';

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
/** `${room}\n${seq}` -> the <li> drawn for that line, so redraws reuse nodes. */
const lineNodes = new Map();

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
  client.addEventListener('identified', (ev) => { showUser($('me'), ev.detail.user); render(); });
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
  client.join(name).catch((err) => {
    if (err?.code === 'closed' || err?.code === 'timeout') return;   // rejoined after the reconnect
    showError(`Could not join ${name}: ${describeError(err)}`);
    closeRoom(name, false);
  });
  renderRooms();
}

function closeRoom(name, tellServer = true) {
  if (tellServer) client.leave(name).catch(() => {});
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
  if (room) room.unread = 0;
  document.body.classList.remove('sidebar-open');
  $('room-title').textContent = name ? `# ${name}` : 'No room';
  $('composer').hidden = !name;
  $('text').placeholder = name ? `Message #${name}` : '';
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

function onJoined(j) {
  const room = rooms.get(j.room);
  if (!room) return;
  room.joined = true;
  room.members = new Set(j.members);
  room.memberCount = j.member_count ?? j.members.length;
  if (j.room === current) renderMembers();
  if (room.hasMore === null && j.room === current) loadOlder(room);
  render();
}

function onMessage(m) {
  const room = rooms.get(m.room);
  if (!room || !room.addLine(m)) return;
  if ((m.room !== current || document.hidden) && m.from !== client.user) {
    room.unread++;
    renderRooms();
  }
  if (room.typing.delete(m.from)) renderTyping();
  if (m.room === current) render();
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
  if (!document.hidden && room?.unread) { room.unread = 0; renderRooms(); }
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
    const open = document.createElement('button');
    open.className = 'room-name';
    open.textContent = `# ${room.name}`;
    open.addEventListener('click', () => switchTo(room.name));
    li.append(open);
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
    leave.title = `Leave ${room.name}`;
    leave.setAttribute('aria-label', `Leave ${room.name}`);
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
    if (m === client?.user) li.classList.add('self');
    return li;
  }));
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

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

function dayLabel(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86400000);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return dayFormat.format(d);
}

/** Shows a user name in `el`: a guest (`guest:<name>`) as the name and a "guest" mark. */
function showUser(el, user) {
  const { name, guest } = splitUser(user);
  el.textContent = name;
  if (!guest) return;
  const mark = document.createElement('span');
  mark.className = 'guest-mark';
  mark.textContent = 'guest';
  el.append(' ', mark);
}

/** A line's <li>: sender, then `stamp` (its time or its sending status), then the text. */
function bubble(className, fromText, stamp, bodyText) {
  const li = document.createElement('li');
  li.className = className;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const from = document.createElement('span');
  from.className = 'from';
  showUser(from, fromText);
  meta.append(from, stamp);
  const text = document.createElement('div');
  text.className = 'text';
  text.textContent = bodyText;
  li.append(meta, text);
  return li;
}

function lineNode(room, line) {
  const key = `${room}\n${line.seq}`;
  let li = lineNodes.get(key);
  if (li) return li;
  const time = document.createElement('time');
  time.dateTime = new Date(line.ts).toISOString();
  time.title = new Date(line.ts).toLocaleString();
  time.textContent = timeFormat.format(line.ts);
  li = bubble('line', line.from, time, line.text);
  li.dataset.seq = String(line.seq);
  lineNodes.set(key, li);
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
    for (const line of room.sorted()) {
      if (!prev || new Date(prev.ts).toDateString() !== new Date(line.ts).toDateString()) {
        const day = document.createElement('li');
        day.className = 'day';
        day.textContent = dayLabel(line.ts);
        nodes.push(day);
      }
      const li = lineNode(room.name, line);
      li.classList.toggle('mine', line.from === client?.user);
      li.classList.toggle('continued', continuesGroup(prev, line));
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
