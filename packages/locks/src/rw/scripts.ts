// The readers-writer lock's scripts. One ZSET of leases: a reader is "r:<owner>" scored by
// its expiry, the writer "w:<owner>" scored by MINUS its expiry (so ZRANGEBYSCORE -inf (0
// finds it). Waiting writers form the line `queue`, waiting readers the line `readers`.
// Writer preference: a waiting writer, or the intent of a refused non-waiting writer, keeps
// new readers out; whichever script frees the lock hands it to the first waiting writer, or,
// with no writer waiting or intending, to every waiting reader at once.
import { defineScript, SERVER_TIME_LUA } from '@tasks/redis';
import { ANNOUNCE_LUA, FENCE_LUA, LINE_LUA, META_LUA } from '../lua/fragments.js';
import { ATTEMPT_CODES, parseAttemptReply, parseReleaseReply, RELEASE_CODES } from '../lua/replies.js';

const KEYS = ['lock', 'fence', 'queue', 'readers', 'leases', 'intent', 'meta'] as const;

// Needs `now` (SERVER_TIME_LUA), `channel`, `host` (the caller's owner-id prefix) and the
// fence, meta and line fragments before it.
const RW_LUA = `
local function prune()
  redis.call('ZREMRANGEBYSCORE', lock, 0, now)
  redis.call('ZREMRANGEBYSCORE', lock, -now, 0)
end
local function keep(ttl)
  if redis.call('PTTL', lock) < ttl then redis.call('PEXPIRE', lock, ttl) end
end
local function writer_lease()
  local writer = redis.call('ZRANGEBYSCORE', lock, '-inf', '(0', 'WITHSCORES', 'LIMIT', 0, 1)
  if writer[2] then return -tonumber(writer[2]) - now end
  return nil
end
local function grant_writer(to, ttl, json)
  redis.call('ZADD', lock, -(now + ttl), 'w:' .. to)
  keep(ttl)
  set_meta(meta, to, json, ttl)
  line_leave(queue, leases, to)
  if redis.call('GET', intent) == to then redis.call('DEL', intent) end
  return announce(to, to .. '|' .. token_text(next_token(fence, ttl)))
end
local function grant_readers(grants)
  for _, to in ipairs(redis.call('ZRANGE', readers, 0, -1)) do
    local place = redis.call('HGET', leases, to)
    local expiry, ttl, json = nil, nil, nil
    if place then expiry, ttl, json = string.match(place, '^(%d+):(%d+):(.*)$') end
    if expiry and tonumber(expiry) > now then
      redis.call('ZADD', lock, now + tonumber(ttl), 'r:' .. to)
      keep(tonumber(ttl))
      set_meta(meta, to, json, tonumber(ttl))
      grants[#grants + 1] = announce(to, to .. '|0')
    end
    redis.call('HDEL', leases, to)
  end
  redis.call('DEL', readers)
end
local function promote()
  local grants = {}
  local head, ttl, json = line_head(queue, leases, now)
  if head then
    if redis.call('ZCARD', lock) == 0 then grants[1] = grant_writer(head, ttl, json) end
    return grants
  end
  if redis.call('EXISTS', readers) == 1 and not writer_lease() and redis.call('EXISTS', intent) == 0 then
    grant_readers(grants)
  end
  return grants
end
`;

const PRELUDE = `${SERVER_TIME_LUA}${FENCE_LUA}${META_LUA}${LINE_LUA}${ANNOUNCE_LUA}${RW_LUA}`;

/**
 * @internal
 * Writer acquire. KEYS lock, fence, queue, readers, leases, intent, meta. ARGV owner, ttlMs,
 * placeMs (join the writers' line when refused; 0 = do not), metadata, channel, host (the
 * caller's owner-id prefix: hand-offs to its own process are not published), intentMs (a
 * non-waiting writer refused by readers keeps new readers out this long; 0 = not). Only with no live
 * holder and nobody ahead in line. Reply {ACQUIRED, token, 0, hand-off...} |
 * {REFUSED, 0, ms until the holders' leases end, hand-off...}.
 */
