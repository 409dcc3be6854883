/**
 * The scripts of the backplane on Redis Cluster (docs/cluster.md, "Redis Cluster"). Each touches
 * one hash slot and gets all its keys in KEYS, so ioredis `Cluster` routes it by its first key
 * to the shard that owns them; a room's channel (passed in ARGV) shares the room's hash tag, so
 * its `SPUBLISH` stays on that shard too. What one Redis did in one script (a join leaving the old
 * room, creating the new one and counting rooms) is split into per-slot steps run in order by
 * src/cluster/sharded-rooms.ts; the admission rules stay in src/core/admission.ts.
 */

/**
 * A room's version on its shard: its creation number and its membership sequence; '' while it
 * does not exist. A room emptied by its last leave stays `closing` (its creation number kept)
 * until the room set has released it: it no longer exists for a join, which may create it anew.
 * KEYS of every room script: members (sorted set), meta (hash), holds (hash: the places held for
 * clients switching in from another room, counted as members until confirmed).
 */
const ROOM_VERSION_LUA = `
local function version()
  if redis.call('HGET', KEYS[2], 'closing') then return '' end
  local created = redis.call('HGET', KEYS[2], 'created')
  if not created then return '' end
  return created .. ':' .. (redis.call('HGET', KEYS[2], 'seq') or '0')
end
local function create(password, created)
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  redis.call('HSET', KEYS[2], 'password', password, 'seq', 0, 'created', created)
end
local function enter(channel, client)
  local snapshot = redis.call('ZRANGE', KEYS[1], 0, -1)
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
  redis.call('ZADD', KEYS[1], seq, client)
  redis.call('SPUBLISH', channel, 'j|' .. seq .. '|' .. client)
  local created = redis.call('HGET', KEYS[2], 'created')
  local reply = {'ok', redis.call('HGET', KEYS[2], 'password'), created, tostring(seq)}
  for _, member in ipairs(snapshot) do reply[#reply + 1] = member end
  return reply
end
`;

/** KEYS: members, meta, holds. `{version, password, member count (holds included)}`. */
export const ROOM_VIEW_SCRIPT = `${ROOM_VERSION_LUA}
return { version(), redis.call('HGET', KEYS[2], 'password') or '',
  tostring(redis.call('ZCARD', KEYS[1]) + redis.call('HLEN', KEYS[3])) }
`;

/**
 * KEYS: members, meta, holds. ARGV: channel, client, password, the room's version the decision
 * read, the creation number when the join creates the room (else ''). Adds the member with the
 * room's next sequence number and publishes `j|<seq>|<client>`, only if the version is
 * unchanged. `{'conflict'}`, or `{'ok', password, creation number, seq, member...}`: the room
 * just before the join.
 */
export const ROOM_COMMIT_SCRIPT = `${ROOM_VERSION_LUA}
local channel, client, password, expected, created = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if version() ~= expected then return {'conflict'} end
if expected == '' then
  if created == '' then return {'conflict'} end
  create(password, created)
end
return enter(channel, client)
`;

/**
 * KEYS: members, meta, holds. ARGV: client, password, version read, creation number or ''. The
 * first half of a switch: holds a place for the client (it counts as a member for every later
 * decision) if the version is unchanged, before it leaves its old room. `'ok'` or `'conflict'`.
 */
export const ROOM_HOLD_SCRIPT = `${ROOM_VERSION_LUA}
local client, password, expected, created = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if version() ~= expected then return 'conflict' end
if expected == '' then
  if created == '' then return 'conflict' end
  create(password, created)
end
redis.call('HSET', KEYS[3], client, 1)
redis.call('HINCRBY', KEYS[2], 'seq', 1)
return 'ok'
`;

/**
 * KEYS: members, meta, holds. ARGV: channel, client. The second half of a switch, once the old
 * room is left: the held place becomes the member (`j|` published). `{'gone'}` when the hold was
 * taken away meanwhile (the node was reaped), else as the commit.
 */
export const ROOM_CONFIRM_SCRIPT = `${ROOM_VERSION_LUA}
if redis.call('HDEL', KEYS[3], ARGV[2]) == 0 then return {'gone'} end
return enter(ARGV[1], ARGV[2])
`;

