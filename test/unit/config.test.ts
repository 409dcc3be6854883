import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildConfig, ConfigError, envName, flagName } from '../../src/config/config.js';
import { DEFAULTS, type SettingName } from '../../src/config/defaults.js';
import { parseIpList } from '../../src/config/ip-list.js';
import { loadConfig } from '../../src/config/load-config.js';

const SETTINGS = Object.keys(DEFAULTS) as SettingName[];

describe('configuration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomwire-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the defaults when nothing is given', () => {
    assert.deepEqual({ ...buildConfig([]) }, { ...DEFAULTS });
  });

  it('freezes the result', () => {
    assert.ok(Object.isFrozen(buildConfig([])));
  });

  it('names settings the same way in flags and environment variables', () => {
    assert.equal(flagName('maxLineLength'), 'max-line-length');
    assert.equal(envName('maxLineLength'), 'ROOMWIRE_MAX_LINE_LENGTH');
    assert.equal(envName('port'), 'ROOMWIRE_PORT');
  });

  it('takes flags over the environment over the file over the defaults', async () => {
    const file = join(dir, 'precedence.json');
    await writeFile(file, JSON.stringify({ port: 1111, host: '127.0.0.2', maxRooms: 7 }));
    const env = { ROOMWIRE_PORT: '2222', ROOMWIRE_HOST: '127.0.0.3' };
    const config = await loadConfig({ config: file, port: '3333' }, env);
    assert.equal(config.port, 3333);
    assert.equal(config.host, '127.0.0.3');
    assert.equal(config.maxRooms, 7);
    assert.equal(config.maxRoomMembers, DEFAULTS.maxRoomMembers);
  });

  it('reads the file named by ROOMWIRE_CONFIG when no flag names one', async () => {
    const file = join(dir, 'from-env.json');
    await writeFile(file, JSON.stringify({ maxRoomMembers: 4 }));
    const config = await loadConfig({}, { ROOMWIRE_CONFIG: file });
    assert.equal(config.maxRoomMembers, 4);
  });

  it('refuses a value that is not a number, naming the setting and its source', () => {
    assert.throws(
      () => buildConfig([{ source: 'command line', values: { port: 'abc' } }]),
      (error: unknown) =>
        error instanceof ConfigError && /port \(from command line\)/.test(error.message),
    );
  });

  it('refuses ports above 65535, negative and fractional numbers, and zero limits', () => {
    for (const values of [{ port: 70000 }, { maxRooms: -1 }, { maxRooms: 1.5 }, { maxRooms: 0 }]) {
      assert.throws(() => buildConfig([{ source: 'test', values }]), ConfigError);
    }
  });

  it('reads the hardening settings: 0 turns a limit off, switches take words, IPs are checked', () => {
    const config = buildConfig([
      {
        source: 'environment',
        values: {
          loginTimeoutMs: '0',
          idleTimeoutMs: '0',
          idleTimeoutAll: 'true',
          rateLimitPerSecond: '0',
          rateLimitMaxStrikes: '0',
          maxConnectionsPerIp: '0',
          slowConsumerSoftBytes: '0',
          writeStallMs: '0',
          maxConnectionsPerIpExempt: '127.0.0.1, ::1,::ffff:10.0.0.1',
        },
      },
    ]);
    assert.equal(config.idleTimeoutAll, 1);
    assert.equal(config.rateLimitPerSecond, 0);
    assert.equal(parseIpList(config.maxConnectionsPerIpExempt).join(' '), '127.0.0.1 ::1 10.0.0.1');
    for (const values of [
      { tickIntervalMs: 0 },
      { rateLimitBurst: 0 },
      { slowConsumerSoftMs: 0 },
      { idleTimeoutAll: 'sometimes' },
    ]) {
      assert.throws(() => buildConfig([{ source: 'test', values }]), ConfigError);
    }
    assert.throws(
      () => buildConfig([{ source: 'file', values: { maxConnectionsPerIpExempt: 'localhost' } }]),
      /maxConnectionsPerIpExempt.*"localhost" is not an IP address/,
    );
  });

  it('refuses unknown settings and unknown log levels', () => {
    assert.throws(() => buildConfig([{ source: 'file', values: { prot: 5000 } }]), /prot/);
    assert.throws(
      () => buildConfig([{ source: 'file', values: { logLevel: 'loud' } }]),
      /logLevel/,
    );
  });

  it('refuses a config file that is missing or not a JSON object, naming the file', async () => {
    await assert.rejects(loadConfig({ config: join(dir, 'missing.json') }, {}), /missing\.json/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '[1, 2]');
    await assert.rejects(loadConfig({ config: bad }, {}), /bad\.json must hold a JSON object/);
  });

  it('documents every setting in docs/configuration.md with its default', async () => {
    const docs = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const setting of SETTINGS) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`--${flagName(setting)}\``));
      assert.ok(row, `docs/configuration.md has no row for --${flagName(setting)}`);
      assert.ok(row.includes(`\`${envName(setting)}\``), `row for ${setting} names its variable`);
      const value = DEFAULTS[setting];
      if (value !== '')
        assert.ok(row.includes(`\`${value}\``), `row for ${setting} shows ${value}`);
    }
  });
});