export const RW_WRITE_ACQUIRE = defineScript({
  name: 'rw-write-acquire',
  keys: KEYS,
  args: {
    owner: 'string',
    ttlMs: 'number',
    placeMs: 'number',
    metadata: 'string',
    channel: 'string',
    host: 'string',
    intentMs: 'number',
  },
  codes: ATTEMPT_CODES,
  lua: `${PRELUDE}
prune()
local member = 'w:' .. owner
if redis.call('ZSCORE', lock, member) then
  redis.call('ZADD', lock, 'XX', -(now + ttlMs), member)
  keep(ttlMs)
  set_meta(meta, owner, metadata, ttlMs)
  return {ACQUIRED, tonumber(redis.call('GET', fence) or '0'), 0}
end
local grants = promote()
if redis.call('ZSCORE', lock, member) then
  return {ACQUIRED, tonumber(redis.call('GET', fence) or '0'), 0, unpack(grants)}
end
if redis.call('ZCARD', lock) == 0 then
  redis.call('ZADD', lock, -(now + ttlMs), member)
  keep(ttlMs)
  set_meta(meta, owner, metadata, ttlMs)
  if redis.call('GET', intent) == owner then redis.call('DEL', intent) end
  return {ACQUIRED, next_token(fence, ttlMs), 0, unpack(grants)}
end
local wait = writer_lease()
if placeMs > 0 then
  line_join(queue, leases, owner, now, placeMs, ttlMs, metadata)
elseif intentMs > 0 and not wait then
  redis.call('SET', intent, owner, 'PX', intentMs)
end
if not wait then wait = (tonumber(redis.call('ZRANGE', lock, -1, -1, 'WITHSCORES')[2]) or now) - now end
return {REFUSED, 0, wait, unpack(grants)}
`,
  parse: parseAttemptReply,
});

/**
 * @internal
 * Reader acquire. KEYS as for the writer. ARGV owner, ttlMs, placeMs (join the readers' line
 * when refused), metadata, channel, host, preferWriters (1: a waiting or intending writer keeps this
 * reader out). Reply {ACQUIRED, 0, 0, hand-off...} | {REFUSED, 0, ms until the writer's lease
 * ends or 0, hand-off...}.
 */
export const RW_READ_ACQUIRE = defineScript({
  name: 'rw-read-acquire',
  keys: KEYS,
  args: {
    owner: 'string',
    ttlMs: 'number',
    placeMs: 'number',
    metadata: 'string',
    channel: 'string',
    host: 'string',
    preferWriters: 'number',
  },
  codes: ATTEMPT_CODES,
  lua: `${PRELUDE}
prune()
local member = 'r:' .. owner
if redis.call('ZSCORE', lock, member) then
  redis.call('ZADD', lock, 'XX', now + ttlMs, member)
  keep(ttlMs)
  set_meta(meta, owner, metadata, ttlMs)
  return {ACQUIRED, 0, 0}
end
local grants = promote()
if redis.call('ZSCORE', lock, member) then return {ACQUIRED, 0, 0, unpack(grants)} end
local wait = writer_lease()
local blocked = wait ~= nil
if not blocked and preferWriters == 1 then
  blocked = line_head(queue, leases, now) ~= nil or redis.call('EXISTS', intent) == 1
end
if not blocked then
  redis.call('ZADD', lock, now + ttlMs, member)
  keep(ttlMs)
  set_meta(meta, owner, metadata, ttlMs)
  line_leave(readers, leases, owner)
  return {ACQUIRED, 0, 0, unpack(grants)}
end
if placeMs > 0 then line_join(readers, leases, owner, now, placeMs, ttlMs, metadata) end
return {REFUSED, 0, wait or 0, unpack(grants)}
`,
  parse: parseAttemptReply,
});

/**
 * Release of either side. KEYS as above. ARGV member ("w:<owner>" or "r:<owner>"), owner,
 * channel, dropMeta (1 when this owner may have stored metadata), host. Removes only this owner's
 * lease (idempotent), then hands the lock on. Reply {NOT_HELD} | {RELEASED, hand-off...}.
 */
export const RW_RELEASE = defineScript({
  name: 'rw-release',
  keys: KEYS,
  args: { member: 'string', owner: 'string', channel: 'string', dropMeta: 'number', host: 'string' },
  codes: RELEASE_CODES,
  lua: `
local removed = redis.call('ZREM', lock, member)
if dropMeta == 1 then redis.call('HDEL', meta, owner) end
if removed == 0 then return {NOT_HELD} end
if redis.call('EXISTS', queue) == 0 and redis.call('EXISTS', readers) == 0 then return {RELEASED} end
${PRELUDE}
prune()
return {RELEASED, unpack(promote())}
`,
  parse: parseReleaseReply,
});

/**
 * A waiter gives up. KEYS as above. ARGV owner, member, channel, host. Leaves both lines; reply
 * {RELEASED} when the lock had meanwhile been handed to `owner`, else {NOT_HELD, hand-off...}
 * (its leaving may let others in).
 */
export const RW_CANCEL = defineScript({
  name: 'rw-cancel',
  keys: KEYS,
  args: { owner: 'string', member: 'string', channel: 'string', host: 'string' },
  codes: RELEASE_CODES,
  lua: `${PRELUDE}
line_leave(queue, leases, owner)
line_leave(readers, leases, owner)
prune()
if redis.call('ZSCORE', lock, member) then return {RELEASED} end
return {NOT_HELD, unpack(promote())}
`,
  parse: parseReleaseReply,
});
