import type { MessageMode } from '../protocol/message-modes.js';
import {
  formatGroupMessage,
  formatJoin,
  formatListRooms,
  formatLogin,
  formatMessage,
  formatSetGroup,
  formatUdpMessage,
  LEAVE_LINE,
} from '../protocol/format-command.js';
import { check } from './arguments.js';
import { ClientConnection } from './client-connection.js';
import type { ClientStatus, RoomInfo } from './client-types.js';
import { RoomwireError } from './errors.js';
import type { JoinedRoom, RoomView } from './room-state.js';
import { UdpBinder } from './udp-binder.js';

export type {
  ClientEvents,
  ClientStatus,
  RoomInfo,
  RoomwireClientOptions,
} from './client-types.js';

/**
 * A Roomwire client over any transport: requests that resolve on the server's answer and
 * reject on its `9:` refusal, typed events for everything else, optional reconnect. The same
 * class runs in Node (TCP and UDP) and in browsers (WebSocket).
 */
export class RoomwireClient extends ClientConnection {
  /** What a reconnect restores besides the room. */
  #login: { username: string; password: string } | undefined;
  #wantUdp = false;

  /** `idle`, `connecting`, `open` (usable), `reconnecting` or `closed`. */
  get status(): ClientStatus {
    return this.statusNow;
  }

  /** Your client id once logged in. */
  get clientId(): number | undefined {
    return this.selfId;
  }

  /** The room you are in, its members and master; undefined when in none. */
  get room(): RoomView | undefined {
    return this.rooms.room?.snapshot();
  }

  get udpBound(): boolean {
    return this.udp?.bound ?? false;
  }

  /** Opens the connection. */
  async connect(): Promise<void> {
    if (this.statusNow !== 'idle' && this.statusNow !== 'closed') {
      throw RoomwireError.client('bad_argument', `connect() while ${this.statusNow}`);
    }
    this.statusNow = 'connecting';
    try {
      await this.open();
    } catch (error) {
      this.statusNow = 'closed';
      throw error;
    }
    // `close()` while connecting wins.
    if (this.statusNow !== 'connecting') throw RoomwireError.client('not_connected', 'closed');
    this.statusNow = 'open';
  }

  /** Logs in (`0:username:password`); resolves with your client id. */
  async login(username: string, password = ''): Promise<number> {
    check('username', username);
    check('login-password', password);
    this.#requireOpen();
    const clientId = await this.#loginNow(username, password);
    this.#login = { username, password };
    return clientId;
  }

  /** The public rooms, and the private ones whose password is given. */
  async listRooms(password = ''): Promise<readonly RoomInfo[]> {
    check('room-password', password);
    this.#requireOpen();
    return this.requests.add(formatListRooms(password), (event) =>
      event.type === 'room-list' ? { value: event.rooms } : undefined,
    );
  }

  /** Joins (or creates) a room, leaving the current one; resolves once the master is known. */
  async join(room: string, password = ''): Promise<JoinedRoom> {
    check('room', room);
    check('room-password', password);
    this.#requireLoggedIn();
    const view = await this.#joinNow(room, password);
    this.wantedRoom = { name: room, password };
    return view;
  }

  /** Leaves the current room. */
  async leave(): Promise<void> {
    this.#requireLoggedIn();
    const me = this.selfId;
    await this.requests.add(LEAVE_LINE, (event) =>
      event.type === 'left' && event.clientId === me ? { value: undefined } : undefined,
    );
    this.wantedRoom = undefined;
  }

  /** Relays `payload` to the room: mode 0 others, 1 all, 2 others ordered, 3 all ordered. */
  send(mode: MessageMode, payload: string): void {
    this.#requireRoom(mode, payload);
    this.transport?.send(formatMessage(mode, payload));
  }

  /** Relays `payload` to the clients of one of your groups. */
  sendGroup(group: string, payload: string): void {
    check('group', group);
    check('payload', payload);
    this.#requireLoggedIn();
    if (!this.groups.has(group)) {
      throw new RoomwireError('unknown_group', `no group ${group}: define it first`);
    }
    this.transport?.send(formatGroupMessage(group, payload));
  }

  /** Defines (or replaces) one of your groups; no ids deletes it. The server does not answer. */
  setGroup(group: string, clientIds: readonly number[]): void {
    check('group', group);
    check('client-ids', clientIds);
    this.#requireLoggedIn();
    this.transport?.send(formatSetGroup(group, clientIds));
    if (clientIds.length === 0) this.groups.delete(group);
    else this.groups.add(group);
  }

