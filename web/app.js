// The page: a view over ChatClient. Text from the network is only ever set
// with textContent, never as markup.
import { ChatClient } from './protocol.js';

const $ = (id) => document.getElementById(id);
let client, room;
const members = new Set();

$('name').value = localStorage.getItem('chatd.name') ?? '';

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  localStorage.setItem('chatd.name', $('name').value.trim());
  room = $('room').value;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  client = new ChatClient(`${scheme}://${location.host}/ws`, { name: $('name').value.trim() });
  client.addEventListener('state', (ev) => {
    $('state').textContent = ev.detail.state;
    $('state').className = `state ${ev.detail.state}`;
  });
  client.addEventListener('message', (ev) => show(ev.detail));
  client.addEventListener('joined', (ev) => { members.clear(); ev.detail.members.forEach((m) => members.add(m)); drawMembers(); });
  client.addEventListener('presence', (ev) => {
    if (ev.detail.event === 'join') members.add(ev.detail.user); else members.delete(ev.detail.user);
    drawMembers();
  });
  client.addEventListener('typing', (ev) => {
    $('typing').textContent = `${ev.detail.user} is typing…`;
    clearTimeout(show.typingTimer);
    show.typingTimer = setTimeout(() => { $('typing').textContent = ''; }, 3000);
  });
  client.addEventListener('state', async (ev) => {
    if (ev.detail.state !== 'connected' || client.rooms.has(room)) return;
    try {
      await client.join(room);
      const h = await client.history(room);
      h.messages.forEach((m) => show({ ...m, room }));
    } catch (err) { $('error').textContent = err.message ?? err.code; }
  });
  client.connect();
  $('signin').hidden = true;
  $('chat').hidden = false;
  $('room-title').textContent = `# ${room}`;
});

const seen = new Set();
function show(m) {
  if (m.room !== room || seen.has(m.seq)) return;   // never doubled, whatever the replay overlaps
  seen.add(m.seq);
  const pending = document.querySelector(`[data-client-id="${CSS.escape(m.client_id)}"]`);
  const li = pending ?? document.createElement('li');
  li.dataset.seq = m.seq;
  li.classList.remove('sending', 'failed');
  li.classList.toggle('mine', m.from === client.user);
  li.replaceChildren(line(m.from, m.text, new Date(m.ts)));
  const after = [...$('messages').children].find((x) => Number(x.dataset.seq) > m.seq);
  if (!pending) $('messages').insertBefore(li, after ?? null);
  li.scrollIntoView({ block: 'end' });
}

function line(from, text, when) {
  const frag = document.createDocumentFragment();
  const who = document.createElement('b'); who.textContent = from;
  const time = document.createElement('time'); time.textContent = when ? when.toLocaleTimeString() : 'sending…';
  const body = document.createElement('div'); body.textContent = text;
  frag.append(who, ' ', time, body);
  return frag;
}

function drawMembers() {
  $('members').replaceChildren(...[...members].sort().map((m) => {
    const li = document.createElement('li'); li.textContent = m; return li;
  }));
}

async function submit(text, clientId = crypto.randomUUID()) {
  const li = document.createElement('li');
  li.className = 'mine sending';
  li.dataset.clientId = clientId;
  li.replaceChildren(line(client.user, text, null));
  $('messages').append(li);
  try {
    await client.send(room, text, clientId);
    $('error').textContent = '';
  } catch (err) {
    li.classList.replace('sending', 'failed');
    li.title = 'not sent: click to retry';
    li.onclick = () => { li.remove(); submit(text, clientId); };
    $('error').textContent = err.message ?? `${err.code}`;
  }
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim()) return;
  $('text').value = '';
  submit(text);
});
$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('composer').requestSubmit(); }
  else client?.typing(room);
});
