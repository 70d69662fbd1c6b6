// The scheduler's Lua: the leader lease, and the exactly-once update of a timetable entry.
import { defineScript } from '@tasks/redis';
import { EMIT, QUEUE } from './lua.js';

/**
 * Takes or renews the scheduler's leader lease. KEYS: leader, fence counter. ARGV: instance,
 * leaseMs. The lease value is "<instance>|<fencing token>"; a new leader gets a token one
 * higher than any before. Returns {1, token} when this instance leads, {0, ms left} otherwise.
 */
export const LEADER_ACQUIRE = defineScript(
  'tasks-leader-acquire',
  2,
  `
local current = redis.call('GET', KEYS[1])
if current then
  local owner, token = string.match(current, '^(.*)|(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, tonumber(token)}
  end
  return {0, redis.call('PTTL', KEYS[1])}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return {1, token}
`,
);

/** Gives up the leader lease if this instance holds it. KEYS: leader. ARGV: instance. */
export const LEADER_RELEASE = defineScript(
  'tasks-leader-release',
  1,
  `
local current = redis.call('GET', KEYS[1])
if current and string.match(current, '^(.*)|%d+$') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/**
 * Writes one timetable entry and submits its due occurrences, exactly once: only the current
 * leader may, and only if the entry's record is still the one it read (compare-and-set), so a
 * stale leader or a second scheduler racing for the same occurrence changes nothing. Each task
 * is queued as `submit` queues it: indexed as live, with a `submitted` event.
 * KEYS: leader, timetable hash, stream, skipped-occurrences list, live index, event stream.
 * ARGV: instance, field, expected record ('' = absent), new record ('' = delete the entry),
 * skip record ('' = none; else pushed on the list, which keeps the last 1000), event stream
 * max length, stream index, then {task id, payload, submitted event JSON} per occurrence.
 * Returns 1 (written), 0 (the record changed meanwhile: someone else handled it), -1 (not the leader).
 */
export const UPDATE_ENTRY = defineScript(
  'tasks-update-entry',
  6,
  `${EMIT}${QUEUE}
local current = redis.call('GET', KEYS[1])
if not current or string.match(current, '^(.*)|%d+$') ~= ARGV[1] then return -1 end
if (redis.call('HGET', KEYS[2], ARGV[2]) or '') ~= ARGV[3] then return 0 end
if ARGV[4] == '' then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) end
if ARGV[5] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[5])
  redis.call('LTRIM', KEYS[4], 0, 999)
end
for i = 8, #ARGV, 3 do
  queue(KEYS[5], KEYS[3], ARGV[7], ARGV[i], ARGV[i + 1])
  emit(KEYS[6], ARGV[6], 'submitted', ARGV[i + 2])
end
return 1
`,
);
