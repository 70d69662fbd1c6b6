// The mutex's scripts. The lock is a STRING holding the owner id with a TTL; waiters form a
// line (see LINE_LUA), and whichever script frees the lock hands it to the first live waiter
// and publishes "owner|token" on the lock's channel. With nobody in line (the common case)
// acquire and release take the short scripts: no clock read, no line.
import { defineScript, SERVER_TIME_LUA } from '@tasks/redis';
import { ANNOUNCE_LUA, FENCE_LUA, LINE_LUA, META_LUA, nextTokenLua } from '../lua/fragments.js';
import {
  ATTEMPT_CODES,
  EXTEND_CODES,
  parseAttemptReply,
  parseExtendReply,
  parseReleaseReply,
  RELEASE_CODES,
} from '../lua/replies.js';

const LINED_KEYS = ['lock', 'fence', 'queue', 'leases', 'meta'] as const;

// grant(to, ttl, json): hands the free lock to waiter `to` (set, fence, metadata, announce).
// The announcement is published only when `to` is not in the caller's process (its owner id
// does not start with `host`): the caller's reply delivers it to a waiter of its own process.
const GRANT = `${ANNOUNCE_LUA}
local function grant(to, ttl, json)
  redis.call('SET', lock, to, 'PX', ttl)
  set_meta(meta, to, json, ttl)
  line_leave(queue, leases, to)
  return announce(to, to .. '|' .. token_text(next_token(fence, ttl)))
end
`;

/** What the uncontended acquire decided. */
export type TryOutcome =
  | { readonly kind: 'acquired'; readonly token: number }
  | {
      readonly kind: 'refused';
      /** The holder's lease ends in this many ms. */ readonly retryAfterMs: number;
    }
  | { readonly kind: 'line-busy' };

/**
 * Acquire when nobody waits. KEYS lock, fence, queue. ARGV owner, ttlMs. The reply is one
 * integer (the cheapest reply a script can give; decoded once, by `parse`): the fencing token
 * (> 0) when acquired; LINE_BUSY (0) when waiters are in line — the caller then uses
 * MUTEX_ACQUIRE, which respects the line; `-1 - ms` when held, `ms` being the holder's pttl.
 */
export const MUTEX_TRY = defineScript({
  name: 'mutex-try',
  keys: ['lock', 'fence', 'queue'],
  args: { owner: 'string', ttlMs: 'number' },
  codes: { LINE_BUSY: 0 },
  lua: `
if redis.call('EXISTS', queue) == 1 then return LINE_BUSY end
if not redis.call('SET', lock, owner, 'NX', 'PX', ttlMs) then
  if redis.call('GET', lock) ~= owner then return -1 - math.max(0, redis.call('PTTL', lock)) end
  redis.call('PEXPIRE', lock, ttlMs)
  local current = tonumber(redis.call('GET', fence) or '0')
  if current > 0 then return current end
end
${nextTokenLua('token', 'fence', 'ttlMs')}
return token
`,
  parse: (reply, codes): TryOutcome => {
    const value = Number(reply);
    if (value === codes.LINE_BUSY) return { kind: 'line-busy' };
    return value > 0 ? { kind: 'acquired', token: value } : { kind: 'refused', retryAfterMs: -1 - value };
  },
});

/**
 * @internal
 * Acquire through the line. KEYS lock, fence, queue, leases, meta. ARGV owner, ttlMs,
 * placeMs (join the line with a place that lasts this long when refused; 0 = do not join),
 * metadata (JSON or ''), channel, host (the caller's owner-id prefix). A free lock goes to the first live waiter, so nobody barges
 * ahead of the line. Reply {ACQUIRED, token, 0} | {REFUSED, 0, retry-after ms, hand-off...}.
 */
