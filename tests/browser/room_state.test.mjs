// The page's per-room model, without a browser: what decides that nothing
// shows twice and that the user's own pending lines resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomState, continuesGroup, typingText, describeError, splitUser } from '../../web/room_state.js';

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
