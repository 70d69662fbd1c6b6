// Every lock algorithm as one Lua script per operation. All times come from the Redis
// server (TIME); all keys of one script share a cluster slot (see companionKey). Scripts
// return only integers, strings and flat arrays.
import { defineScript } from '@tasks/redis';

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// Fencing token: strictly increasing per key, across owners and expiries. The fence key is a
// counter (INCR: one call, no clock read). When it does not exist (first use, or expired), it
// restarts from the server time in microseconds, which is above every token it gave before:
// it expires max(2 x ttl, 60 s) after it was (re)started and is bumped by 1 per acquisition,
// so it could only have caught up with the clock at a million acquisitions per second.
// Memory stays bounded (one small key per lock, gone a minute after its last use).
const FENCE = `
local function next_token(fence_key, ttl)
  local token = redis.call('INCR', fence_key)
  if token == 1 then
    local c = redis.call('TIME')
    token = tonumber(c[1]) * 1000000 + tonumber(c[2])
    redis.call('SET', fence_key, string.format('%.0f', token), 'PX', math.max(2 * ttl, 60000))
  end
  return string.format('%.0f', token)
end
`;

const META = `
local function set_meta(meta_key, owner, meta, ttl)
  if meta ~= '' then
    redis.call('HSET', meta_key, owner, meta)
    if redis.call('PTTL', meta_key) < ttl then redis.call('PEXPIRE', meta_key, ttl) end
  end
end
`;

/**
 * Mutex acquire. KEYS: lock, fence, queue (ZSET owner -> arrival), queue leases (HASH owner ->
 * "expiry:ttl"), meta. ARGV: owner, ttlMs, waitLeaseMs (0 = do not queue), metadata JSON or ''.
 * Returns {1, token, 0} when held, {0, '0', pttl-or-0} when not. A free lock goes to the first
 * live queued waiter, so a releasing owner cannot barge ahead of the line. With nobody queued
 * (the common case) it is a SET NX and a counter bump: no clock read, no queue scan.
 */
export const MUTEX_ACQUIRE = defineScript(
  'mutex-acquire',
  5,
  `${FENCE}${META}
local lock, fence, queue, leases, meta_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local owner, ttl, lease, meta = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local queued = redis.call('EXISTS', queue) == 1
if not queued and redis.call('SET', lock, owner, 'NX', 'PX', ttl) then
  set_meta(meta_key, owner, meta, ttl)
  return {1, next_token(fence, ttl), 0}
end
local current = redis.call('GET', lock)
if current == owner then
  redis.call('PEXPIRE', lock, ttl)
  set_meta(meta_key, owner, meta, ttl)
  return {1, redis.call('GET', fence) or '0', 0}
end
if current and lease == 0 then return {0, '0', redis.call('PTTL', lock)} end
${NOW}
local function enqueue()
  if lease > 0 then
    redis.call('ZADD', queue, 'NX', now, owner)
    redis.call('HSET', leases, owner, (now + lease) .. ':' .. ttl)
    redis.call('PEXPIRE', queue, lease * 4)
    redis.call('PEXPIRE', leases, lease * 4)
  end
end
if current then
  enqueue()
  return {0, '0', redis.call('PTTL', lock)}
end
local head = nil
while true do
  local h = redis.call('ZRANGE', queue, 0, 0)[1]
  if not h then break end
  local v = redis.call('HGET', leases, h)
  local expiry = v and tonumber(string.match(v, '^(%d+):'))
  if expiry and expiry > now then head = h break end
  redis.call('ZREM', queue, h)
  redis.call('HDEL', leases, h)
end
if head and head ~= owner then
  enqueue()
  return {0, '0', 0}
end
if head then
  redis.call('ZREM', queue, owner)
  redis.call('HDEL', leases, owner)
end
redis.call('SET', lock, owner, 'PX', ttl)
set_meta(meta_key, owner, meta, ttl)
return {1, next_token(fence, ttl), 0}
`,
);

