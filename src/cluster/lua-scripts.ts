/**
 * The Redis scripts of the cluster backplane (docs/cluster.md). Each runs atomically in Redis,
 * so a join checks the password, the capacity and the room count and changes membership with no
 * other command in between, and publishes its leave and join events from inside, ordered with
 * everything else on those rooms' channels. Key names are built here from the prefix (ARGV[1]);
 * the layout is in {@link ./redis-keys.ts}.
 */

/** Key and channel names, as Lua functions mirroring redis-keys.ts. */
const KEYS_LUA = `
local P = ARGV[1]
local function roomKey(room, part) return P .. ':room:{' .. room .. '}:' .. part end
local function roomChannel(room) return P .. ':room:{' .. room .. '}' end
local function nodeKey(node, part) return P .. ':node:{' .. node .. '}:' .. part end
local INDEX = P .. ':{rooms}:index'
local SERIAL = P .. ':{rooms}:serial'
local SIZES = P .. ':{rooms}:sizes'
local PASSWORDS = P .. ':{rooms}:passwords'
local NODES = P .. ':{nodes}'
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
  return count
end
`;

/**
 * ARGV: prefix, node, client, room, password, maxRooms, maxRoomMembers. Returns
 * `{'err', code}` or `{'ok', password, memberId...}`: the room just before the join, oldest
 * member first, which is exactly the state the `j|` event it published applies to.
 */
export const JOIN_SCRIPT = `${KEYS_LUA}${LEAVE_LUA}
local node, client, room, password = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local maxRooms, maxMembers = tonumber(ARGV[6]), tonumber(ARGV[7])
local old = redis.call('HGET', nodeKey(node, 'clients'), client)
local members = roomKey(room, 'members')
local meta = roomKey(room, 'meta')
local exists = redis.call('EXISTS', meta) == 1
if exists then
  local current = redis.call('HGET', meta, 'password') or ''
  if current ~= '' and current ~= password then return {'err', 'wrong_room_password'} end
  if redis.call('ZCARD', members) >= maxMembers then return {'err', 'room_full'} end
else
  local freed = 0
  if old and redis.call('ZCARD', roomKey(old, 'members')) == 1 then freed = 1 end
  if redis.call('ZCARD', INDEX) - freed >= maxRooms then return {'err', 'too_many_rooms'} end
end
if old then leave(node, client, old) end
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
export const LEAVE_SCRIPT = `${KEYS_LUA}${LEAVE_LUA}
local room = redis.call('HGET', nodeKey(ARGV[2], 'clients'), ARGV[3])
if not room then return 0 end
if leave(ARGV[2], ARGV[3], room) then return 1 end
return 0
`;

/** ARGV: prefix, node. Removes every client the node had in a room (its own restart). */
export const REAP_NODE_SCRIPT = `${KEYS_LUA}${LEAVE_LUA}
return reapNode(ARGV[2])
`;

/**
 * ARGV: prefix. Removes the clients of every registered node whose heartbeat key has expired.
 * Atomic, so when several survivors run it, the first does the work and the others find none.
 */
export const REAP_DEAD_SCRIPT = `${KEYS_LUA}${LEAVE_LUA}
local count = 0
for _, node in ipairs(redis.call('SMEMBERS', NODES)) do
  if redis.call('EXISTS', nodeKey(node, 'alive')) == 0 then count = count + reapNode(node) end
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

/**
 * ARGV: prefix, password. The room list (protocol section 8): public rooms, plus the private ones
 * whose password matches, in creation order, as `{name, count, name, count...}`.
 */
export const LIST_SCRIPT = `${KEYS_LUA}
local password = ARGV[2]
local reply = {}
for _, room in ipairs(redis.call('ZRANGE', INDEX, 0, -1)) do
  local secret = redis.call('HGET', PASSWORDS, room)
  if (not secret) or (password ~= '' and secret == password) then
    reply[#reply + 1] = room
    reply[#reply + 1] = redis.call('HGET', SIZES, room) or '0'
  end
end
return reply
`;
