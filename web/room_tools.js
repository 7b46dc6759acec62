// The forms of the room model beside the room list and the member list:
// create a room, open a direct conversation, invite, set the topic, and the
// moderation buttons' requests. Which of them show depends on the server
// (an older one offers none) and on the user's role in the room in view.
import { describeError, userText } from './room_state.js';

const $ = (id) => document.getElementById(id);

/**
 * Wires the forms. `ctx` is {client, room (the RoomState in view), server
 * ({product, guest}), showError, showNotice, enterRoom(roomReply)}; client
 * and room are read each time. Returns {attempt, moderate, renderTools}.
 */
export function setUpRoomTools(ctx) {
  /** Runs a request of the room model; an error shows, and an older server's unknown_type hides the feature. */
  async function attempt(what, run) {
    try {
      return await run();
    } catch (err) {
      ctx.showError(`${what}: ${describeError(err)}`);
      renderTools();
      return null;
    }
  }

  $('create-kind').addEventListener('change', () => {
    const pub = $('create-kind').value === 'public';
    $('create-name-field').hidden = !pub;
    $('create-name').required = pub;
  });

  $('create-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = $('create-kind').value;
    const name = $('create-name').value.trim();
    const topic = $('create-topic').value.trim();
    const reply = await attempt('Could not create the room',
      () => ctx.client.createRoom(kind === 'public' ? { kind, room: name, topic } : { kind, topic }));
    if (!reply) return;
    $('create-form').reset();
    $('create-name-field').hidden = true;
    $('create-box').open = false;
    ctx.enterRoom(reply);
  });

  $('direct-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const users = [...new Set($('direct-users').value.split(',').map((u) => u.trim()).filter(Boolean))];
    if (users.length === 0) return;
    const reply = await attempt('Could not open the conversation', () => ctx.client.openDirect(users));
    if (!reply) return;
    $('direct-form').reset();
    $('direct-box').open = false;
    ctx.enterRoom(reply);
  });

  $('invite-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const user = $('invite-user').value.trim();
    const room = ctx.room?.name;
    if (!user || !room) return;
    if (await attempt(`Could not invite ${userText(user)}`, () => ctx.client.invite(room, user))) {
      $('invite-user').value = '';
      ctx.showNotice(`${userText(user)} was invited.`);
    }
  });

  $('topic-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const room = ctx.room?.name;
    if (room) await attempt('Could not set the topic', () => ctx.client.setTopic(room, $('topic').value.trim()));
  });

  /** A moderation button of the member list: remove, ban, unban, mute, unmute or set_role of `user`. */
  function moderate(action, user, extra) {
    const room = ctx.room?.name;
    const client = ctx.client;
    const run = {
      remove: () => client.remove(room, user),
      ban: () => client.ban(room, user, extra),
      mute: () => client.mute(room, user, extra),
      unmute: () => client.unmute(room, user),
      unban: () => client.unban(room, user),
      set_role: () => client.setRole(room, user, extra),
    }[action];
    if (room && run) attempt(`Could not ${action.replace('_', ' ')} ${userText(user)}`, run);
  }

  /** Shows the forms the server offers and the user may use. */
  function renderTools() {
    const { client, room, server } = ctx;
    const offers = (type) => server.product && client?.supports(type) !== false;
    $('product-tools').hidden = !server.product || server.guest;
    $('create-box').hidden = !offers('create_room');
    $('direct-box').hidden = !offers('open_direct');
    const moderator = room && (room.role === 'owner' || room.role === 'admin') && room.kind !== 'direct';
    $('room-tools').hidden = !room || !offers('members');
    $('invite-form').hidden = !moderator || !offers('invite');
    $('topic-form').hidden = !room || !offers('set_topic') || !(moderator || (room.kind === 'direct' && room.role));
  }

  return { attempt, moderate, renderTools };
}
