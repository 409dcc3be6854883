// The Roomwire dashboard: follows the live feed (/api/events, Server-Sent Events read through
// fetch so the token travels in a header, never in the URL) and calls the JSON API.
import { drawChart } from './chart.js';

const TOKEN_KEY = 'roomwire-admin-token';
const HISTORY_MS = 5 * 60 * 1000;
const RETRY_MS = 3000;
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  snapshot: undefined,
  history: [],
  selected: undefined,
  selectedKey: '',
  ticksSinceLoad: 0,
  feed: undefined,
  retry: undefined,
};

function headers(extra = {}) {
  return state.token === '' ? extra : { ...extra, authorization: `Bearer ${state.token}` };
}

function setStatus(kind, text) {
  $('status').className = `pill pill-${kind}`;
  $('status').textContent = text;
}

let noticeTimer;
function notice(text, isError = false) {
  const box = $('notice');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (box.hidden = true), 8000);
}

function cell(row, text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  row.append(td);
  return td;
}

function tag(text, className = 'tag') {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

const number = (value) => Number(value).toLocaleString('en-US');
const rate = (value) => (value >= 10 ? number(Math.round(value)) : number(value));

function bytes(value) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? size : size.toFixed(size >= 10 ? 0 : 1)} ${units[unit]}`;
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${seconds % 60}s`;
}

