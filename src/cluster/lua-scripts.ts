/**
 * The Redis scripts of the cluster backplane (docs/cluster.md). They hold only what must be
 * atomic in Redis: reading a consistent view of a join, committing a join and its leave only if
 * what was read is unchanged (the admission rules themselves are `admitJoin` in
 * src/core/admission.ts, decided in TypeScript between the two), leaves, reaps and the
 * heartbeat. Each publishes its membership events from inside, so they are ordered with
 * everything else on the rooms' channels. Key names are built here from the prefix (ARGV[1]);
 * the layout is in channel-codec.ts.
 */

/** Key and channel names, as Lua functions mirroring channel-codec.ts. */
export const KEYS_LUA = `
local P = ARGV[1]
local function roomKey(room, part) return P .. ':room:{' .. room .. '}:' .. part end
local function roomChannel(room) return P .. ':room:{' .. room .. '}' end
local function nodeKey(node, part) return P .. ':node:{' .. node .. '}:' .. part end
local INDEX = P .. ':{rooms}:index'
local SERIAL = P .. ':{rooms}:serial'
local SIZES = P .. ':{rooms}:sizes'
local PASSWORDS = P .. ':{rooms}:passwords'
local NODES = P .. ':{nodes}'
local BEAT = P .. ':{nodes}:beat'
`;

/**
 * A room's version: its creation number and its membership sequence, '' when it does not exist.
 * Every join and leave bumps the sequence; the creation number tells a room from an earlier room
 * of the same name. The room set's version is the serial, bumped on every create and destroy.
 */
const VERSION_LUA = `
local function version(room)
  if room == '' then return '' end
  local created = redis.call('ZSCORE', INDEX, room)
  if not created then return '' end
  return created .. ':' .. (redis.call('HGET', roomKey(room, 'meta'), 'seq') or '0')
end
local function roomsVersion() return redis.call('GET', SERIAL) or '0' end
`;

/** Takes a client out of a room: `l|<seq>|<client>` on the channel; the room goes when empty. */
const LEAVE_LUA = `
local function leave(node, client, room)
  redis.call('HDEL', nodeKey(node, 'clients'), client)
  local members = roomKey(room, 'members')
  if redis.call('ZREM', members, client) == 0 then return false end
  local meta = roomKey(room, 'meta')
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  redis.call('PUBLISH', roomChannel(room), 'l|' .. seq .. '|' .. client)
  if redis.call('ZCARD', members) == 0 then
    redis.call('DEL', members, meta)
    redis.call('ZREM', INDEX, room)
    redis.call('HDEL', SIZES, room)
    redis.call('HDEL', PASSWORDS, room)
    redis.call('INCR', SERIAL)
  else
    redis.call('HINCRBY', SIZES, room, -1)
  end
  return true
end

local function reapNode(node)
  local clients = redis.call('HGETALL', nodeKey(node, 'clients'))
  local count = 0
  for i = 1, #clients, 2 do
    if leave(node, clients[i], clients[i + 1]) then count = count + 1 end
  end
  redis.call('DEL', nodeKey(node, 'clients'))
  redis.call('SREM', NODES, node)
  -- The last node gone: no heartbeat to compare with any more.
  if redis.call('SCARD', NODES) == 0 then redis.call('DEL', BEAT) end
  return count
end
`;

const ROOM_LUA = `${KEYS_LUA}${VERSION_LUA}${LEAVE_LUA}`;

/**
 * ARGV: prefix, node, client, room. What a join decision needs (src/core/admission.ts
 * `JoinView`), read in one step, with the versions the commit checks:
 * `{old, oldMembers, oldVersion, roomVersion, roomPassword, roomMembers, roomCount, roomsVersion}`.
 */
export const JOIN_VIEW_SCRIPT = `${ROOM_LUA}
local node, client, room = ARGV[2], ARGV[3], ARGV[4]
local old = redis.call('HGET', nodeKey(node, 'clients'), client) or ''
local oldMembers = 0
if old ~= '' then oldMembers = redis.call('ZCARD', roomKey(old, 'members')) end
return {
  old, tostring(oldMembers), version(old),
  version(room), redis.call('HGET', roomKey(room, 'meta'), 'password') or '',
  tostring(redis.call('ZCARD', roomKey(room, 'members'))),
  tostring(redis.call('ZCARD', INDEX)), roomsVersion(),
}
`;