  /** Binds UDP to this client, repeating the bind until the server answers (Node, TCP). */
  async bindUdp(): Promise<void> {
    this.#requireLoggedIn();
    await this.#bindUdpNow();
    this.#wantUdp = true;
  }

  /** Like {@link send}, over UDP: may be lost or reordered; needs {@link bindUdp} first. */
  sendUnreliable(mode: MessageMode, payload: string): void {
    this.#requireRoom(mode, payload);
    if (this.transport?.datagrams === undefined) throw RoomwireError.client('udp_unavailable');
    if (this.udp?.bound !== true) throw RoomwireError.client('udp_not_bound');
    this.udp.send(formatUdpMessage(this.selfId ?? -1, mode, payload));
  }

  /** Closes for good (no reconnect); resolves when the connection is gone. */
  close(): Promise<void> {
    const transport = this.transport;
    const was = this.statusNow;
    this.statusNow = 'closed';
    this.delay.cancel();
    if (transport === undefined || was === 'connecting') {
      transport?.close();
      if (was === 'reconnecting') this.emit('close', { error: undefined, reconnecting: false });
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.once('close', () => resolve());
      transport.close();
    });
  }

  protected override async restore(): Promise<void> {
    this.reconnectedBy = { resumed: false, replayed: 0 };
    if (await this.#resumeNow()) {
      if (this.#wantUdp) await this.#bindUdpNow();
      return;
    }
    const login = this.#login;
    if (login === undefined) return;
    await this.#loginNow(login.username, login.password);
    if (this.#wantUdp) await this.#bindUdpNow();
    const room = this.wantedRoom;
    if (room !== undefined) await this.#joinNow(room.name, room.password);
  }

  /**
   * Takes the lost session back when the server offered a resume (§10); false when it refused
   * (the session is gone: log in afresh). A lost connection fails the attempt as a whole, and
   * the next attempt tries the resume again.
   */
  async #resumeNow(): Promise<boolean> {
    const resume = this.resumeLine();
    if (resume === undefined) return false;
    let answered = false;
    try {
      // Done once the missed lines have arrived too, so that `reconnected` follows them even
      // when they come in reads (WebSocket messages) of their own.
      await this.requests.add(resume.line, (event) => {
        if (event.type === 'resumed' && event.clientId === resume.clientId) answered = true;
        return answered && !this.replaying ? { value: true } : undefined;
      });
    } catch (error) {
      const code = (error as RoomwireError).code;
      if (code !== 'resume_failed' && code !== 'resume_gap') throw error;
      this.lost = undefined;
      return false;
    }
    this.lost = undefined;
    return true;
  }

  #loginNow(username: string, password: string): Promise<number> {
    return this.requests.add(formatLogin(username, password), (event) =>
      event.type === 'logged-in' ? { value: event.clientId } : undefined,
    );
  }

  #joinNow(room: string, password: string): Promise<JoinedRoom> {
    const inRoom = (): { value: JoinedRoom } | undefined => {
      const current = this.rooms.room;
      if (current?.name !== room || current.listing || current.masterId === undefined) {
        return undefined;
      }
      return { value: { ...current.snapshot(), masterId: current.masterId } };
    };
    // Section 4: joining the room you are in does nothing, so nothing would answer: the
    // shortcut answers instead, checked when the join's turn comes.
    return this.requests.add(
      formatJoin(room, password),
      (event) => (event.type === 'master' ? inRoom() : undefined),
      inRoom,
    );
  }

  async #bindUdpNow(): Promise<void> {
    const channel = this.transport?.datagrams;
    if (channel === undefined) throw RoomwireError.client('udp_unavailable');
    this.udp ??= new UdpBinder(channel, this.timers, {
      retryMs: this.options.udpRetryMs ?? 200,
      timeoutMs: this.options.udpBindTimeoutMs ?? 5000,
      onEvent: (event) => this.onDatagram(event),
    });
    await this.udp.bind(this.selfId ?? -1);
  }

  #requireOpen(): void {
    if (this.statusNow !== 'open' || this.transport === undefined) {
      throw RoomwireError.client('not_connected', `not connected (${this.statusNow})`);
    }
  }

  #requireLoggedIn(): void {
    this.#requireOpen();
    if (this.selfId === undefined) throw RoomwireError.client('not_logged_in');
  }

  #requireRoom(mode: MessageMode, payload: string): void {
    check('mode', mode);
    check('payload', payload);
    this.#requireLoggedIn();
    if (this.rooms.room === undefined) throw RoomwireError.client('not_in_room');
  }
}