/** Follows the live feed, reconnecting after a pause when it drops. */
async function follow() {
  state.feed?.abort();
  clearTimeout(state.retry);
  const controller = new AbortController();
  state.feed = controller;
  setStatus('wait', 'connecting…');
  try {
    const response = await fetch('/api/events', {
      headers: headers(),
      signal: controller.signal,
      cache: 'no-store',
    });
    if (response.status === 401) {
      setStatus('bad', 'token needed');
      notice('This server protects its data: enter the admin token above.', true);
      return;
    }
    if (!response.ok) throw new Error(`the feed answered ${response.status}`);
    setStatus('ok', 'live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the feed ended');
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        onEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch {
    if (controller.signal.aborted) return;
    setStatus('wait', 'reconnecting…');
    state.retry = setTimeout(follow, RETRY_MS);
  }
}

function onEvent(block) {
  const data = block
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  if (data !== '') onSnapshot(JSON.parse(data));
}

function onSnapshot(snapshot) {
  state.snapshot = snapshot;
  if (snapshot.history) state.history = [...snapshot.history];
  if (snapshot.sample) state.history.push(snapshot.sample);
  const oldest = snapshot.time - HISTORY_MS - 60000;
  while (state.history.length > 0 && state.history[0].t < oldest) state.history.shift();
  renderTotals(snapshot);
  drawChart($('chart'), state.history, snapshot.time, HISTORY_MS);
  renderRooms(snapshot);
  followSelected(snapshot);
}

function renderTotals({ totals }) {
  const last = state.history.at(-1);
  $('t-connections').textContent = number(totals.connections.tcp + totals.connections.websocket);
  $('t-transports').textContent =
    `tcp ${totals.connections.tcp} · websocket ${totals.connections.websocket}`;
  $('t-clients').textContent = number(totals.clients);
  $('t-rooms').textContent = number(totals.rooms);
  $('t-rate-in').textContent = last ? rate(last.in) : '–';
  $('t-rate-out').textContent = last ? rate(last.out) : '–';
  $('t-bytes-out').textContent = bytes(totals.bytesOut);
  $('t-bytes-in').textContent = `${bytes(totals.bytesIn)} in`;
  $('t-uptime').textContent = duration(totals.uptimeSeconds);
}

function renderRooms({ rooms, roomCount }) {
  const body = document.createElement('tbody');
  body.id = 'rooms';
  for (const room of rooms) {
    const row = document.createElement('tr');
    row.dataset.room = room.name;
    if (room.name === state.selected) row.className = 'selected';
    const name = cell(row, room.name);
    if (room.private) name.append(tag('private'));
    cell(row, number(room.memberCount), 'num');
    // The master's name where this node knows it, its id otherwise (a member of another node).
    cell(row, room.masterName ?? `#${room.masterId}`);
    cell(row, '›', 'muted');
    row.addEventListener('click', () => select(room.name));
    body.append(row);
  }
  $('rooms').replaceWith(body);
  $('rooms-empty').hidden = rooms.length > 0;
  $('rooms-count').textContent =
    roomCount > rooms.length ? `showing ${rooms.length} of ${number(roomCount)}` : '';
}

/** Reloads the open room when its members or master change, and every few seconds. */
function followSelected({ rooms }) {
  if (state.selected === undefined) return;
  const room = rooms.find((candidate) => candidate.name === state.selected);
  const key = room === undefined ? 'gone' : `${room.masterId}|${room.memberIds.join(',')}`;
  state.ticksSinceLoad += 1;
  if (key !== state.selectedKey || (room !== undefined && state.ticksSinceLoad >= 5)) {
    state.selectedKey = key;
    void loadRoom();
  }
}

function select(name) {
  state.selected = name;
  state.selectedKey = '';
  $('room-panel').hidden = false;
  $('room-name').textContent = name;
  for (const row of $('rooms').children) {
    row.classList.toggle('selected', row.dataset.room === name);
  }
  void loadRoom();
}

async function loadRoom() {
  const name = state.selected;
  state.ticksSinceLoad = 0;
  const response = await fetch(`/api/rooms/${encodeURIComponent(name)}`, { headers: headers() });
  if (name !== state.selected) return;
  const gone = response.status === 404;
  $('room-gone').hidden = !gone;
  $('room-actions').hidden = gone || !canAct();
  if (gone) return renderMembers(name, []);
  if (!response.ok) return notice(`Loading room ${name} failed: ${response.status}`, true);
  const room = await response.json();
  renderMembers(name, room.members, room.masterId);
}

function canAct() {
  return state.token !== '' && state.snapshot?.actionsEnabled === true;
}

function renderMembers(roomName, members, masterId) {
  const body = document.createElement('tbody');
  body.id = 'members';
  for (const member of members) {
    const row = document.createElement('tr');
    cell(row, String(member.id), 'num');
    const name = cell(row, member.username === '' ? '(no name)' : member.username);
    if (member.id === masterId) name.append(tag('master', 'master'));
    cell(row, member.transports.join(' + '));
    cell(row, member.connectedAt ? new Date(member.connectedAt).toLocaleTimeString() : '–');
    cell(row, number(member.messagesIn), 'num').title = bytes(member.bytesIn);
    cell(row, number(member.messagesOut), 'num').title = bytes(member.bytesOut);
    cell(row, bytes(member.queuedBytes), 'num');
    const actions = cell(row, '');
    if (canAct()) {
      const kick = document.createElement('button');
      kick.className = 'danger';
      kick.textContent = 'Kick';
      kick.dataset.kick = String(member.id);
      confirmOnSecondClick(kick, () => act('POST', `/api/clients/${member.id}/kick`));
      actions.append(kick);
    }
    body.append(row);
  }
  $('members').replaceWith(body);
  $('room-name').textContent = roomName;
}

/** Runs `action` on a second click within three seconds; the first one asks. */
function confirmOnSecondClick(button, action) {
  const label = button.textContent;
  let timer;
  button.addEventListener('click', () => {
    if (!button.classList.contains('confirm')) {
      button.classList.add('confirm');
      button.textContent = 'Sure?';
      timer = setTimeout(() => {
        button.classList.remove('confirm');
        button.textContent = label;
      }, 3000);
      return;
    }
    clearTimeout(timer);
    button.classList.remove('confirm');
    button.textContent = label;
    void action();
  });
}

async function act(method, path) {
  const reason = $('reason').value.trim();
  const response = await fetch(path, {
    method,
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(reason === '' ? {} : { reason }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return notice(`${method} ${path}: ${body.error ?? response.status}`, true);
  notice(body.kicked ? `Kicked client ${body.kicked.id}.` : `Closed room ${body.closed.name}.`);
  void loadRoom();
}

function init() {
  $('token').value = state.token;
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, state.token);
    void follow();
  });
  $('token-forget').addEventListener('click', () => {
    state.token = '';
    $('token').value = '';
    sessionStorage.removeItem(TOKEN_KEY);
    void follow();
  });
  confirmOnSecondClick($('close-room'), () =>
    act('DELETE', `/api/rooms/${encodeURIComponent(state.selected)}`),
  );
  window.addEventListener('resize', () => {
    if (state.snapshot) drawChart($('chart'), state.history, Date.now(), HISTORY_MS);
  });
  void follow();
}

init();