/**
 * KEYS: members, meta, holds. ARGV: channel, client, the version the leave requires ('' for
 * none). Takes the client (or its held place) out, publishing `l|<seq>|<id>` for a member.
 * `{left (1/0), state, creation number, seq, member count}`: state `live`, `closing` (empty, to
 * be released from the room set under that creation number), `absent` (no such room on this
 * shard) or `conflict` (the version differs; nothing changed).
 */
export const ROOM_LEAVE_SCRIPT = `${ROOM_VERSION_LUA}
if ARGV[3] ~= '' and version() ~= ARGV[3] then return {0, 'conflict', ''} end
local left = redis.call('ZREM', KEYS[1], ARGV[2])
local held = redis.call('HDEL', KEYS[3], ARGV[2])
local created = redis.call('HGET', KEYS[2], 'created') or ''
if left == 1 or held == 1 then
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
  if left == 1 then redis.call('SPUBLISH', ARGV[1], 'l|' .. seq .. '|' .. ARGV[2]) end
  if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('HLEN', KEYS[3]) == 0 then
    redis.call('HSET', KEYS[2], 'closing', 1)
    redis.call('HDEL', KEYS[2], 'password')
  end
end
local state = 'live'
if created == '' then state = 'absent'
elseif redis.call('HGET', KEYS[2], 'closing') then state = 'closing' end
return { left, state, created, redis.call('HGET', KEYS[2], 'seq') or '0',
  tostring(redis.call('ZCARD', KEYS[1])) }
`;

/** KEYS: members, meta, holds. ARGV: creation number. Forgets a released room still `closing`. */
export const ROOM_FORGET_SCRIPT = `
if redis.call('HGET', KEYS[2], 'closing') and redis.call('HGET', KEYS[2], 'created') == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
end
return 0
`;

/**
 * KEYS of the room-set scripts: index (room -> creation number), serial, passwords, owners (room
 * -> reserving node), leaving (room -> the room a switch creates, while its last member moves),
 * sizes (room -> `created:seq:count`).
 */

/**
 * KEYS: index, serial, passwords, owners, leaving, sizes. `{room count, room-set version}`, read
 * together; a room whose last member is switching to a room it creates counts no more.
 */
export const ROOMS_VIEW_SCRIPT = `
local count = redis.call('ZCARD', KEYS[1]) - redis.call('HLEN', KEYS[5])
return { tostring(count), redis.call('GET', KEYS[2]) or '0' }
`;

/**
 * KEYS: index, serial, passwords, owners, leaving, sizes. ARGV: room, password, room-set version, node,
 * the old room whose last member this switch moves ('' for none). Counts a new room in the room
 * set (the one step that counts rooms: `maxRooms` stays exact across shards), only if the room
 * set is unchanged since the decision and the room is not there yet (being created or released
 * by someone else: decide again). Records the reserving node, so that the reap of a node that
 * died before its room got its first member releases it, and marks the old room as leaving.
 * `{'ok', creation number}` or `{'conflict'}`.
 */
export const RESERVE_SCRIPT = `
local room = ARGV[1]
if redis.call('ZSCORE', KEYS[1], room) then return {'conflict'} end
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[3] then return {'conflict'} end
local created = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], created, room)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], room, ARGV[2]) end
redis.call('HSET', KEYS[4], room, ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], ARGV[5], room) end
return {'ok', tostring(created)}
`;

/**
 * KEYS: index, serial, passwords, owners, leaving, sizes. ARGV: room, creation number, node, a room
 * whose leaving mark goes too ('' for none). Removes a room from the room set: the one created
 * under that number (emptied by its last leave), or, with no number, the reservation of that
 * node whose room never got a member. 1 when it did.
 */
