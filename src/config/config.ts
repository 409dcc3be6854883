import { DEFAULTS, LOG_LEVELS, type LogLevel, type SettingName } from './defaults.js';
import { ipListProblem } from './ip-list.js';
import { originListProblem } from './origins.js';

/** The server's whole configuration, validated and frozen. */
export type RoomwireConfig = Readonly<
  { [K in SettingName]: (typeof DEFAULTS)[K] extends number ? number : string } & {
    logLevel: LogLevel;
  }
>;

/** A bad setting, named as the user wrote it. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`invalid setting ${setting}: ${message}`, options);
    this.name = 'ConfigError';
  }
}

/** Where one layer of settings came from, for error messages. */
export interface ConfigLayer {
  readonly source: string;
  readonly values: Readonly<Record<string, unknown>>;
}

const SETTING_NAMES = Object.keys(DEFAULTS) as SettingName[];

/** Settings where 0 means something: pick a free port, or turn the feature off. */
const ZERO_ALLOWED: ReadonlySet<SettingName> = new Set([
  'port',
  'httpPort',
  'tcpKeepAliveMs',
  'wsPingIntervalMs',
  'loginTimeoutMs',
  'idleTimeoutMs',
  'rateLimitPerSecond',
  'rateLimitMaxStrikes',
  'maxConnectionsPerIp',
  'slowConsumerSoftBytes',
  'writeStallMs',
  'resumeTtlMs',
  'byteRateLimitPerSecond',
  'groupFanoutPerSecond',
  'udpRebindSilenceMs',
  'partialLineTimeoutMs',
  'adminSnapshotMs',
]);

/** On/off settings: 0 or 1, or the usual words for them (`true`, `off`...), from any layer. */
const SWITCHES: ReadonlySet<SettingName> = new Set(['adminProtectReads', 'idleTimeoutAll']);
const SWITCH_WORDS: ReadonlyMap<string, number> = new Map([
  ...(['0', 'false', 'no', 'off'] as const).map((word) => [word, 0] as const),
  ...(['1', 'true', 'yes', 'on'] as const).map((word) => [word, 1] as const),
]);

/** `maxLineLength` -> `ROOMWIRE_MAX_LINE_LENGTH`. */
export function envName(setting: SettingName): string {
  return `ROOMWIRE_${setting.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** `maxLineLength` -> `max-line-length`. */
export function flagName(setting: SettingName): string {
  return setting.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The settings found in environment variables (`ROOMWIRE_PORT` and so on). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (const setting of SETTING_NAMES) {
    const value = env[envName(setting)];
    if (value !== undefined) values[setting] = value;
  }
  return { source: 'environment', values };
}

/**
 * Merges layers over the defaults, lowest precedence first (file, environment, flags), checks
 * every value, and freezes the result. Throws {@link ConfigError} naming the bad setting.
 */
export function buildConfig(layers: readonly ConfigLayer[]): RoomwireConfig {
  const config: Record<string, unknown> = { ...DEFAULTS };
  for (const layer of layers) {
    for (const [key, raw] of Object.entries(layer.values)) {
      if (raw === undefined) continue;
      if (!(key in DEFAULTS)) {
        throw new ConfigError(
          key,
          `unknown setting (from ${layer.source}); known: ${SETTING_NAMES.join(', ')}`,
        );
      }
      const setting = key as SettingName;
      config[setting] = coerce(setting, raw, layer.source);
    }
  }
  if (config.cluster !== '' && !/^rediss?:\/\/./.test(config.cluster as string)) {
    throw new ConfigError('cluster', 'expected a Redis URL like redis://127.0.0.1:6379');
  }
  if (!['auto', 'single', 'cluster'].includes(config.clusterMode as string)) {
    throw new ConfigError('clusterMode', 'expected auto, single or cluster');
  }
  if (!/^[\w.:-]+$/.test(config.clusterPrefix as string)) {
    throw new ConfigError('clusterPrefix', 'letters, digits and _ . : - only (no braces)');
  }
  if ((config.clusterNodeTimeoutMs as number) <= (config.clusterHeartbeatMs as number)) {
    throw new ConfigError(
      'clusterNodeTimeoutMs',
      'must be longer than clusterHeartbeatMs, or live nodes would be taken for dead',
    );
  }
  if ((config.httpHeadersTimeoutMs as number) > (config.httpRequestTimeoutMs as number)) {
    throw new ConfigError(
      'httpHeadersTimeoutMs',
      'must not be longer than httpRequestTimeoutMs, which counts the headers too',
    );
  }
  if (config.adminProtectReads === 1 && config.adminToken === '') {
    throw new ConfigError('adminProtectReads', 'protecting reads needs an adminToken');
  }
  return Object.freeze(config) as RoomwireConfig;
}

function coerce(setting: SettingName, raw: unknown, source: string): unknown {
  const where = `${setting} (from ${source})`;
  const fallback = DEFAULTS[setting];
  if (SWITCHES.has(setting)) {
    const value =
      typeof raw === 'boolean' ? Number(raw) : SWITCH_WORDS.get(String(raw).trim().toLowerCase());
    if (value === undefined) {
      throw new ConfigError(where, `expected 0 or 1 (or true/false), got ${JSON.stringify(raw)}`);
    }
    return value;
  }
  if (typeof fallback === 'number') {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ConfigError(where, `expected a non-negative integer, got ${JSON.stringify(raw)}`);
    }
    if ((setting === 'port' || setting === 'httpPort') && value > 65_535) {
      throw new ConfigError(where, `a port is at most 65535, got ${value}`);
    }
    if (value === 0 && !ZERO_ALLOWED.has(setting)) {
      throw new ConfigError(where, 'must be at least 1');
    }
    return value;
  }
  if (typeof raw !== 'string')
    throw new ConfigError(where, `expected a string, got ${JSON.stringify(raw)}`);
  if (setting === 'logLevel' && !(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(
      where,
      `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  // The token is never echoed back: error messages end up in logs.
  if (setting === 'adminToken' && raw !== '' && !/^[\x21-\x7e]{16,}$/.test(raw)) {
    throw new ConfigError(
      where,
      'an admin token is at least 16 printable ASCII characters, no spaces (try `openssl rand -hex 24`)',
    );
  }
  if (setting === 'wsAllowedOrigins') {
    const problem = originListProblem(raw);
    if (problem !== undefined) throw new ConfigError(where, problem);
  }
  if (setting === 'maxConnectionsPerIpExempt') {
    const problem = ipListProblem(raw);
    if (problem !== undefined) throw new ConfigError(where, problem);
  }
  return raw;
}
