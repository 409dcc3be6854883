// The Roomwire demo: a name and a room, who is in it and who is master, a chat, and a shared
// canvas. Everything goes through the browser client library over the /ws WebSocket.
//
// Payloads are JSON: {t:'hello',name} when joining (to the others), {t:'name',name} back to a
// newcomer (through a one-client group), {t:'chat',text} and {t:'click',x,y} to all, ordered
// (mode 3), and {t:'cursor',x,y} to the others, unordered (mode 0). Any other payload, from a
// TCP or CLI client, is shown as chat text.
import { connect, MESSAGE_MODES } from '/roomwire-client.js';

const $ = (id) => document.getElementById(id);
const CURSOR_EVERY_MS = 50;
/** What the page keeps, whatever a peer sends: the newest chat lines and clicks. */
const MAX_LOG_LINES = 200;
const MAX_DOTS = 500;
const MAX_NAME_LENGTH = 32;

/** Everything the page knows; redrawn from here. */
const state = {
  client: undefined,
  inRoom: false,
  myName: '',
  names: new Map(),
  cursors: new Map(),
  dots: [],
};

const colour = (id) => `hsl(${(id * 137) % 360} 70% 48%)`;
const nameOf = (id) => state.names.get(id) ?? `#${id}`;

// Messages may arrive by the thousand a second: the page is drawn at most once a frame.
const dirty = { canvas: false, people: false };
let frameRequested = false;
/** Chat lines waiting for the next frame, newest last, never more than MAX_LOG_LINES. */
let pendingLog = [];

function schedule(part) {
  dirty[part] = true;
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    if (dirty.people) renderPeople();
    if (dirty.canvas) draw();
    dirty.people = false;
    dirty.canvas = false;
    flushLog();
  });
}

function setStatus(text, kind = '') {
  const status = $('status');
  status.textContent = text;
  status.className = `pill ${kind}`;
}

function log(text, options = {}) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  item.append(time);
  if (options.from !== undefined) {
    const who = document.createElement('b');
    who.textContent = `${nameOf(options.from)}: `;
    who.style.color = colour(options.from);
    item.append(who);
  }
  item.append(text);
  if (options.system) item.className = 'system';
  pendingLog.push(item);
  if (pendingLog.length > MAX_LOG_LINES) pendingLog = pendingLog.slice(-MAX_LOG_LINES);
  schedule('log');
}

