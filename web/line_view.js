// One stored line as the page draws it: sender, time, text (or the tombstone
// of a deleted line, or the editor while the user edits it), reactions with
// who gave them, and the buttons the user may use on it. Text from the
// network is only ever set with textContent.
import { splitUser, userText } from './room_state.js';

/** The reactions offered by the picker; any other emoji a line has shows too. */
export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Shows a user name in `el`: a guest (`guest:<name>`) as the name and a "guest" mark. */
export function showUser(el, user) {
  const { name, guest } = splitUser(user);
  el.textContent = name;
  if (!guest) return;
  const mark = document.createElement('span');
  mark.className = 'guest-mark';
  mark.textContent = 'guest';
  el.append(' ', mark);
}

function button(text, className, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (className) b.className = className;
  if (label) { b.setAttribute('aria-label', label); b.title = label; }
  b.addEventListener('click', onClick);
  return b;
}

/** A line's <li>: sender, then `stamp` (its time or its sending status), then the text. */
export function bubble(className, fromText, stamp, bodyText) {
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

/**
 * The <li> of a stored line. `view` says what the user may do and is doing:
 * {self, canEdit, canDelete, canReact, editing, confirmingDelete} and the
 * actions {startEdit, saveEdit(text), cancel, askDelete, confirmDelete, toggleReaction(emoji)}.
 */
export function lineItem(line, view) {
  const time = document.createElement('time');
  time.dateTime = new Date(line.ts).toISOString();
  time.title = new Date(line.ts).toLocaleString();
  time.textContent = timeFormat.format(line.ts);
  const li = bubble('line', line.from, time, line.deleted ? 'This message was deleted.' : line.text);
  li.dataset.seq = String(line.seq);
  const meta = li.querySelector('.meta');
  if (line.deleted) {
    li.classList.add('deleted');
    return li;
  }
  if (line.edited) {
    const mark = document.createElement('span');
    mark.className = 'edited';
    mark.textContent = '(edited)';
    meta.append(mark);
  }
  if (view.editing) li.querySelector('.text').replaceWith(editor(line, view));
  if (line.reactions.size > 0) li.append(reactionRow(line, view));
  if (view.confirmingDelete) {
    const ask = document.createElement('div');
    ask.className = 'actions confirm';
    ask.append('Delete this message? ',
      button('Delete', 'danger', 'Delete this message for everyone', view.confirmDelete),
      button('Cancel', 'link', null, view.cancel));
    li.append(ask);
  } else if (!view.editing && (view.canEdit || view.canDelete || view.canReact)) {
    li.append(lineTools(view));
  }
  return li;
}

function editor(line, view) {
  const form = document.createElement('form');
  form.className = 'editor';
  const box = document.createElement('textarea');
  box.value = line.text;
  box.rows = Math.min(6, line.text.split('\n').length);
  box.setAttribute('aria-label', 'Edit message');
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); view.cancel(); }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); view.saveEdit(box.value); });
  const save = document.createElement('button');
  save.className = 'primary small';
  save.textContent = 'Save';
  form.append(box, save, button('Cancel', 'link', null, view.cancel));
  queueMicrotask(() => { box.focus(); box.setSelectionRange(box.value.length, box.value.length); });
  return form;
}

function reactionRow(line, view) {
  const row = document.createElement('div');
  row.className = 'reactions';
  for (const [emoji, users] of line.reactions) {
    const who = [...users].sort().map(userText);
    const mine = users.has(view.self);
    const chip = button(`${emoji} ${users.size}`, mine ? 'reaction mine' : 'reaction',
      `${emoji} ${users.size}: ${who.join(', ')}${view.canReact ? (mine ? '. Take back yours' : '. Add yours') : ''}`,
      () => view.toggleReaction(emoji));
    chip.dataset.emoji = emoji;
    chip.setAttribute('aria-pressed', String(mine));
    chip.disabled = !view.canReact;
    row.append(chip);
  }
  return row;
}

function lineTools(view) {
  const tools = document.createElement('div');
  tools.className = 'line-tools';
  if (view.canReact) {
    const picker = document.createElement('details');
    picker.className = 'react-picker';
    const summary = document.createElement('summary');
    summary.textContent = '☺';
    summary.setAttribute('aria-label', 'Add a reaction');
    summary.title = 'Add a reaction';
    picker.append(summary);
    for (const emoji of QUICK_EMOJI) {
      picker.append(button(emoji, 'emoji', `React with ${emoji}`, () => { picker.open = false; view.toggleReaction(emoji, true); }));
    }
    tools.append(picker);
  }
  if (view.canEdit) tools.append(button('Edit', 'link', 'Edit this message', view.startEdit));
  if (view.canDelete) tools.append(button('Delete', 'link', 'Delete this message', view.askDelete));
  return tools;
}