/**
 * ARGV: prefix, node, client, room, password, old room, old room version, room version, room-set
 * version ('*' for a version the decision did not depend on). Applies an admitted join: leaves
 * the old room (publishing `l|`), creates the room if needed, adds the member with the room's
 * next sequence number as its score and publishes `j|<seq>|<client>`, but only if everything
 * read by the view is unchanged. Returns `{'conflict'}` (read again and decide again),
 * `{'reaped'}` (this node was taken for dead and removed: it must re-register), or
 * `{'ok', password, memberId...}`: the room just before the join, oldest member first, which is
 * exactly the state the `j|` event applies to.
 */
export const JOIN_COMMIT_SCRIPT = `${ROOM_LUA}
local node, client, room, password = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('SISMEMBER', NODES, node) == 0 then return {'reaped'} end
local old = redis.call('HGET', nodeKey(node, 'clients'), client) or ''
if old ~= ARGV[6] or version(room) ~= ARGV[8] then return {'conflict'} end
if ARGV[7] ~= '*' and version(old) ~= ARGV[7] then return {'conflict'} end
if ARGV[9] ~= '*' and roomsVersion() ~= ARGV[9] then return {'conflict'} end
if old ~= '' then leave(node, client, old) end
local members = roomKey(room, 'members')
local meta = roomKey(room, 'meta')
if redis.call('EXISTS', meta) == 0 then
  redis.call('HSET', meta, 'password', password, 'seq', 0)
  redis.call('ZADD', INDEX, redis.call('INCR', SERIAL), room)
  if password ~= '' then redis.call('HSET', PASSWORDS, room, password) end
end
local snapshot = redis.call('ZRANGE', members, 0, -1)
local seq = redis.call('HINCRBY', meta, 'seq', 1)
redis.call('ZADD', members, seq, client)
redis.call('HSET', nodeKey(node, 'clients'), client, room)
redis.call('HINCRBY', SIZES, room, 1)
redis.call('PUBLISH', roomChannel(room), 'j|' .. seq .. '|' .. client)
local reply = {'ok', redis.call('HGET', meta, 'password')}
for _, member in ipairs(snapshot) do reply[#reply + 1] = member end
return reply
`;

/** ARGV: prefix, node, client. Returns 1, or 0 when the client was in no room. */
export const LEAVE_SCRIPT = `${ROOM_LUA}
local room = redis.call('HGET', nodeKey(ARGV[2], 'clients'), ARGV[3])
if not room then return 0 end
if leave(ARGV[2], ARGV[3], room) then return 1 end
return 0
`;

/** ARGV: prefix, node. Removes every client the node had in a room (its own restart). */
export const REAP_NODE_SCRIPT = `${ROOM_LUA}
return reapNode(ARGV[2])
`;

/**
 * ARGV: prefix, node, node timeout (ms), stall (ms). Renews the node's heartbeat key, then
 * removes the clients of every registered node whose key has expired, and returns how many, or
 * -1 when this node itself is no longer registered (it was taken for dead and reaped: it must
 * detach its members and register again). Atomic, so when several survivors run it, the first
 * does the work and the others find none.
 *
 * When Redis heard no heartbeat from any node for longer than the stall time, Redis itself was
 * stalled (or every node was): the keys that expired meanwhile say nothing about the nodes, so
 * instead of reaping, every registered node gets one more timeout to renew its key.
 */
export const HEARTBEAT_SCRIPT = `${ROOM_LUA}
local node, timeout, stall = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('SISMEMBER', NODES, node) == 0 then return -1 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local last = tonumber(redis.call('GET', BEAT) or '0')
redis.call('SET', BEAT, now)
redis.call('SET', nodeKey(node, 'alive'), '1', 'PX', timeout)
local nodes = redis.call('SMEMBERS', NODES)
if last > 0 and now - last > stall then
  for _, other in ipairs(nodes) do
    redis.call('SET', nodeKey(other, 'alive'), '1', 'PX', timeout, 'NX')
  end
  return 0
end
local count = 0
for _, other in ipairs(nodes) do
  if redis.call('EXISTS', nodeKey(other, 'alive')) == 0 then count = count + reapNode(other) end
end
return count
`;

/**
 * ARGV: prefix, highest id. Raises the client id counter to at least the highest id this node
 * holds, in case Redis restarted without its data (docs/cluster.md, what can be lost).
 */
export const RAISE_IDS_SCRIPT = `
local key = ARGV[1] .. ':ids'
if tonumber(redis.call('GET', key) or '0') < tonumber(ARGV[2]) then
  redis.call('SET', key, ARGV[2])
end
return 0
`;

/** KEYS: the id counter. ARGV: highest id. {@link RAISE_IDS_SCRIPT} with its key in KEYS. */
export const RAISE_IDS_KEY_SCRIPT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 0
`;
