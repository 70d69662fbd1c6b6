// The concurrency limiter's scripts. Slots are a ZSET owner → lease expiry (server clock);
// waiters form a line (the layout of LINE_LUA: queue ZSET owner → arrival number, leases HASH
// owner → "place expiry:ttl:metadata"), and whichever script finds a free slot hands it to the
// first live waiter. A caller outside the line takes a free slot only when nobody waits, so no
// newcomer ever takes a slot a waiter is owed.
//
// The scripts are written for few Redis calls (each `redis.call` costs about as much as the
// command itself): the clock is read only when needed, expired holders are removed only when
// the earliest lease has ended, and a hand-off pops the line head with one ZPOPMIN. A hand-off
// is published on the lock's channel only when the waiter belongs to another process: the
// caller's reply delivers it to a waiter of its own process (see `handOverLocally`).
import { defineScript } from '@tasks/redis';
import { ANNOUNCE_LUA, META_LUA } from '../lua/fragments.js';
import { ATTEMPT_CODES, parseAttemptReply, parseReleaseReply, RELEASE_CODES } from '../lua/replies.js';

const KEYS = ['slots', 'queue', 'leases', 'meta'] as const;

// Needs `limit`, `channel`, `host` (the caller's owner-id prefix) and META_LUA before it.
const SEMAPHORE_LUA = `
local now
local function clock()
  if not now then
    local time = redis.call('TIME')
    now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return now
end
-- \`count\` is the number of holders before this one: with none the key is new and gets its
-- TTL; otherwise the TTL only grows (GT), in one call either way.
local function take(who, ttl, json, count)
  redis.call('ZADD', slots, now + ttl, who)
  if count == 0 then redis.call('PEXPIRE', slots, ttl) else redis.call('PEXPIRE', slots, ttl, 'GT') end
  set_meta(meta, who, json, ttl)
end
-- Hands the free slots (\`count\` of \`limit\` taken) to the first live waiters (dead places are
-- dropped on the way), appending the hand-offs to \`grants\`. Returns true when the line is
-- known to be empty.
local function promote(count, grants)
  while count < limit do
    local head = redis.call('ZPOPMIN', queue)[1]
    if not head then return true end
    local place = redis.call('HGET', leases, head)
    redis.call('HDEL', leases, head)
    if place then
      local expiry, ttl, json = string.match(place, '^(%d+):(%d+):(.*)$')
      if expiry and tonumber(expiry) > clock() then
        take(head, tonumber(ttl), json, count)
        grants[#grants + 1] = announce(head, head .. '|0')
        count = count + 1
      end
    end
  end
  return false
end
`;

const PRELUDE = `${META_LUA}${ANNOUNCE_LUA}${SEMAPHORE_LUA}`;

/**
 * @internal
 * Acquire. KEYS slots, queue, leases, meta. ARGV owner, ttlMs, limit, placeMs (join the line
 * when refused; 0 = do not), metadata, channel, host. Expired holders are dropped and free
 * slots go to the line first. Reply {ACQUIRED, 0, 0, hand-off...} | {REFUSED or LINE_BUSY, 0,
 * ms until the first lease ends, hand-off...}.
 */
