/** The `roomwire --help` text: every option with a one-line description, in groups. */
import { envName, flagName } from '../config/config.js';
import { DEFAULTS, type SettingName } from '../config/defaults.js';

const GROUPS = ['network', 'limits', 'auth', 'admin', 'cluster', 'logging'] as const;
type Group = (typeof GROUPS)[number];

/** Each setting's group and one line; docs/configuration.md has the full story. */
export const SETTING_HELP: Partial<Record<SettingName, readonly [Group, string]>> = {
  host: ['network', 'address to listen on, TCP, UDP and HTTP'],
  port: ['network', 'TCP and UDP port (0 picks a free one)'],
  httpPort: ['network', 'HTTP port: WebSocket /ws, demo, dashboard, API, metrics'],
  wsAllowedOrigins: ['network', 'page origins allowed on /ws, comma-separated (empty: any)'],
  wsPingIntervalMs: ['network', 'WebSocket ping period; two missed pongs cut the peer (0: off)'],
  tcpKeepAliveMs: ['network', 'TCP keepalive delay, to reap half-open peers (0: off)'],
  udpSocketBufferBytes: ['network', 'UDP socket buffer size, to ride out bursts'],
  maxLineLength: ['limits', 'longest line in bytes (line_too_long)'],
  maxQueuedBytes: ['limits', 'bytes queued for one client before slow_consumer'],
  maxConnections: ['limits', 'open connections (server_full)'],
  maxConnectionsPerIp: ['limits', 'open connections from one IP (0: no cap)'],
  maxConnectionsPerIpExempt: ['limits', 'IPs the per-IP cap skips, comma-separated'],
  maxRooms: ['limits', 'rooms (too_many_rooms)'],
  maxRoomMembers: ['limits', 'members of one room (room_full)'],
  maxGroupsPerClient: ['limits', 'groups one client may define (too_many_groups)'],
  maxGroupSize: ['limits', 'clients one group may name (group_too_large)'],
  maxUsernameLength: ['limits', 'characters in a username (bad_username)'],
  maxRoomNameLength: ['limits', 'characters in a room name (bad_room_name)'],
  maxGroupNameLength: ['limits', 'characters in a group name (bad_group_name)'],
  maxPendingCommands: ['limits', 'lines held behind a login being checked'],
  maxPendingBytes: ['limits', 'bytes held behind a login being checked'],
  maxDatagramBytes: ['limits', 'largest UDP datagram accepted'],
  rateLimitPerSecond: ['limits', 'lines (and datagrams) per second per client (0: off)'],
  rateLimitBurst: ['limits', 'lines a client may send at once above the rate'],
  rateLimitMaxStrikes: ['limits', 'seconds of flooding in a row before a close (0: never)'],
  loginTimeoutMs: ['limits', 'time to log in after connecting (0: off)'],
  idleTimeoutMs: ['limits', 'silence allowed after a ping (8:) before a close (0: off)'],
  idleTimeoutAll: ['limits', '1: the idle timeout applies to clients that never ping too'],
  slowConsumerSoftBytes: ['limits', 'queued bytes a client may hold only briefly (0: off)'],
  slowConsumerSoftMs: ['limits', 'how long a client may stay above the soft bytes'],
  writeStallMs: ['limits', 'time a socket may take nothing of its queue (0: off)'],
  partialLineTimeoutMs: ['limits', 'time a line may stay unfinished (0: off)'],
  byteRateLimitPerSecond: ['limits', 'bytes per second per client (0: off)'],
  byteRateLimitBurst: ['limits', 'bytes a client may send at once above that rate'],
  maxPasswordLength: ['limits', 'characters of a login or room password'],
  maxGroupIdsPerClient: ['limits', "client ids across all of one client's groups"],
  groupFanoutPerSecond: ['limits', 'group recipients a client may name per second (0: off)'],
  udpRebindSilenceMs: ['limits', 'silence after which a UDP binding may move (0: never)'],
  resumeTtlMs: ['limits', "time a broken connection's session waits for a resume (0: off)"],
  resumeBufferBytes: ['limits', 'bytes of lines kept per session for a resume'],
  maxAwaySessions: ['limits', 'sessions waiting for a resume at once'],
  maxAwayBytes: ['limits', 'bytes all sessions waiting for a resume may hold'],
  closeFlushMs: ['limits', 'time a closing connection gets to flush'],
  shutdownGraceMs: ['limits', 'on SIGINT/SIGTERM, time clients get to read the goodbye'],
  tickIntervalMs: ['limits', 'period of the timer that judges every time limit'],
  usersFile: ['auth', 'check passwords against this users file (empty: accept all)'],
  maxAuthFailures: ['auth', 'failed logins before the connection is closed'],
  authMaxConcurrent: ['auth', 'password hashes computed at once'],
  authMaxQueued: ['auth', 'logins waiting for a hash; more fail at once'],
  authMaxQueuedPerIp: ['auth', 'logins from one IP waiting for a hash'],
  adminToken: ['admin', 'bearer token for kick and close-room (empty: actions off)'],
  adminProtectReads: ['admin', '1: the API, live feed and /metrics need the token too'],
  maxFeedSubscribers: ['admin', 'dashboards following the live feed at once'],
  adminAllowedHosts: ['admin', 'host names the admin API answers to, comma-separated'],
  adminSnapshotMs: ['admin', 'how often a long admin list is rebuilt for its readers'],
  adminPageSize: ['admin', 'clients or rooms in one page of the admin API'],
  httpMaxConnections: ['network', 'open HTTP connections not yet upgraded to WebSocket'],
  httpMaxConnectionsPerIp: ['network', 'the same, from one IP address'],
  httpHeadersTimeoutMs: ['network', "time for a request's headers to arrive"],
  httpRequestTimeoutMs: ['network', 'time for a whole HTTP request to arrive'],
  cluster: ['cluster', 'Redis URL: share rooms with every node using it'],
  clusterPrefix: ['cluster', 'start of every Redis key and channel'],
  clusterMode: ['cluster', 'auto, single (one Redis) or cluster (a Redis Cluster)'],
  clusterHeartbeatMs: ['cluster', 'how often a node renews its heartbeat'],
  clusterNodeTimeoutMs: ['cluster', 'a node silent this long is dead'],
  clusterIdBlock: ['cluster', 'client ids a node takes from Redis at a time'],
  logLevel: ['logging', 'fatal, error, warn, info, debug, trace or silent'],
};

