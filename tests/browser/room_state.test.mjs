// The page's per-room model, without a browser: what decides that nothing
// shows twice and that the user's own pending lines resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomState, continuesGroup, typingText, describeError, splitUser, mentionsUser, eventText, canModerate, roomLabel } from '../../web/room_state.js';

const line = (seq, from = 'bob', ts = 1_700_000_000_000 + seq * 1000, client_id = `c-${seq}`) =>
  ({ seq, from, text: `t${seq}`, ts, client_id });

test('a line that arrives twice (replay, history, live) is kept once, in seq order', () => {
  const room = new RoomState('r');
  assert.equal(room.addLine(line(3)), true);
  assert.equal(room.addLine(line(1)), true);
  assert.equal(room.addLine(line(3)), false);
  assert.equal(room.addLine(line(2)), true);
  assert.deepEqual(room.sorted().map((l) => l.seq), [1, 2, 3]);
  assert.equal(room.oldestSeq(), 1);
});

test('an own pending line resolves by its push or by its ack, whichever comes first, and shows once', () => {
  const room = new RoomState('r');
  room.addPending('me-1', 'hello');
  room.addPending('me-2', 'again');
  room.addLine({ seq: 7, from: 'me', text: 'hello', ts: 1, client_id: 'me-1' });   // push first
  room.confirm('me-1', { seq: 7, ts: 1 }, 'me');                                  // then the ack
  room.confirm('me-2', { seq: 8, ts: 2 }, 'me');                                  // ack first
  room.addLine({ seq: 8, from: 'me', text: 'again', ts: 2, client_id: 'me-2' });  // then the push
  assert.equal(room.pending.size, 0);
  assert.deepEqual(room.sorted().map((l) => [l.seq, l.text]), [[7, 'hello'], [8, 'again']]);
});

test('a failed line stays, marked failed with its error, until retried', () => {
  const room = new RoomState('r');
  room.addPending('me-1', 'x');
  room.fail('me-1', { code: 'rate_limited' });
  assert.equal(room.pending.get('me-1').status, 'failed');
  assert.equal(room.pending.get('me-1').error.code, 'rate_limited');
});

test('grouping: same sender within five minutes on the same day', () => {
  const t = new Date(2026, 10, 25, 12, 0, 0).getTime();
  assert.equal(continuesGroup(null, line(1, 'a', t)), false);
  assert.equal(continuesGroup(line(1, 'a', t), line(2, 'a', t + 60_000)), true);
  assert.equal(continuesGroup(line(1, 'a', t), line(2, 'b', t + 60_000)), false);
  assert.equal(continuesGroup(line(1, 'a', t), line(2, 'a', t + 6 * 60_000)), false);
});

test('typing: expired notices and the user themself are not shown', () => {
  const room = new RoomState('r');
  room.typing.set('bob', 2000);
  room.typing.set('me', 2000);
  room.typing.set('old', 500);
  assert.deepEqual(room.typingNow(1000, 'me'), ['bob']);
  assert.equal(room.typing.has('old'), false);
  assert.equal(typingText([]), '');
  assert.equal(typingText(['bob']), 'bob is typing…');
  assert.equal(typingText(['a', 'b']), 'a and b are typing…');
  assert.equal(typingText(['a', 'b', 'c']), '3 people are typing…');
});

test('errors name the stable code and carry the server\'s words', () => {
  assert.equal(describeError({ code: 'text_too_long', message: '"text" is over 4096 bytes' }),
    'Message too long: "text" is over 4096 bytes (text_too_long)');
  assert.equal(describeError({ code: 'something_new' }), 'Refused (something_new)');
});

test('a guest on a server with tokens (guest:<name>) shows as the name, marked a guest', () => {
  assert.deepEqual(splitUser('guest:alice'), { name: 'alice', guest: true });
  assert.deepEqual(splitUser('alice'), { name: 'alice', guest: false });
  assert.equal(typingText(['guest:alice', 'bob']), 'alice (guest) and bob are typing…');
});

// ---- the room model: the log's events, counts, mentions, roles ----

const ev = (seq, kind, fields = {}) => ({ seq, kind, from: 'bob', ts: 1_700_000_000_000 + seq * 1000, client_id: `e-${seq}`, ...fields });

test('live edits, deletions and reactions change the line they target; membership and topic show as their own lines', () => {
  const room = new RoomState('r');
  room.addLine({ ...line(1), from: 'bob' });
  room.addLine(ev(2, 'edit', { target: 1, text: 'fixed' }), true);
  room.addLine(ev(3, 'react', { target: 1, text: '👍' }), true);
  room.addLine(ev(4, 'react', { target: 1, text: '👍', from: 'carol' }), true);
  room.addLine(ev(5, 'unreact', { target: 1, text: '👍' }), true);
  room.addLine(ev(6, 'member', { user: 'dave', action: 'invite', role: 'member' }), true);
  room.addLine(ev(7, 'topic', { text: 'plans' }), true);
  const l = room.lines.get(1);
  assert.equal(l.text, 'fixed');
  assert.equal(l.edited, true);
  assert.deepEqual([...l.reactions].map(([e, u]) => [e, [...u]]), [['👍', ['carol']]]);
  assert.equal(room.topic, 'plans');
  assert.deepEqual(room.visible().map((e) => e.seq), [1, 6, 7]);   // the edits and reactions are in the line
  assert.equal(room.oldestSeq(), 1);
  room.addLine(ev(8, 'delete', { target: 1 }), true);
  assert.equal(l.deleted, true);
  assert.equal(l.text, '');
  assert.equal(l.reactions.size, 0);
});