/**
 * Mutex release. KEYS: lock, fence, queue, queue leases, meta. ARGV: owner, channel,
 * '1' if this owner may have metadata to drop ('0' skips that).
 * Deletes the lock only if `owner` holds it, then hands it straight to the first live queued
 * waiter (publishing "owner|token" on the channel). Returns 0 if `owner` did not hold it,
 * "owner|token" when it handed the lock over, 1 when it just released it.
 */
export const MUTEX_RELEASE = defineScript(
  'mutex-release',
  5,
  `
local lock, fence, queue, leases, meta_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local owner, channel = ARGV[1], ARGV[2]
if redis.call('GET', lock) ~= owner then return 0 end
redis.call('DEL', lock)
if ARGV[3] ~= '0' then redis.call('HDEL', meta_key, owner) end
if redis.call('EXISTS', queue) == 0 then return 1 end
${NOW}${FENCE}
while true do
  local h = redis.call('ZRANGE', queue, 0, 0)[1]
  if not h then return 1 end
  local v = redis.call('HGET', leases, h)
  redis.call('ZREM', queue, h)
  redis.call('HDEL', leases, h)
  local expiry, ttl = nil, nil
  if v then expiry, ttl = string.match(v, '^(%d+):(%d+)$') end
  if expiry and tonumber(expiry) > now then
    redis.call('SET', lock, h, 'PX', tonumber(ttl))
    local grant = h .. '|' .. next_token(fence, tonumber(ttl))
    redis.call('PUBLISH', channel, grant)
    return grant
  end
end
`,
);

/**
 * Mutex fast paths for the common case (no metadata, nobody queued), with fewer keys and
 * arguments. Try: KEYS lock, fence, queue; ARGV owner, ttlMs. Returns like MUTEX_ACQUIRE
 * with waitLeaseMs 0, or {-1, '0', 0} when somebody is queued (the caller then runs
 * MUTEX_ACQUIRE, which respects the line).
 */
export const MUTEX_TRY = defineScript(
  'mutex-try',
  3,
  `${FENCE}
local lock, fence, queue = KEYS[1], KEYS[2], KEYS[3]
local owner, ttl = ARGV[1], tonumber(ARGV[2])
if redis.call('EXISTS', queue) == 1 then return {-1, '0', 0} end
if redis.call('SET', lock, owner, 'NX', 'PX', ttl) then return {1, next_token(fence, ttl), 0} end
if redis.call('GET', lock) == owner then
  redis.call('PEXPIRE', lock, ttl)
  return {1, redis.call('GET', fence) or '0', 0}
end
return {0, '0', redis.call('PTTL', lock)}
`,
);

/**
 * Mutex release fast path. KEYS: lock, queue. ARGV: owner. Returns 1 if it released, 0 if
 * not the owner, -1 (nothing changed) when somebody is queued: the caller then runs
 * MUTEX_RELEASE, which hands the lock over.
 */
export const MUTEX_RELEASE_UNQUEUED = defineScript(
  'mutex-release-unqueued',
  2,
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('DEL', KEYS[1])
return 1
`,
);

/**
 * Mutex give-up by a waiter (timeout or abort). KEYS: lock, queue, queue leases.
 * ARGV: owner, channel. Leaves the queue; returns 1 if the lock had meanwhile been handed to
 * `owner` (the caller then holds it), else 0. Wakes the line if the lock is free.
 */
export const MUTEX_CANCEL = defineScript(
  'mutex-cancel',
  3,
  `
local lock, queue, leases = KEYS[1], KEYS[2], KEYS[3]
local owner, channel = ARGV[1], ARGV[2]
redis.call('ZREM', queue, owner)
redis.call('HDEL', leases, owner)
if redis.call('GET', lock) == owner then return 1 end
if redis.call('EXISTS', lock) == 0 and redis.call('EXISTS', queue) == 1 then
  redis.call('PUBLISH', channel, '*')
end
return 0
`,
);

/** Mutex extend. KEYS: lock, meta. ARGV: owner, ttlMs. Returns 1 only if still owned. */
export const MUTEX_EXTEND = defineScript(
  'mutex-extend',
  2,
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
`,
);

