// Lint keeps the arrows of docs/ARCHITECTURE.md: protocol and core are pure, only server/ wires.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const IO_MODULES = [
  'node:net',
  'node:dgram',
  'node:http',
  'node:https',
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:worker_threads',
  'node:timers',
  'node:timers/promises',
  'node:crypto',
  'node:os',
  'net',
  'dgram',
  'http',
  'fs',
  'ws',
  'ioredis',
  'pino',
  'prom-client',
];

const pureImports = (forbiddenFolders) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: IO_MODULES.map((name) => ({ name, message: 'This layer is pure: no IO here.' })),
      patterns: forbiddenFolders.map((folder) => ({
        group: [`**/${folder}/**`, `../${folder}/*`, `../../${folder}/*`],
        message: `This layer may not import ${folder}/ (see docs/ARCHITECTURE.md).`,
      })),
    },
  ],
});

/** Folders a layer that may do IO still may not import (docs/ARCHITECTURE.md). */
const layerImports = (forbiddenFolders) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: forbiddenFolders.map((folder) => ({
        group: [`**/${folder}/**`, `../${folder}/*`, `../../${folder}/*`],
        message: `This layer may not import ${folder}/ (see docs/ARCHITECTURE.md).`,
      })),
    },
  ],
});

/** Every folder of src/ but protocol/: what protocol/ and the client library may not import. */
const ALL_BUT_PROTOCOL = [
  'core',
  'server',
  'transports',
  'cluster',
  'admin',
  'http',
  'config',
  'cli',
  'auth',
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test-output/**', 'roomwire.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a union type.' },
        { selector: 'TSModuleDeclaration', message: 'No namespaces.' },
      ],
    },
  },
  {
    // Pages served to browsers (the admin dashboard): plain browser JavaScript.
    files: ['web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The client library runs in browsers too: only its Node entry and TCP/UDP transport may
    // use Node's IO modules, and like every client it reaches the server through protocol/ only.
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/index.ts', 'src/client/tcp-transport.ts'],
    rules: pureImports(ALL_BUT_PROTOCOL),
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: pureImports(ALL_BUT_PROTOCOL),
  },
  {
    // Transports are thin adapters: sockets in, core inputs out; no protocol rule, no wiring.
    files: ['src/transports/**/*.ts'],
    rules: layerImports(['server', 'cluster', 'admin', 'http', 'config', 'cli', 'auth', 'client']),
  },
  {
    // The HTTP router and static files, shared by admin, the pages and the WebSocket endpoint.
    files: ['src/http/**/*.ts'],
    rules: layerImports(['server', 'core', 'cluster', 'admin', 'config', 'cli', 'auth', 'client']),
  },
  {
    // Admin reads the core's snapshots and the server's counters; it never wires anything.
    files: ['src/admin/**/*.ts'],
    rules: layerImports(['server', 'cluster', 'config', 'cli', 'auth', 'client']),
  },
  {
    // The backplane speaks the core's domain; it may use IO (Redis) but not the outer folders.
    files: ['src/cluster/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ['server', 'transports', 'admin', 'config', 'cli', 'auth', 'client'].map(
            (folder) => ({
              group: [`**/${folder}/**`, `../${folder}/*`, `../../${folder}/*`],
              message: `This layer may not import ${folder}/ (see docs/ARCHITECTURE.md).`,
            }),
          ),
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      ...pureImports([
        'server',
        'transports',
        'cluster',
        'admin',
        'config',
        'cli',
        'auth',
        'client',
      ]),
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'performance'].map(
          (name) => ({ name, message: 'The core gets time inside its inputs.' }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The core gets time inside its inputs.' },
        { object: 'Math', property: 'random', message: 'The core gets ids from its generator.' },
        { object: 'process', message: 'The core does not touch the process.' },
      ],
    },
  },
);
