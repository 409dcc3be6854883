import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig, ConfigError } from '../../src/config/config.js';
import { originListProblem, parseOriginList } from '../../src/config/origins.js';
import { originAllowed } from '../../src/transports/websocket-upgrade.js';

describe('the WebSocket origin allow-list', () => {
  it('parses a comma-separated list, lowercased, without trailing slashes', () => {
    assert.deepEqual(parseOriginList(''), []);
    assert.deepEqual(parseOriginList(' https://Game.Example/ , http://localhost:8080,'), [
      'https://game.example',
      'http://localhost:8080',
    ]);
  });

  it('refuses entries that are not origins, naming the setting', () => {
    assert.equal(originListProblem('https://a.example,http://b.example:81'), undefined);
    assert.match(originListProblem('game.example') ?? '', /not an origin/);
    assert.match(originListProblem('https://a.example/path') ?? '', /not an origin/);
    assert.throws(
      () => buildConfig([{ source: 'test', values: { wsAllowedOrigins: 'nope' } }]),
      (error: unknown) => error instanceof ConfigError && /wsAllowedOrigins/.test(error.message),
    );
  });

  it('allows every origin when the list is empty, and requests without an origin always', () => {
    assert.equal(originAllowed('https://any.example', []), true);
    assert.equal(originAllowed(undefined, ['https://game.example']), true);
    assert.equal(originAllowed('https://GAME.example', ['https://game.example']), true);
    assert.equal(originAllowed('https://evil.example', ['https://game.example']), false);
  });

  it('takes 0 for wsPingIntervalMs as "no pings"', () => {
    const config = buildConfig([{ source: 'test', values: { wsPingIntervalMs: '0' } }]);
    assert.equal(config.wsPingIntervalMs, 0);
  });
});
