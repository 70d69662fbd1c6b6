// Lua shared by the lock kinds, written once: fencing tokens, owner metadata, and the line of
// waiters that makes every waiting acquire first come, first served. Each fragment defines
// local functions; a script puts the fragments it needs in front of its body.

/**
 * Lua statements that set `out` to the next fencing token of `fence` (a lock of `ttl` ms): a
 * token strictly increasing per key, across owners and expiries. The fence key is a counter
 * (INCR: one call, no clock read). When it does not exist (first use, or expired) it restarts
 * from the server time in microseconds, above every token it gave before: it expires
 * max(2 × ttl, 60 s) after it was (re)started and grows by 1 per acquisition, so it could only
 * catch up with the clock at a million acquisitions a second. Inline (no function), for the
 * scripts of the uncontended path.
 */
export function nextTokenLua(out: string, fence: string, ttl: string): string {
  return `
local ${out} = redis.call('INCR', ${fence})
if ${out} == 1 then
  local clock = redis.call('TIME')
  ${out} = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  redis.call('SET', ${fence}, string.format('%.0f', ${out}), 'PX', math.max(2 * ${ttl}, 60000))
end
`;
}

/**
 * `next_token(fence_key, ttl)` → the next fencing token (see {@link nextTokenLua});
 * `token_text(token)` prints one exactly (Lua's `..` would print 16 digits in exponent form).
 */
export const FENCE_LUA = `
local function next_token(fence_key, ttl)
${nextTokenLua('token', 'fence_key', 'ttl')}
  return token
end
local function token_text(token)
  return string.format('%.0f', token)
end
`;

/** `set_meta(meta_key, owner, json, ttl)`: stores owner metadata (if any) for `ttl` ms at least. */
export const META_LUA = `
local function set_meta(meta_key, owner, json, ttl)
  if json ~= '' then
    redis.call('HSET', meta_key, owner, json)
    if redis.call('PTTL', meta_key) < ttl then redis.call('PEXPIRE', meta_key, ttl) end
  end
end
`;

/**
 * The line of waiters of a lock: `queue` (ZSET owner → arrival number, strictly increasing, so
 * the order is the order of arrival) and `leases` (HASH owner → "<place expiry ms>:<lock ttl
 * ms>:<metadata JSON>"). A waiter renews its place with every attempt; a place that was not
 * renewed (a crashed or departed waiter) is dropped when it reaches the head.
 * - `line_join(queue, leases, owner, now, place_ms, ttl, json)` joins (or renews a place);
 * - `line_head(queue, leases, now)` → owner, ttl, json of the first live waiter, or nil;
 * - `line_leave(queue, leases, owner)` leaves the line.
 */
export const LINE_LUA = `
local function line_join(queue, leases, owner, now, place_ms, ttl, json)
  if not redis.call('ZSCORE', queue, owner) then
    local tail = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')[2]
    redis.call('ZADD', queue, (tonumber(tail) or 0) + 1, owner)
  end
  redis.call('HSET', leases, owner, (now + place_ms) .. ':' .. ttl .. ':' .. json)
  redis.call('PEXPIRE', queue, place_ms * 4)
  redis.call('PEXPIRE', leases, place_ms * 4)
end
local function line_head(queue, leases, now)
  while true do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    if not head then return nil end
    local place = redis.call('HGET', leases, head)
    if place then
      local expiry, ttl, json = string.match(place, '^(%d+):(%d+):(.*)$')
      if expiry and tonumber(expiry) > now then return head, tonumber(ttl), json end
    end
    redis.call('ZREM', queue, head)
    redis.call('HDEL', leases, head)
  end
end
local function line_leave(queue, leases, owner)
  if redis.call('ZREM', queue, owner) == 1 then redis.call('HDEL', leases, owner) end
end
`;

/**
 * `announce(to, message)` publishes a hand-off `message` for waiter `to` on `channel`, unless
 * `to` belongs to the caller's own process (its owner id starts with `host`): the caller's reply
 * delivers those. Returns `message`. Needs the script arguments `channel` and `host`.
 */
export const ANNOUNCE_LUA = `
local function announce(to, message)
  if host == '' or string.sub(to, 1, #host) ~= host then redis.call('PUBLISH', channel, message) end
  return message
end
`;
