// Chats with a running chatd through the repository's own client
// (web/protocol.js), for scripts/test-container.sh. Node 20 needs
// --experimental-websocket for the built-in WebSocket.
//
//   node --experimental-websocket scripts/container-chat.mjs send URL ROOM TEXT
//     two guests join ROOM; one sends TEXT and must get its ack, the other
//     must receive the same line (same seq)
//   node --experimental-websocket scripts/container-chat.mjs history URL ROOM TEXT
//     a new guest joins ROOM and must find TEXT in the room's history
//
// URL is ws://HOST:PORT/ws. Exits 0 when that happened, 1 with the reason
// when it did not, within 15 s either way.
import { ChatClient } from '../web/protocol.js';

const [mode, url, room, text] = process.argv.slice(2);
if (!['send', 'history'].includes(mode) || !url || !room || !text) {
  console.error('usage: container-chat.mjs send|history ws://HOST:PORT/ws ROOM TEXT');
  process.exit(2);
}

function fail(why) {
  console.error(`container-chat ${mode}: ${why}`);
  process.exit(1);
}
setTimeout(() => fail('no answer within 15 s'), 15000);

/** A client that has identified as the guest `name`. */
function connected(name) {
  const client = new ChatClient(url, { name });
  return new Promise((resolve, reject) => {
    client.addEventListener('state', (e) => { if (e.detail.state === 'connected') resolve(client); });
    client.addEventListener('error', (e) => reject(new Error(`${name}: ${JSON.stringify(e.detail)}`)));
    client.addEventListener('closed', (e) => reject(new Error(`${name}: connection closed (${e.detail.code})`)));
    client.connect();
    // Node 20 reports a refused connection only as an error on the socket.
    client.ws.addEventListener('error', () => reject(new Error(`${name}: cannot connect to ${url}`)));
  });
}

async function sendAndReceive() {
  const sender = await connected('alice');
  const receiver = await connected('bob');
  await sender.join(room);
  await receiver.join(room);
  const received = new Promise((resolve) => {
    receiver.addEventListener('message', (e) => {
      if (e.detail.room === room && e.detail.text === text) resolve(e.detail);
    });
  });
  const clientId = `container-test-${Date.now()}`;
  const ack = await sender.send(room, text, clientId);
  if (ack.type !== 'ack' || ack.client_id !== clientId || !(ack.seq > 0)) fail(`not an ack: ${JSON.stringify(ack)}`);
  const line = await received;
  if (line.seq !== ack.seq || line.from !== sender.user) fail(`received ${JSON.stringify(line)} for ack ${JSON.stringify(ack)}`);
  console.log(`${sender.user} sent "${text}" to ${room}: acked as seq ${ack.seq}, and ${receiver.user} received it`);
  return [sender, receiver];
}

async function findInHistory() {
  const reader = await connected('carol');
  await reader.join(room);
  const page = await reader.history(room);
  const line = page.messages.find((m) => m.text === text);
  if (!line) fail(`"${text}" is not in the history of ${room}: ${JSON.stringify(page.messages)}`);
  console.log(`${reader.user} found "${text}" in the history of ${room} (seq ${line.seq}, from ${line.from})`);
  return [reader];
}

try {
  const clients = mode === 'send' ? await sendAndReceive() : await findInHistory();
  for (const c of clients) c.close();
  process.exit(0);
} catch (e) {
  fail(e.message ?? String(e));
}