export const MUTEX_ACQUIRE = defineScript({
  name: 'mutex-acquire',
  keys: LINED_KEYS,
  args: {
    owner: 'string',
    ttlMs: 'number',
    placeMs: 'number',
    metadata: 'string',
    channel: 'string',
    host: 'string',
  },
  codes: ATTEMPT_CODES,
  lua: `${FENCE_LUA}${META_LUA}${LINE_LUA}${GRANT}
local current = redis.call('GET', lock)
if current == owner then
  redis.call('PEXPIRE', lock, ttlMs)
  set_meta(meta, owner, metadata, ttlMs)
  return {ACQUIRED, tonumber(redis.call('GET', fence) or '0'), 0}
end
${SERVER_TIME_LUA}
if current then
  if placeMs > 0 then line_join(queue, leases, owner, now, placeMs, ttlMs, metadata) end
  return {REFUSED, 0, redis.call('PTTL', lock)}
end
local head, head_ttl, head_json = line_head(queue, leases, now)
if head and head ~= owner then
  local handed = grant(head, head_ttl, head_json)
  if placeMs > 0 then line_join(queue, leases, owner, now, placeMs, ttlMs, metadata) end
  return {REFUSED, 0, head_ttl, handed}
end
if head then line_leave(queue, leases, owner) end
redis.call('SET', lock, owner, 'PX', ttlMs)
set_meta(meta, owner, metadata, ttlMs)
return {ACQUIRED, next_token(fence, ttlMs), 0}
`,
  parse: parseAttemptReply,
});

/**
 * Release when nobody waits. KEYS lock, queue. ARGV owner.
 * Reply NOT_HELD | RELEASED | LINE_BUSY (nothing changed: the caller runs MUTEX_RELEASE).
 */
export const MUTEX_RELEASE_FAST = defineScript({
  name: 'mutex-release-fast',
  keys: ['lock', 'queue'],
  args: { owner: 'string' },
  codes: { NOT_HELD: 0, RELEASED: 1, LINE_BUSY: 2 },
  lua: `
if redis.call('GET', lock) ~= owner then return NOT_HELD end
if redis.call('EXISTS', queue) == 1 then return LINE_BUSY end
redis.call('DEL', lock)
return RELEASED
`,
  parse: (reply, codes) => reply !== codes.LINE_BUSY,
});

/**
 * Release, handing the lock to the first live waiter. KEYS lock, fence, queue, leases, meta.
 * ARGV owner, channel, dropMeta (1 when this owner may have stored metadata), host.
 * Reply {NOT_HELD} | {RELEASED, hand-off?}.
 */
export const MUTEX_RELEASE = defineScript({
  name: 'mutex-release',
  keys: LINED_KEYS,
  args: { owner: 'string', channel: 'string', dropMeta: 'number', host: 'string' },
  codes: RELEASE_CODES,
  lua: `${FENCE_LUA}${META_LUA}${LINE_LUA}${GRANT}
if redis.call('GET', lock) ~= owner then return {NOT_HELD} end
redis.call('DEL', lock)
if dropMeta == 1 then redis.call('HDEL', meta, owner) end
if redis.call('EXISTS', queue) == 0 then return {RELEASED} end
${SERVER_TIME_LUA}
local head, ttl, json = line_head(queue, leases, now)
if not head then return {RELEASED} end
return {RELEASED, grant(head, ttl, json)}
`,
  parse: parseReleaseReply,
});

/**
 * A waiter gives up (timeout or abort). KEYS lock, fence, queue, leases, meta. ARGV owner,
 * channel, host. Leaves the line; reply {RELEASED} when the lock had meanwhile been handed to
 * `owner` (the caller then holds it), else {NOT_HELD, hand-off?} (a free lock goes on to the
 * next waiter).
 */
export const MUTEX_CANCEL = defineScript({
  name: 'mutex-cancel',
  keys: LINED_KEYS,
  args: { owner: 'string', channel: 'string', host: 'string' },
  codes: RELEASE_CODES,
  lua: `${FENCE_LUA}${META_LUA}${LINE_LUA}${GRANT}
line_leave(queue, leases, owner)
local current = redis.call('GET', lock)
if current == owner then return {RELEASED} end
if current or redis.call('EXISTS', queue) == 0 then return {NOT_HELD} end
${SERVER_TIME_LUA}
local head, ttl, json = line_head(queue, leases, now)
if not head then return {NOT_HELD} end
return {NOT_HELD, grant(head, ttl, json)}
`,
  parse: parseReleaseReply,
});

/** Extend. KEYS lock, meta. ARGV owner, ttlMs. Reply EXTENDED only if still owned, else LOST. */
export const MUTEX_EXTEND = defineScript({
  name: 'mutex-extend',
  keys: ['lock', 'meta'],
  args: { owner: 'string', ttlMs: 'number' },
  codes: EXTEND_CODES,
  lua: `
if redis.call('GET', lock) ~= owner then return LOST end
redis.call('PEXPIRE', lock, ttlMs)
if redis.call('HEXISTS', meta, owner) == 1 then redis.call('PEXPIRE', meta, ttlMs) end
return EXTENDED
`,
  parse: parseExtendReply,
});