function flushLog() {
  if (pendingLog.length === 0) return;
  const list = $('log');
  list.append(...pendingLog);
  pendingLog = [];
  while (list.childElementCount > MAX_LOG_LINES) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

function renderPeople() {
  const room = state.client?.room;
  const me = state.client?.clientId;
  $('room-name').textContent = room?.name ?? 'no room';
  const master = $('master');
  master.textContent =
    room?.masterId === undefined ? 'master: –' : `master: ${nameOf(room.masterId)}`;
  master.dataset.id = room?.masterId ?? '';
  const list = $('members');
  list.replaceChildren(
    ...(room?.members ?? []).map((id) => {
      const item = document.createElement('li');
      item.dataset.id = id;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour(id);
      const label = document.createElement('span');
      label.className = 'member-name';
      // An unnamed client is shown by its id alone, not as `#22 (#22)`.
      label.textContent = state.names.has(id) ? `${nameOf(id)} (#${id})` : `#${id}`;
      label.title = label.textContent;
      item.append(swatch, label);
      if (id === me) item.append(tag('you'));
      if (id === room.masterId) item.append(tag('master', 'master-tag'));
      return item;
    }),
  );
}

function tag(text, extra = '') {
  const element = document.createElement('span');
  element.className = `tag ${extra}`;
  element.textContent = text;
  return element;
}

function draw() {
  const canvas = $('canvas');
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.strokeStyle = '#eef0f3';
  for (let x = 40; x < width; x += 40) context.strokeRect(x, 0, 0, height);
  for (let y = 40; y < height; y += 40) context.strokeRect(0, y, width, 0);
  for (const dot of state.dots) {
    context.fillStyle = colour(dot.id);
    context.beginPath();
    context.arc(dot.x * width, dot.y * height, 7, 0, Math.PI * 2);
    context.fill();
  }
  context.font = '13px system-ui, sans-serif';
  for (const [id, cursor] of state.cursors) {
    const x = cursor.x * width;
    const y = cursor.y * height;
    context.strokeStyle = colour(id);
    context.lineWidth = 2;
    context.beginPath();
    context.arc(x, y, 10, 0, Math.PI * 2);
    context.stroke();
    context.fillStyle = colour(id);
    context.fillText(nameOf(id), x + 14, y + 4);
  }
  canvas.dataset.dots = String(state.dots.length);
  canvas.dataset.cursors = String(state.cursors.size);
}

function send(mode, message) {
  try {
    state.client?.send(mode, JSON.stringify(message));
  } catch (error) {
    setStatus(error.message, 'bad');
  }
}

/** A fraction of the canvas, or undefined for anything else a peer may send. */
function fraction(value) {
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : undefined;
}

/** The message as the demo's own kinds, checked field by field; undefined if it is not one. */
function parseDemoMessage(payload) {
  let message;
  try {
    message = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  switch (message.t) {
    case 'hello':
    case 'name':
      return typeof message.name === 'string' ? { t: message.t, name: message.name } : undefined;
    case 'chat':
      return typeof message.text === 'string' ? { t: 'chat', text: message.text } : undefined;
    case 'cursor':
    case 'click': {
      const x = fraction(message.x);
      const y = fraction(message.y);
      return x === undefined || y === undefined ? undefined : { t: message.t, x, y };
    }
    default:
      return undefined;
  }
}

function onMessage({ senderId, payload }) {
  const message = parseDemoMessage(payload);
  switch (message?.t) {
    case 'hello':
    case 'name':
      state.names.set(senderId, message.name.slice(0, MAX_NAME_LENGTH));
      if (message.t === 'hello') log(`${nameOf(senderId)} joined`, { system: true });
      schedule('people');
      break;
    case 'chat':
      log(message.text, { from: senderId });
      break;
    case 'cursor':
      state.cursors.set(senderId, { x: message.x, y: message.y });
      schedule('canvas');
      break;
    case 'click':
      state.dots.push({ id: senderId, x: message.x, y: message.y });
      if (state.dots.length > MAX_DOTS) state.dots.splice(0, state.dots.length - MAX_DOTS);
      schedule('canvas');
      break;
    default:
      // Not one of ours (a TCP or CLI client, or a malformed one): shown as text.
      log(payload, { from: senderId });
  }
}

function wire(client) {
  client.on('message', onMessage);
  client.on('joined', ({ clientId, self, existing }) => {
    renderPeople();
    if (self || existing) return;
    // A newcomer learns our name from us alone: a group of one.
    client.setGroup('newcomer', [clientId]);
    client.sendGroup('newcomer', JSON.stringify({ t: 'name', name: state.myName }));
  });
  client.on('left', ({ clientId, self }) => {
    if (!self) log(`${nameOf(clientId)} left`, { system: true });
    state.cursors.delete(clientId);
    renderPeople();
    draw();
  });
  client.on('master', ({ masterId }) => {
    renderPeople();
    // The master named in a join's answer is shown in the list; a change is worth a line.
    if (state.inRoom) log(`${nameOf(masterId)} is master now`, { system: true });
  });
  client.on('error', (error) => setStatus(error.message, 'bad'));
  client.on('close', ({ reconnecting }) => {
    setStatus(reconnecting ? 'connection lost; reconnecting…' : 'disconnected', 'bad');
    if (reconnecting) return;
    state.client = undefined;
    clearRoom();
  });
  client.on('reconnected', ({ resumed, replayed, room }) => {
    if (room === undefined) {
      // Logged in afresh but not back in a room (the join failed): as after leaving.
      setStatus(`${state.myName} (#${client.clientId}) in no room`);
      clearRoom();
      return;
    }
    entered();
    if (resumed) {
      // The same session (protocol §10): the others never saw us go and know our name.
      log(`connection resumed, ${replayed} missed lines caught up`, { system: true });
      return;
    }
    log('reconnected as a new client', { system: true });
    send(MESSAGE_MODES.othersOrdered, { t: 'hello', name: state.myName });
  });
}

function entered() {
  const { client } = state;
  state.inRoom = true;
  state.names.set(client.clientId, state.myName);
  setStatus(`${state.myName} (#${client.clientId}) in ${client.room.name}`, 'ok');
  for (const id of ['message', 'send', 'leave']) $(id).disabled = false;
  $('join').disabled = true;
  renderPeople();
  draw();
}

function clearRoom() {
  state.inRoom = false;
  state.cursors.clear();
  state.dots = [];
  for (const id of ['message', 'send', 'leave']) $(id).disabled = true;
  $('join').disabled = false;
  renderPeople();
  draw();
}

$('join-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('join').disabled = true;
  state.myName =
    $('name')
      .value.trim()
      .replace(/[:\r\n]/g, '') || 'guest';
  try {
    const client = state.client ?? (await connect({ reconnect: true }));
    state.client = client;
    if (client.clientId === undefined) {
      wire(client);
      await client.login(state.myName);
    }
    await client.join($('room').value.trim());
    entered();
    send(MESSAGE_MODES.othersOrdered, { t: 'hello', name: state.myName });
    log(`you joined ${client.room.name}`, { system: true });
  } catch (error) {
    setStatus(error.message, 'bad');
    $('join').disabled = false;
  }
});

$('leave').addEventListener('click', async () => {
  $('leave').disabled = true;
  try {
    await state.client?.leave();
    setStatus(`${state.myName} (#${state.client?.clientId}) in no room`);
    log('you left', { system: true });
  } catch (error) {
    setStatus(error.message, 'bad');
  }
  clearRoom();
});

$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('message').value.trim();
  if (text === '') return;
  send(MESSAGE_MODES.allOrdered, { t: 'chat', text });
  $('message').value = '';
});

/** Canvas coordinates as fractions, so that canvases of any size agree. */
function where(event) {
  const box = $('canvas').getBoundingClientRect();
  const clamp = (value) => Math.min(1, Math.max(0, Math.round(value * 1000) / 1000));
  return {
    x: clamp((event.clientX - box.left) / box.width),
    y: clamp((event.clientY - box.top) / box.height),
  };
}

let pendingCursor;
$('canvas').addEventListener('pointermove', (event) => {
  if (state.client?.room === undefined) return;
  const first = pendingCursor === undefined;
  pendingCursor = where(event);
  if (!first) return;
  // At most one cursor update per CURSOR_EVERY_MS: the latest position wins.
  setTimeout(() => {
    send(MESSAGE_MODES.others, { t: 'cursor', ...pendingCursor });
    pendingCursor = undefined;
  }, CURSOR_EVERY_MS);
});

$('canvas').addEventListener('click', (event) => {
  if (state.client?.room === undefined) return;
  send(MESSAGE_MODES.allOrdered, { t: 'click', ...where(event) });
});

draw();