test('a line from history is as it is now: the older events of the same page do not change it again', () => {
  const room = new RoomState('r');
  // history, oldest first: the line with its latest text, then the edits that made it
  room.addLine({ ...line(1), text: 'third', edited: true, reactions: [{ emoji: '🎉', users: ['bob'] }] });
  room.addLine(ev(2, 'edit', { target: 1, text: 'second' }));
  room.addLine(ev(3, 'edit', { target: 1, text: 'third' }));
  room.addLine(ev(4, 'unreact', { target: 1, text: '🎉' }));
  assert.equal(room.lines.get(1).text, 'third');
  assert.deepEqual([...room.lines.get(1).reactions.keys()], ['🎉']);
  assert.equal(room.oldestSeq(), 1);   // paging goes on from the events too
});

test('unread and mentions: the server\'s counts, then the lines after what they cover, each once', () => {
  const room = new RoomState('r');
  room.setCounts({ read: 3, unread: 2, mentions: 1, last_seq: 5 });
  assert.equal(room.countIncoming({ seq: 5, from: 'bob', text: 'old' }, 'me', false), false);   // counted by the server
  assert.equal(room.countIncoming({ seq: 6, from: 'bob', text: 'hi @me!' }, 'me', false), true);
  assert.equal(room.countIncoming({ seq: 6, from: 'bob', text: 'hi @me!' }, 'me', false), false);   // the same line again
  assert.equal(room.countIncoming({ seq: 7, from: 'me', text: 'mine' }, 'me', false), false);
  assert.equal(room.countIncoming({ seq: 8, from: 'bob', text: 'seen' }, 'me', true), false);
  assert.deepEqual([room.unread, room.mentions], [3, 2]);
  room.setCounts({ seq: 8, unread: 0, mentions: 0 });   // a marker from another device
  assert.deepEqual([room.unread, room.mentions, room.readSeq], [0, 0, 8]);
  // Without server counts (an older server) every line from others out of view counts.
  const old = new RoomState('o');
  old.countIncoming({ seq: 1, from: 'bob', text: 'a' }, 'me', false);
  old.countIncoming({ seq: 1, from: 'bob', text: 'a' }, 'me', false);
  assert.equal(old.unread, 2);
});

test('a mention is @ and the user id, then the end or a character that ends a name', () => {
  assert.equal(mentionsUser('hi @ann', 'ann'), true);
  assert.equal(mentionsUser('@ann, look', 'ann'), true);
  assert.equal(mentionsUser('hi @anna', 'ann'), false);
  assert.equal(mentionsUser('mail ann@x', 'ann'), false);
  assert.equal(mentionsUser('@ann.b and @ann', 'ann'), true);
  assert.equal(mentionsUser('@guest:eve hi', 'guest:eve'), true);
});

test('events read as sentences; moderation follows the roles; rooms are labelled by kind', () => {
  assert.equal(eventText(ev(1, 'member', { from: 'ann', user: 'guest:bob', action: 'ban' })), 'ann banned bob (guest)');
  assert.equal(eventText(ev(1, 'member', { from: 'ann', user: 'bob', action: 'role', role: 'admin' })), 'ann made bob an admin');
  assert.equal(eventText(ev(1, 'topic', { from: 'ann', text: 'Q3' })), 'ann set the topic to “Q3”');
  assert.equal(canModerate('owner', 'admin', 'private'), true);
  assert.equal(canModerate('admin', 'admin', 'private'), false);
  assert.equal(canModerate('admin', 'member', 'public'), true);
  assert.equal(canModerate('member', 'member', 'public'), false);
  assert.equal(canModerate('owner', 'member', 'direct'), false);
  const direct = new RoomState('!abc');
  direct.kind = 'direct';
  direct.roles = new Map([['me', { user: 'me', role: 'member' }], ['bob', { user: 'bob', role: 'member' }], ['carol', { user: 'carol', role: 'member' }]]);
  assert.equal(roomLabel(direct, 'me'), 'bob, carol');
  const priv = new RoomState('!xyz');
  priv.kind = 'private';
  assert.equal(roomLabel(priv, 'me'), '!xyz');
  priv.topic = 'Q3 plans';
  assert.equal(roomLabel(priv, 'me'), 'Q3 plans');
});
