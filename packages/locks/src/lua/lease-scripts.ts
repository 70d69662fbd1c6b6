// The lease extension shared by the locks whose holders are members of a lease ZSET scored
// by their expiry (the RW lock, where the writer's score is negated, and the semaphore).
import { defineScript, SERVER_TIME_LUA } from '@tasks/redis';
import { EXTEND_CODES, parseExtendReply } from './replies.js';

/**
 * Extends one lease. KEYS leases (ZSET), meta. ARGV member, owner, ttlMs, sign (1, or -1 for
 * the RW writer). Reply EXTENDED only if the lease was still live, else LOST (and an expired
 * lease is dropped).
 */
export const LEASE_EXTEND = defineScript({
  name: 'lease-extend',
  keys: ['holders', 'meta'],
  args: { member: 'string', owner: 'string', ttlMs: 'number', sign: 'number' },
  codes: EXTEND_CODES,
  lua: `${SERVER_TIME_LUA}
local score = redis.call('ZSCORE', holders, member)
if not score then return LOST end
if math.abs(tonumber(score)) <= now then
  redis.call('ZREM', holders, member)
  return LOST
end
redis.call('ZADD', holders, 'XX', sign * (now + ttlMs), member)
if redis.call('PTTL', holders) < ttlMs then redis.call('PEXPIRE', holders, ttlMs) end
if redis.call('HEXISTS', meta, owner) == 1 and redis.call('PTTL', meta) < ttlMs then
  redis.call('PEXPIRE', meta, ttlMs)
end
return EXTENDED
`,
  parse: parseExtendReply,
});
