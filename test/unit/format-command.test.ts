import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '../../src/protocol/parse-command.js';
import { parseDatagram } from '../../src/protocol/parse-datagram.js';
import {
  fieldProblem,
  formatGroupMessage,
  formatJoin,
  formatListRooms,
  formatLogin,
  formatMessage,
  formatSetGroup,
  formatUdpBind,
  formatUdpGroupMessage,
  formatUdpMessage,
  LEAVE_LINE,
} from '../../src/protocol/format-command.js';

describe('client-side command encoders', () => {
  it('build lines that the server parses back into the same command', () => {
    const parse = (line: string) => parseCommand(Buffer.from(line));
    assert.deepEqual(parse(formatLogin('alice', 'pw')), {
      type: 'login',
      username: 'alice',
      password: 'pw',
    });
    assert.deepEqual(parse(formatLogin('', '')), { type: 'login', username: '', password: '' });
    assert.deepEqual(parse(formatListRooms()), { type: 'list-rooms', password: '' });
    assert.deepEqual(parse(formatListRooms('a:b')), { type: 'list-rooms', password: 'a:b' });
    assert.deepEqual(parse(formatJoin('lobby')), { type: 'join', room: 'lobby', password: '' });
    assert.deepEqual(parse(formatJoin('vip', 'x:y')), {
      type: 'join',
      room: 'vip',
      password: 'x:y',
    });
    assert.deepEqual(parse(LEAVE_LINE), { type: 'leave' });
    assert.deepEqual(parse(formatMessage(2, 'a:b')), {
      type: 'message',
      mode: 2,
      payload: Buffer.from('a:b'),
    });
    assert.deepEqual(parse(formatGroupMessage('team', 'go:go')), {
      type: 'group-message',
      group: 'team',
      payload: Buffer.from('go:go'),
    });
    assert.deepEqual(parse(formatSetGroup('team', [1, 22])), {
      type: 'set-group',
      group: 'team',
      clientIds: [1, 22],
    });
    assert.deepEqual(parse(formatSetGroup('team', [])), {
      type: 'set-group',
      group: 'team',
      clientIds: [],
    });
  });

  it('build datagrams that the server parses back', () => {
    const parse = (text: string) => parseDatagram(Buffer.from(text));
    assert.deepEqual(parse(formatUdpBind(7)), {
      type: 'bind',
      clientId: 7,
      proof: undefined,
      wantsToken: false,
    });
    assert.deepEqual(parse(formatUdpMessage(7, 1, 'x:y')), {
      type: 'message',
      clientId: 7,
      mode: 1,
      payload: Buffer.from('x:y'),
    });
    assert.deepEqual(parse(formatUdpGroupMessage(7, 'team', 'z')), {
      type: 'group-message',
      clientId: 7,
      group: 'team',
      payload: Buffer.from('z'),
    });
  });

  it('name what the server would refuse or misread in a field', () => {
    const fine: [Parameters<typeof fieldProblem>[0], string][] = [
      ['username', ''],
      ['username', 'Zoë'],
      ['login-password', 'p@ss'],
      ['room', 'my-room 2'],
      ['room-password', 'a:b'],
      ['group', 'team-1'],
      ['payload', '{"x":1}:yes'],
    ];
    for (const [kind, value] of fine) assert.equal(fieldProblem(kind, value), undefined, kind);
    const bad: [Parameters<typeof fieldProblem>[0], string, RegExp][] = [
      ['payload', 'two\nlines', /one line/],
      ['room-password', 'a\rb', /one line/],
      ['username', 'a:b', /no ':'/],
      ['username', 'bell\u0007', /control/],
      ['login-password', 'a:b', /no ':'/],
      ['room', '', /not empty/],
      ['room', '-1', /not -1/],
      ['room', 'a,b', /','/],
      ['group', '', /not empty/],
      ['group', 'a:b', /':'/],
    ];
    for (const [kind, value, problem] of bad) {
      assert.match(
        fieldProblem(kind, value) ?? 'fine',
        problem,
        `${kind} ${JSON.stringify(value)}`,
      );
    }
  });
});
