/**
 * Every setting with its default and the reason for it. Flags, environment variables and the
 * JSON config file use the same names (see docs/configuration.md).
 */
export const DEFAULTS = {
  /** All interfaces, so LAN and internet clients reach it like the original server. */
  host: '0.0.0.0',
  /** The port VelNet clients use; TCP and UDP share it (protocol section 6). */
  port: 5000,
  /** WebSocket endpoint, admin API, metrics and pages share one HTTP port (the common web default). */
  httpPort: 8080,
  /** One line per connect, login, join, leave, disconnect and refusal; payloads never. */
  logLevel: 'info',
  /** A users file (see `roomwire users add`); empty accepts every password, as SEED.txt says. */
  usersFile: '',
  /** Bigger than any sane game message (base64 voice or a scene snapshot), small enough to bound memory. */
  maxLineLength: 1024 * 1024,
  /** Eight max-size lines: a burst fits, a client that stops reading is dropped before it costs much. */
  maxQueuedBytes: 8 * 1024 * 1024,
  /** Room for a lobby of thousands; each connection costs a few KB. */
  maxConnections: 20_000,
  /** One room per two clients at full load. */
  maxRooms: 10_000,
  /** Generous for VR rooms; larger rooms are usually a mistake that fans out quadratically. */
  maxRoomMembers: 1_000,
  /** Groups are per client; games use a handful. */
  maxGroupsPerClient: 64,
  /** A group may name every member of the largest room. */
  maxGroupSize: 1_000,
  /** Names are shown to other players; 64 characters fit any UI. */
  maxUsernameLength: 64,
  maxRoomNameLength: 64,
  maxGroupNameLength: 64,
  /** Three wrong passwords close the connection. */
  maxAuthFailures: 3,
  /** Commands pipelined behind a login while the password is checked. */
  maxPendingCommands: 64,
  maxPendingBytes: 64 * 1024,
  /** Larger than any MTU-sized state update; bigger datagrams are dropped. */
  maxDatagramBytes: 16 * 1024,
  /** UDP socket buffers: absorb bursts while the event loop is busy (capped by the kernel's max). */
  udpSocketBufferBytes: 4 * 1024 * 1024,
  /** Idle TCP connections are probed after this long, so half-open peers are reaped. */
  tcpKeepAliveMs: 30_000,
  /** How long a closing connection may take to flush its last lines. */
  closeFlushMs: 1_000,
  /** Graceful shutdown: how long clients get to receive the goodbye before sockets are cut. */
  shutdownGraceMs: 2_000,
  /** Comma-separated page origins allowed on the WebSocket endpoint; empty allows any (a LAN). */
  wsAllowedOrigins: '',
  /** WebSocket keepalive ping; a peer that misses a pong by the next ping is cut (0 = off). */
  wsPingIntervalMs: 30_000,
  /** Empty turns the admin actions (kick, close a room) off until an operator sets a token. */
  adminToken: '',
  /** 0: anyone who reaches the HTTP port may read the JSON API, feed and metrics (a trusted LAN). */
  adminProtectReads: 0,
  /** A few dashboards at once; each open feed costs one snapshot write per second. */
  maxFeedSubscribers: 16,
  /** Empty: one process, no Redis. `redis://host:6379` shares rooms with the other nodes there. */
  cluster: '',
  /** Every Redis key and channel of the cluster starts with it; one cluster per prefix. */
  clusterPrefix: 'roomwire',
  /** `auto` (ask the server), `single` (one Redis) or `cluster` (a Redis Cluster). */
  clusterMode: 'auto',
  /** How often a node renews its heartbeat key and looks for dead nodes. */
  clusterHeartbeatMs: 1_000,
  /** A node whose heartbeat is this old is dead: its clients leave their rooms. */
  clusterNodeTimeoutMs: 5_000,
  /** Client ids taken from Redis at a time; a block lasts a node many logins. */
  clusterIdBlock: 1_000,
  /** How often the server's one timer feeds the clock to the core and checks the sockets. */
  tickIntervalMs: 250,
  /** A client logs in within a round trip or two; a connection that does not is dropped (0 = off). */
  loginTimeoutMs: 10_000,
  /** Clients that ping and then go silent this long are dropped (0 = off); see docs/limits.md. */
  idleTimeoutMs: 30_000,
  /** 1: the idle timeout applies to every client, also those that never ping (original clients). */
  idleTimeoutAll: 0,
  /** Lines per second per client: above a 90 Hz VR client with dozens of objects (~4.5k/s), x4. */
  rateLimitPerSecond: 20_000,
  /** Lines a client may send at once above the rate: two seconds' worth, for bursts and stalls. */
  rateLimitBurst: 40_000,
  /** Seconds in a row over the rate limit before the client is dropped (0 = never). */
  rateLimitMaxStrikes: 10,
  /** 0 = no cap: schools, venues and carrier NAT put hundreds of real players behind one IP. */
  maxConnectionsPerIp: 0,
  /** Comma-separated IPs the per-IP cap skips (a trusted proxy); loopback is capped unless listed. */
  maxConnectionsPerIpExempt: '',
  /** A quarter of maxQueuedBytes: held longer than slowConsumerSoftMs, the client is dropped (0 = off). */
  slowConsumerSoftBytes: 2 * 1024 * 1024,
  /** Long enough for a client to ride out a hiccup, short enough that it cannot hold memory. */
  slowConsumerSoftMs: 10_000,
  /** A socket with queued data that took nothing for this long is dead or stalled (0 = off). */
  writeStallMs: 30_000,
  /** A Wi-Fi blip or a network switch takes seconds; a broken connection's session waits this long (0 = no resume). */
  resumeTtlMs: 20_000,
  /** Lines kept per session for a resume: 20 s of a busy VR room at about 10 KiB/s, with room to spare. */
  resumeBufferBytes: 256 * 1024,
  /** Sessions waiting for a resume at once: a whole server's players after a venue's Wi-Fi drops. */
  maxAwaySessions: 20_000,
  /** The bytes all away sessions may hold together, so that mass disconnects cannot exhaust the heap. */
  maxAwayBytes: 256 * 1024 * 1024,
  // Issue #15, second hardening round; see docs/limits.md.
  /** Bytes per second per client: 8 Mbit/s, far above a game client's state updates (0 = off). */
  byteRateLimitPerSecond: 1024 * 1024,
  /** Bytes a client may send at once above that rate: two seconds' worth, two max-size lines. */
  byteRateLimitBurst: 2 * 1024 * 1024,
  /** A passphrase fits; a room keeps its password as long as it lives. */
  maxPasswordLength: 256,
  /** Ids across all of a client's groups: two room-wide groups, so 20,000 clients fit in 0.5 GiB. */
  maxGroupIdsPerClient: 2_000,
  /** Group recipients named per second per client: a 1,000-id group at 100 Hz (0 = off). */
  groupFanoutPerSecond: 100_000,
  /** A bound UDP address silent this long may be taken over by a bind from its IP (NAT rebinding). */
  udpRebindSilenceMs: 10_000,

  // Edge hardening (issue #15: items 5, 10, 11, 12, 13).
  /** A line (or WebSocket message) started and unfinished this long is refused (0 = off). */
  partialLineTimeoutMs: 10_000,
  /** Open HTTP connections (not yet upgraded to WebSocket): dashboards and probes need few. */
  httpMaxConnections: 512,
  /** Per IP: a browser opens six; a NAT of players upgrading at once is a few dozen. */
  httpMaxConnectionsPerIp: 64,
  /** A request's headers arrive in one round trip; a peer that trickles them is cut. */
  httpHeadersTimeoutMs: 5_000,
  /** The whole request (headers and body; admin bodies are tiny), from its first byte. */
  httpRequestTimeoutMs: 10_000,
  /** Host names the admin API answers to, comma-separated; IP literals and localhost always. */
  adminAllowedHosts: '',
  /** Admin lists (clients, rooms) are built at most this often; readers share the snapshot. */
  adminSnapshotMs: 1_000,
  /** Clients or rooms in one page of the admin API; `?limit=` asks for fewer. */
  adminPageSize: 500,
  /** Password hashes computed at once (each takes a thread and 16 MiB for a few tens of ms). */
  authMaxConcurrent: 2,
  /** Logins waiting for a hash, all IPs together; past it the most-queued IP's newest fails. */
  authMaxQueued: 64,
  /** Logins from one IP waiting or being hashed; more fail at once, as a wrong password. */
  authMaxQueuedPerIp: 8,
} as const;

export type SettingName = keyof typeof DEFAULTS;

/** The log levels pino knows. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