/** Options of the process itself, not settings of the server. */
const PROCESS_OPTIONS: readonly (readonly [Group, string, string])[] = [
  [
    'logging',
    '--log-format FORMAT',
    'json or pretty (default: pretty on a terminal, else json); env ROOMWIRE_LOG_FORMAT',
  ],
];

const WIDTH = 34;

function describe(setting: SettingName): string {
  const [, text] = SETTING_HELP[setting] ?? ['limits', 'see docs/configuration.md'];
  const value = DEFAULTS[setting];
  const shown = value === '' ? '' : ` [${String(value)}]`;
  return `  --${flagName(setting)} ${placeholder(value)}`.padEnd(WIDTH) + text + shown;
}

function placeholder(value: string | number): string {
  return typeof value === 'number' ? 'N' : 'TEXT';
}

/** The full help of `roomwire [serve]`. */
export function serverHelp(): string {
  const settings = Object.keys(DEFAULTS) as SettingName[];
  const sections = GROUPS.map((group) => {
    const lines = settings
      .filter((setting) => (SETTING_HELP[setting]?.[0] ?? 'limits') === group)
      .map(describe);
    for (const [where, flag, text] of PROCESS_OPTIONS) {
      if (where === group) lines.push(`  ${flag}`.padEnd(WIDTH) + text);
    }
    return `${group[0]?.toUpperCase()}${group.slice(1)}:\n${lines.join('\n')}`;
  });
  return `Usage: roomwire [serve] [options]
       roomwire users add|list|remove NAME [--users-file FILE]
       roomwire client [--host HOST] [--port PORT] [--name NAME] [--room ROOM] [--raw]
       roomwire cluster [--nodes N] [--redis URL] [--port PORT] [--http-port PORT]
       (each command has its own --help)

Roomwire relays VelNet-protocol messages between game clients over TCP, UDP and WebSocket.

Every setting is also an environment variable (--max-rooms is ${envName('maxRooms')}) and a
key of the --config JSON file (maxRooms); flags beat the environment, which beats the file,
which beats the defaults, shown in brackets. docs/configuration.md explains each one.

${sections.join('\n\n')}

Other:
${'  --config FILE'.padEnd(WIDTH)}JSON file of settings (env ROOMWIRE_CONFIG)
${'  -h, --help'.padEnd(WIDTH)}show this help
${'  -v, --version'.padEnd(WIDTH)}print the version
`;
}

/** Every long option `roomwire serve` knows, for the "did you mean" of an unknown one. */
export function serverFlags(): string[] {
  const settings = Object.keys(DEFAULTS) as SettingName[];
  return ['config', 'help', 'version', 'log-format', ...settings.map(flagName)];
}