// Readers-writer lock: one ZSET of leases. A reader is "r:<owner>" scored by its expiry; the
// writer is "w:<owner>" scored by MINUS its expiry, so ZRANGEBYSCORE -inf (0 finds it.
const RW_PRUNE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now)
redis.call('ZREMRANGEBYSCORE', KEYS[1], -now, 0)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local function keep_key(ttl)
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
local function wait_in(set, owner, lease)
  if lease > 0 then
    redis.call('ZADD', set, now + lease, owner)
    redis.call('PEXPIRE', set, lease * 4)
  end
end
`;

/**
 * Writer acquire. KEYS: lock, fence, waiting writers, waiting readers, meta. ARGV: owner,
 * ttlMs, waitLeaseMs, metadata. Only with no live reader and no other writer.
 * Returns {1, token, 0} or {0, '0', ms until the first lease ends}.
 */
export const RW_WRITE_ACQUIRE = defineScript(
  'rw-write-acquire',
  5,
  `${NOW}${FENCE}${META}${RW_PRUNE}
local owner, ttl, lease, meta = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local member = 'w:' .. owner
if redis.call('ZSCORE', KEYS[1], member) then
  redis.call('ZADD', KEYS[1], 'XX', -(now + ttl), member)
  keep_key(ttl)
  return {1, redis.call('GET', KEYS[2]) or '0', 0}
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZADD', KEYS[1], -(now + ttl), member)
  redis.call('ZREM', KEYS[3], owner)
  keep_key(ttl)
  set_meta(KEYS[5], owner, meta, ttl)
  return {1, next_token(KEYS[2], ttl), 0}
end
wait_in(KEYS[3], owner, lease)
local first = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local soonest = nil
for i = 2, #first, 2 do
  local e = math.abs(tonumber(first[i])) - now
  if not soonest or e < soonest then soonest = e end
end
return {0, '0', soonest or 0}
`,
);

/**
 * Reader acquire. KEYS: lock, fence, waiting writers, waiting readers, meta. ARGV: owner,
 * ttlMs, waitLeaseMs, metadata, preferWriters (1 = a waiting writer blocks new readers).
 */
export const RW_READ_ACQUIRE = defineScript(
  'rw-read-acquire',
  5,
  `${NOW}${META}${RW_PRUNE}
local owner, ttl, lease, meta, prefer = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local member = 'r:' .. owner
if redis.call('ZSCORE', KEYS[1], member) then
  redis.call('ZADD', KEYS[1], 'XX', now + ttl, member)
  keep_key(ttl)
  return {1, '0', 0}
end
local writer = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(0', 'WITHSCORES', 'LIMIT', 0, 1)
if writer[1] then
  wait_in(KEYS[4], owner, lease)
  return {0, '0', -tonumber(writer[2]) - now}
end
if prefer == '1' and redis.call('ZCARD', KEYS[3]) > 0 then
  wait_in(KEYS[4], owner, lease)
  return {0, '0', 0}
end
redis.call('ZADD', KEYS[1], now + ttl, member)
redis.call('ZREM', KEYS[4], owner)
keep_key(ttl)
set_meta(KEYS[5], owner, meta, ttl)
return {1, '0', 0}
`,
);

/**
 * Lease release for the RW lock and the concurrency limiter. KEYS: lock, waiters A,
 * waiters B, meta. ARGV: member, owner, channel, wake ('all' wakes every waiter — the RW
 * lock, where many readers may enter — 'one' only the waiter registered longest ago, so a
 * freed semaphore slot does not send every waiter at the script at once). Removes only this
 * owner's lease (idempotent). Returns 1 if a lease was removed.
 */
export const LEASE_RELEASE = defineScript(
  'lease-release',
  4,
  `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[2])
if removed == 1 and (redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1) then
  local target = '*'
  if ARGV[4] == 'one' then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    if first then target = 'wake:' .. first end
  end
  redis.call('PUBLISH', ARGV[3], target)
