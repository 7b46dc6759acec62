// The room's members with their roles, and for owners and admins the
// buttons to remove, ban, mute and (owners) promote them. The buttons only
// show what room_policy allows; the server decides again.
import { canModerate } from './room_state.js';
import { showUser } from './line_view.js';

/** How long a ban or mute lasts: the choices offered, in ms (0: no end). */
export const DURATIONS = [['for ever', 0], ['1 hour', 3600_000], ['1 day', 86400_000], ['1 week', 7 * 86400_000]];

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * The <li>s of a room's members. `view` is {self, present: Set of users
 * in the room now, act(action, user, extra)} where action is one of
 * remove, ban, mute, unmute, set_role.
 */
export function rosterItems(room, view) {
  const members = room.sortedMembers();
  const listed = new Set(members.map((m) => m.user));
  // In a public room people take part without being members: those here
  // now follow the members, with no role (a moderator may still ban or
  // mute them).
  const readers = room.kind !== 'public' ? []
    : [...view.present].filter((u) => !listed.has(u)).sort().map((user) => ({ user, role: null, reader: true }));
  return [...members, ...readers].map((m) => {
    const li = document.createElement('li');
    li.className = view.present.has(m.user) ? 'member online' : 'member';
    li.dataset.user = m.user;
    const name = document.createElement('span');
    name.className = 'name';
    showUser(name, m.user);
    li.append(name);
    if (m.role && m.role !== 'member') li.append(badge(m.role, 'role'));
    if (m.muted) li.append(badge('muted', 'muted-mark', m.muted_until ? `muted until ${new Date(m.muted_until).toLocaleString()}` : 'muted'));
    if (m.user === view.self) li.classList.add('self');
    else if (canModerate(room.role, m.role ?? 'member', room.kind)) li.append(actions(room, m, view));
    return li;
  });
}

function badge(text, className, title) {
  const b = document.createElement('span');
  b.className = `badge ${className}`;
  b.textContent = text;
  if (title) b.title = title;
  return b;
}

function actions(room, m, view) {
  const box = document.createElement('details');
  box.className = 'member-actions';
  const summary = document.createElement('summary');
  summary.textContent = '⋯';
  summary.setAttribute('aria-label', `Manage ${m.user}`);
  summary.title = `Manage ${m.user}`;
  const how = document.createElement('select');
  how.setAttribute('aria-label', `How long to ban or mute ${m.user}`);
  for (const [text, ms] of DURATIONS) how.append(new Option(text, String(ms)));
  const until = () => (Number(how.value) ? Date.now() + Number(how.value) : undefined);
  const act = (action, extra) => () => { box.open = false; view.act(action, m.user, extra?.()); };
  const menu = document.createElement('div');
  menu.className = 'menu';
  // A reader who is no member has no membership to remove or role to change.
  if (!m.reader) menu.append(button('Remove', `Remove ${m.user} from the room`, act('remove')));
  menu.append(
    button('Ban', `Ban ${m.user}`, act('ban', until)),
    m.muted ? button('Unmute', `Unmute ${m.user}`, act('unmute')) : button('Mute', `Mute ${m.user}`, act('mute', until)),
    how);
  if (room.role === 'owner' && !m.reader) {
    menu.append(m.role === 'admin'
      ? button('Make member', `Make ${m.user} a member`, act('set_role', () => 'member'))
      : button('Make admin', `Make ${m.user} an admin`, act('set_role', () => 'admin')));
  }
  box.append(summary, menu);
  return box;
}
