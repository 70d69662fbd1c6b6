// Fan-out / fan-in groups: creation with the children, and each child's single report.
import { defineScript } from '@tasks/redis';
import { QUEUE } from './lua.js';

/**
 * Creates a fan-in group and submits its children in one step (never a group waiting for
 * children that were not submitted). KEYS: group hash, live, then the 9 streams. ARGV: total,
 * callback stream index, callback payload, failure stream index ('' = none), failure payload,
 * ttl ms, callback id, failure id, then (stream index, task id, payload) per child.
 */
export const GROUP_CREATE = defineScript(
  'tasks-group-create',
  11,
  `${QUEUE}
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'cb_index', ARGV[2], 'cb', ARGV[3], 'fail_index', ARGV[4], 'fail', ARGV[5], 'cb_id', ARGV[7], 'fail_id', ARGV[8], 'state', 'open')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
for i = 9, #ARGV, 3 do
  local index = tonumber(ARGV[i])
  queue(KEYS[2], KEYS[3 + index], index, ARGV[i + 1], ARGV[i + 2])
end
return 1
`,
);

/**
 * Records a child's success once (a redelivered child counts once) and, when every child has
 * succeeded, submits the callback — exactly once. KEYS: group hash, members set, results hash,
 * live, then the 9 streams. ARGV: child id, result JSON. Does nothing once the group expired
 * or failed. Returns 1 when it fired the callback, 0 otherwise.
 */
export const GROUP_CHILD_DONE = defineScript(
  'tasks-group-child-done',
  13,
  `${QUEUE}
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
if redis.call('SCARD', KEYS[2]) < tonumber(redis.call('HGET', KEYS[1], 'total')) then return 0 end
redis.call('HSET', KEYS[1], 'state', 'fired')
local index = tonumber(redis.call('HGET', KEYS[1], 'cb_index'))
queue(KEYS[4], KEYS[5 + index], index, redis.call('HGET', KEYS[1], 'cb_id') or '', redis.call('HGET', KEYS[1], 'cb'))
return 1
`,
);

/**
 * Marks a group failed (a child ended without success) and submits its failure callback, if
 * any — once. KEYS: group hash, live, then the 9 streams. ARGV: child id. Returns 1 if it
 * marked it.
 */
export const GROUP_CHILD_FAILED = defineScript(
  'tasks-group-child-failed',
  11,
  `${QUEUE}
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'failed_child', ARGV[1])
local index = redis.call('HGET', KEYS[1], 'fail_index')
if index and index ~= '' then
  index = tonumber(index)
  queue(KEYS[2], KEYS[3 + index], index, redis.call('HGET', KEYS[1], 'fail_id') or '', redis.call('HGET', KEYS[1], 'fail'))
end
return 1
`,
);
