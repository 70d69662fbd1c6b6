// Control of tasks from any process: cancelling a queued, delayed or running task.
import { defineScript } from '@tasks/redis';
import { EMIT, NOW } from './lua.js';

/**
 * Cancels a task if it is still where the caller saw it (compare-and-set on the live index):
 * a delayed or queued (not yet delivered) task is removed and recorded as cancelled; a task
 * already delivered to a worker gets a cancel request and the workers are told on the control
 * channel (its worker aborts it; the outcome is written by that worker).
 *
 * KEYS: live, delayed, delayed data, stream (any app key for a delayed task), result key, wait
 * key, events, history of cancelled, cancel requests. ARGV: task id, expected location, group,
 * entry id ('' when delayed), record JSON, result TTL ms, events max length, event JSON,
 * history max length, control channel, delayed member. Returns 'cancelled', 'signalled' or
 * 'moved' (it is no longer there: read again).
 */
export const CANCEL = defineScript(
  'tasks-cancel',
  9,
  `${NOW}${EMIT}
local id = ARGV[1]
if redis.call('HGET', KEYS[1], id) ~= ARGV[2] then return 'moved' end
if string.sub(ARGV[2], 1, 2) == 'd|' then
  redis.call('ZREM', KEYS[2], ARGV[11])
  redis.call('HDEL', KEYS[3], id)
else
  local ok, pending = pcall(redis.call, 'XPENDING', KEYS[4], ARGV[3], ARGV[4], ARGV[4], 1)
  if ok and pending[1] then
    redis.call('HSET', KEYS[9], id, now)
    redis.call('PEXPIRE', KEYS[9], 86400000)
    redis.call('PUBLISH', ARGV[10], 'cancel ' .. id)
    return 'signalled'
  end
  redis.call('XDEL', KEYS[4], ARGV[4])
end
redis.call('HDEL', KEYS[1], id)
redis.call('SET', KEYS[5], ARGV[5], 'PX', ARGV[6])
if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('PUBLISH', KEYS[6], '1') end
redis.call('ZADD', KEYS[8], now, id)
redis.call('ZREMRANGEBYRANK', KEYS[8], 0, -1 - tonumber(ARGV[9]))
emit(KEYS[7], ARGV[7], 'cancelled', ARGV[8])
return 'cancelled'
`,
);