export const RELEASE_SCRIPT = `
local room, created = ARGV[1], ARGV[2]
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[5], ARGV[4]) end
local score = redis.call('ZSCORE', KEYS[1], room)
if not score then return 0 end
if created ~= '' then
  if tostring(score) ~= created then return 0 end
elseif redis.call('HGET', KEYS[4], room) ~= ARGV[3] then
  return 0
end
redis.call('ZREM', KEYS[1], room)
redis.call('HDEL', KEYS[3], room)
redis.call('HDEL', KEYS[4], room)
redis.call('HDEL', KEYS[5], room)
redis.call('HDEL', KEYS[6], room)
redis.call('INCR', KEYS[2])
return 1
`;

/**
 * KEYS: the room set's sizes (room -> `created:seq:count`), index. ARGV: room, creation number,
 * seq, member count. Keeps the member count the room list shows, sent by a node after each join
 * and leave: only for the room of that creation number still in the index, and only a newer one
 * (a later creation, or a later seq of the same) replaces the one there, so counts sent in any
 * order end at the latest, and none comes back after the room was released.
 */
export const SIZE_SCRIPT = `
local room, created, seq = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if tonumber(redis.call('ZSCORE', KEYS[2], room) or '-1') ~= created then return 0 end
local stored = redis.call('HGET', KEYS[1], room)
if stored then
  local c, s = string.match(stored, '^(%d+):(%d+):')
  c, s = tonumber(c), tonumber(s)
  if c > created or (c == created and s >= seq) then return 0 end
end
redis.call('HSET', KEYS[1], room, ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4])
return 1
`;

/**
 * KEYS: a node's clients hash, its state. ARGV: field, room. Records where a client of the node
 * is going (before anything in the room changes), so a reap finds it: field `<client>` its room,
 * `<client>>` the room a switch moves it to. `reaped` when the node was taken for dead (it must
 * re-register).
 */
export const INTENT_SCRIPT = `
if redis.call('GET', KEYS[2]) ~= 'live' then return 'reaped' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'ok'
`;

/** KEYS: clients, state. ARGV: field, room. Forgets the field if it still names that room. */
export const FORGET_INTENT_SCRIPT = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/** KEYS: clients, state. ARGV: client. A switch is done: `<client>>` becomes `<client>`. */
export const MOVE_INTENT_SCRIPT = `
local room = redis.call('HGET', KEYS[1], ARGV[1] .. '>')
if room then
  redis.call('HSET', KEYS[1], ARGV[1], room)
  redis.call('HDEL', KEYS[1], ARGV[1] .. '>')
end
return 0
`;

/**
 * KEYS: clients, state. Marks a node reaped (its later intents fail) and returns its clients'
 * rooms, `{client, room, ...}`, for the reaper to take out one room at a time.
 */
export const CLAIM_NODE_SCRIPT = `
redis.call('SET', KEYS[2], 'reaped')
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS: registry, alive, beat. ARGV: node, node timeout. Registers a node as alive. */
export const REGISTER_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
return 0
`;

/** KEYS: registry, alive, beat. ARGV: node. Removes a node (stopped, or reaped). */
export const DROP_NODE_SCRIPT = `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('SCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[3]) end
return 0
`;

/**
 * KEYS: registry, alive (node -> expiry, Redis ms), beat. ARGV: node, node timeout, stall.
 * Renews the node's expiry and returns the registered nodes whose expiry passed, each claimed
 * for one more timeout (so one survivor reaps it, another only if that one dies too); `{-1}`
 * when this node is no longer registered. With the stall guard of the single-Redis heartbeat:
 * no heartbeat of any node for longer than the stall time means Redis (or every node) stalled,
 * and every node gets one more timeout instead of being reaped.
 */
export const SHARDED_HEARTBEAT_SCRIPT = `
local node, timeout, stall = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('SISMEMBER', KEYS[1], node) == 0 then return {-1} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
redis.call('SET', KEYS[3], now)
redis.call('HSET', KEYS[2], node, now + timeout)
local stalled = last > 0 and now - last > stall
local dead = {0}
for _, other in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local expiry = tonumber(redis.call('HGET', KEYS[2], other) or '0')
  if stalled then
    if expiry < now + timeout then redis.call('HSET', KEYS[2], other, now + timeout) end
  elseif expiry < now then
    redis.call('HSET', KEYS[2], other, now + timeout)
    dead[#dead + 1] = other
  end
end
return dead
`;