export const SEMAPHORE_ACQUIRE = defineScript({
  name: 'semaphore-acquire',
  keys: KEYS,
  args: {
    owner: 'string',
    ttlMs: 'number',
    limit: 'number',
    placeMs: 'number',
    metadata: 'string',
    channel: 'string',
    host: 'string',
  },
  codes: ATTEMPT_CODES,
  lua: `${PRELUDE}
local tail = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')[2]
local holding = tonumber(redis.call('ZSCORE', slots, owner))
clock()
if holding and holding <= now then holding = nil end -- its lease ended: it holds nothing
local first_end = tonumber(redis.call('ZRANGE', slots, 0, 0, 'WITHSCORES')[2])
-- Joining a line behind others while every lease is live: take a place at the back. Slots
-- are only ever freed by scripts that hand them to the line at once, so there is nothing to
-- promote here; expired holders (and a raised limit) are seen by the full path below, which
-- every waiter runs again within its poll interval.
if placeMs > 0 and tail and not holding and first_end and first_end > now then
  local arrival = tonumber(tail) + 1
  if redis.call('ZADD', queue, 'NX', arrival, owner) == 1 then
    redis.call('HSET', leases, owner, (now + placeMs) .. ':' .. ttlMs .. ':' .. metadata)
    -- Every live waiter renews these TTLs when it polls; arrivals renew them every 8th time.
    if arrival % 8 == 0 then
      redis.call('PEXPIRE', queue, placeMs * 4)
      redis.call('PEXPIRE', leases, placeMs * 4)
    end
    return {LINE_BUSY, 0, first_end - now}
  end
end
if first_end and first_end <= now then
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  first_end = nil
end
if holding then
  take(owner, ttlMs, metadata, 1)
  return {ACQUIRED, 0, 0}
end
local count = redis.call('ZCARD', slots)
local waiting = tail ~= nil
local grants = {}
if waiting and count < limit then
  local emptied = promote(count, grants)
  for _, grant in ipairs(grants) do
    if grant == owner .. '|0' then return {ACQUIRED, 0, 0, unpack(grants)} end
  end
  count = count + #grants
  if emptied then tail = nil end
  waiting = not emptied and redis.call('EXISTS', queue) == 1
  first_end = nil
end
if not waiting and count < limit then
  take(owner, ttlMs, metadata, count)
  return {ACQUIRED, 0, 0, unpack(grants)}
end
if placeMs > 0 then
  redis.call('ZADD', queue, 'NX', (tonumber(tail) or 0) + 1, owner)
  redis.call('HSET', leases, owner, (now + placeMs) .. ':' .. ttlMs .. ':' .. metadata)
  redis.call('PEXPIRE', queue, placeMs * 4)
  redis.call('PEXPIRE', leases, placeMs * 4)
end
if not first_end then first_end = tonumber(redis.call('ZRANGE', slots, 0, 0, 'WITHSCORES')[2]) end
local code = REFUSED
if waiting then code = LINE_BUSY end
return {code, 0, (first_end or now) - now, unpack(grants)}
`,
  parse: parseAttemptReply,
});

/**
 * Release. KEYS as above. ARGV owner, limit, channel, dropMeta (1 when this owner may have
 * stored metadata), host. Frees only this owner's slot (idempotent) and hands free slots to
 * the line. Reply {NOT_HELD} | {RELEASED, hand-off...}.
 */
export const SEMAPHORE_RELEASE = defineScript({
  name: 'semaphore-release',
  keys: KEYS,
  args: { owner: 'string', limit: 'number', channel: 'string', dropMeta: 'number', host: 'string' },
  codes: RELEASE_CODES,
  lua: `
local removed = redis.call('ZREM', slots, owner)
if dropMeta == 1 then redis.call('HDEL', meta, owner) end
if removed == 0 then return {NOT_HELD} end
local count = redis.call('ZCARD', slots)
if count >= limit then return {RELEASED} end
${PRELUDE}
local grants = {}
promote(count, grants)
return {RELEASED, unpack(grants)}
`,
  parse: parseReleaseReply,
});

/**
 * A waiter gives up. KEYS as above. ARGV owner, limit, channel, host. Leaves the line; reply
 * {RELEASED} when a slot had meanwhile been handed to `owner` (the caller then holds it),
 * else {NOT_HELD, hand-off...}.
 */
export const SEMAPHORE_CANCEL = defineScript({
  name: 'semaphore-cancel',
  keys: KEYS,
  args: { owner: 'string', limit: 'number', channel: 'string', host: 'string' },
  codes: RELEASE_CODES,
  lua: `${PRELUDE}
if redis.call('ZREM', queue, owner) == 1 then redis.call('HDEL', leases, owner) end
redis.call('ZREMRANGEBYSCORE', slots, '-inf', clock())
if redis.call('ZSCORE', slots, owner) then return {RELEASED} end
local grants = {}
local count = redis.call('ZCARD', slots)
if count < limit then promote(count, grants) end
return {NOT_HELD, unpack(grants)}
`,
  parse: parseReleaseReply,
});