end
return removed
`,
);

/**
 * Lease extend for the RW lock and the concurrency limiter. KEYS: lock, meta. ARGV: member,
 * ttlMs, sign (1, or -1 for the writer). Returns 1 only if the lease was still live.
 */
export const LEASE_EXTEND = defineScript(
  'lease-extend',
  2,
  `${NOW}
local member, ttl, sign = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local score = redis.call('ZSCORE', KEYS[1], member)
if not score then return 0 end
if math.abs(tonumber(score)) <= now then
  redis.call('ZREM', KEYS[1], member)
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', sign * (now + ttl), member)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`,
);

/** Leaves the waiting sets. KEYS: waiters A, waiters B. ARGV: owner. */
export const WAIT_CANCEL = defineScript(
  'wait-cancel',
  2,
  `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
`,
);

/**
 * Concurrency-limiter acquire. KEYS: slots (ZSET owner -> expiry), waiters, meta.
 * ARGV: owner, ttlMs, limit, waitLeaseMs, metadata. Expired holders are pruned first.
 * Returns {1, '0', 0} or {0, '0', ms until the first slot's lease ends}.
 */
export const SEMAPHORE_ACQUIRE = defineScript(
  'semaphore-acquire',
  3,
  `${NOW}${META}
local owner, ttl, limit, lease, meta = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[1], owner) or redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + ttl, owner)
  redis.call('ZREM', KEYS[2], owner)
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  set_meta(KEYS[3], owner, meta, ttl)
  return {1, '0', 0}
end
if lease > 0 then
  redis.call('ZADD', KEYS[2], now + lease, owner)
  redis.call('PEXPIRE', KEYS[2], lease * 4)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, '0', tonumber(first[2]) - now}
`,
);

/**
 * Sliding-window rate limiter. KEYS: log (a LIST of admission times in ms, oldest first, one
 * element per unit). ARGV: windowMs, limit, nItems.
 * Returns {1, '0', now} when admitted, {0, '0', ms until enough units leave the window}.
 *
 * Admitting is O(1): when even the whole log (expired entries included) leaves room, no scan
 * is needed. Expired entries are dropped from the head every 32 admissions and whenever the
 * log looks full, so the log never holds much more than the window's admissions.
 */
export const RATE_ACQUIRE = defineScript(
  'rate-acquire',
  1,
  `${NOW}
local key = KEYS[1]
local window, limit, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cutoff = now - window
local stamp = string.format('%.0f', now)
local function prune(max)
  local dropped = 0
  while dropped < max do
    local head = redis.call('LINDEX', key, 0)
    if not head or tonumber(head) > cutoff then break end
    local first = redis.call('LRANGE', key, 0, 63)
    local m = 0
    for i = 1, #first do
      if tonumber(first[i]) > cutoff then break end
      m = i
    end
    redis.call('LTRIM', key, m, -1)
    dropped = dropped + m
    if m < #first then break end
  end
end
local count = redis.call('LLEN', key)
if count + n > limit then
  prune(count)
  count = redis.call('LLEN', key)
  if count + n > limit then
    local freeing = redis.call('LINDEX', key, count + n - limit - 1)
    return {0, '0', tonumber(freeing) + window - now}
  end
elseif math.floor((count + n) / 32) > math.floor(count / 32) then
  prune(64)
end
if n == 1 then
  redis.call('RPUSH', key, stamp)
else
  local left = n
  while left > 0 do
    local batch = {}
    for i = 1, math.min(left, 1000) do batch[i] = stamp end
    redis.call('RPUSH', key, unpack(batch))
    left = left - #batch
  end
end
redis.call('PEXPIRE', key, window)
return {1, '0', now}
`,
);

/**
 * Gives back units admitted by one rate-limiter acquire. KEYS: log. ARGV: admission time
 * (ms, as returned by RATE_ACQUIRE), nItems. Entries of one instant are interchangeable, so
 * it removes up to nItems entries of that time, newest first. Returns how many it removed.
 */
export const RATE_REFUND = defineScript(
  'rate-refund',
  1,
  `return redis.call('LREM', KEYS[1], -tonumber(ARGV[2]), ARGV[1])`,
);
