// The broker's state transitions, one Lua script each. Every key is declared (all share the
// app's hash tag); payloads are never decoded in Lua (the target stream travels in the
// delayed member as "<stream index>|<task id>"). Times come from the server's clock.
import { defineScript } from '@tasks/redis';

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const PAYLOAD_OF = `
local function payload_of(fields)
  if type(fields) ~= 'table' then return '' end
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then return fields[i + 1] end
  end
  return ''
end
`;

/**
 * Fetches up to `count` new entries in strict priority order. KEYS: the 3 streams of one size,
 * most urgent first. ARGV: group, consumer, count. Returns a flat list of
 * {stream position (1-3), entry id, payload}.
 */
export const FETCH = defineScript(
  'tasks-fetch',
  3,
  `${PAYLOAD_OF}
local out = {}
local left = tonumber(ARGV[3])
for i = 1, 3 do
  if left <= 0 then break end
  local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', left, 'STREAMS', KEYS[i], '>')
  if r then
    for _, e in ipairs(r[1][2]) do
      out[#out + 1] = i
      out[#out + 1] = e[1]
      out[#out + 1] = payload_of(e[2])
      left = left - 1
    end
  end
end
return out
`,
);

/**
 * Completes a batch of entries of one stream: ack, delete, store each result with a TTL and
 * notify whoever waits for it. KEYS: stream, then (result key, wait key) per entry.
 * ARGV: group, resultTtlMs, then (entry id, result JSON) per entry.
 */
export const COMPLETE = defineScript(
  'tasks-complete',
  null,
  `
local n = (#KEYS - 1) / 2
local ids = {}
for k = 1, n do
  ids[k] = ARGV[1 + 2 * k]
  redis.call('SET', KEYS[2 * k], ARGV[2 + 2 * k], 'PX', ARGV[2])
  if redis.call('EXISTS', KEYS[2 * k + 1]) == 1 then redis.call('PUBLISH', KEYS[2 * k + 1], '1') end
end
if n > 0 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
  redis.call('XDEL', KEYS[1], unpack(ids))
end
return n
`,
);

/**
 * Puts a task in the delayed set, optionally acking the entry it came from in the same step
 * (retries and reschedules never lose the task between the two).
 * KEYS: delayed, delayed data, source stream (or any key of the app when not acking).
 * ARGV: group, entry id ('' = none), member "<stream index>|<task id>", task id,
 * mode ('rel': ms from now on the server clock | 'abs': epoch ms), value, payload.
 * Returns the run-at time (server ms).
 */
export const SCHEDULE = defineScript(
  'tasks-schedule',
  3,
  `${NOW}
local at = tonumber(ARGV[6])
if ARGV[5] == 'rel' then at = now + at end
redis.call('ZADD', KEYS[1], at, ARGV[3])
redis.call('HSET', KEYS[2], ARGV[4], ARGV[7])
if ARGV[2] ~= '' then
  redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[3], ARGV[2])
end
return at
`,
);

/**
 * Moves due delayed tasks to their streams, oldest first, atomically per batch (a task is
 * promoted exactly once however many processes run this). KEYS: delayed, delayed data, dlq,
 * dlq data, then the 9 streams. ARGV: batch size. A member that names no stream is
 * dead-lettered with its payload, never dropped. Returns {promoted, next due ms or -1, now}.
 */
export const PROMOTE = defineScript(
  'tasks-promote',
  13,
  `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local promoted = 0
for _, member in ipairs(due) do
  local bar = string.find(member, '|', 1, true)
  local index = bar and tonumber(string.sub(member, 1, bar - 1))
  local id = bar and string.sub(member, bar + 1) or member
  local payload = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], id)
  local stream = index and KEYS[5 + index]
  if stream and payload then
    redis.call('XADD', stream, '*', 'p', payload)
    promoted = promoted + 1
  elseif payload then
    redis.call('ZADD', KEYS[3], now, id)
    redis.call('HSET', KEYS[4], id, cjson.encode({id = id, reason = 'delayed entry names no stream: ' .. member, payload = payload, at = now}))
  end
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {promoted, next[2] or '-1', now}
`,
);

/**
 * Dead-letters an entry: ack and delete it, store the DLQ record, and store the task's final
 * result (if it has an id) with a TTL, notifying a waiter. KEYS: stream, dlq, dlq data,
 * result key, wait key. ARGV: group, entry id, dlq id, dlq record JSON, result JSON ('' =
 * none), result TTL ms.
 */
export const DEAD_LETTER = defineScript(
  'tasks-dead-letter',
  5,
  `${NOW}
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[6])
  if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('PUBLISH', KEYS[5], '1') end
end
if ARGV[2] ~= '' then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
end
return 1
`,
);

/**
 * Reclaims entries idle longer than the idle timeout (their worker died), at most once per
 * guard period per stream across all workers. Entries delivered more than the cap are
 * dead-lettered (poison), with the reason. KEYS: stream, guard, dlq, dlq data.
 * ARGV: group, consumer, min idle ms, count, max deliveries, guard ms.
 * Returns a flat list of {entry id, payload, deliveries}.
 */
export const RECLAIM = defineScript(
  'tasks-reclaim',
  4,
  `${NOW}${PAYLOAD_OF}
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[6]) then return {} end
local ok, r = pcall(redis.call, 'XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
if not ok then return {} end
local out = {}
for _, e in ipairs(r[2]) do
  local info = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
  local deliveries = info[1] and tonumber(info[1][4]) or 1
  local payload = payload_of(e[2])
  if deliveries > tonumber(ARGV[5]) then
    local id = 'poison:' .. e[1]
    redis.call('ZADD', KEYS[3], now, id)
    redis.call('HSET', KEYS[4], id, cjson.encode({id = id, reason = 'delivered ' .. deliveries .. ' times without completing (poison entry): its worker crashed or hung each time', payload = payload, stream = KEYS[1], at = now}))
    redis.call('XACK', KEYS[1], ARGV[1], e[1])
    redis.call('XDEL', KEYS[1], e[1])
  else
    out[#out + 1] = e[1]
    out[#out + 1] = payload
    out[#out + 1] = deliveries
  end
end
if r[3] then
  for _, gone in ipairs(r[3]) do redis.call('XACK', KEYS[1], ARGV[1], gone) end
end
return out
`,
);

/**
 * Keeps running entries from being reclaimed: resets their idle time, but only for entries
 * this consumer still owns (a stalled worker must not steal back what was reclaimed).
 * KEYS: stream. ARGV: group, consumer, entry ids... Returns the ids it no longer owns.
 */
export const HEARTBEAT = defineScript(
  'tasks-heartbeat',
  1,
  `
local lost = {}
local claim = {KEYS[1], ARGV[1], ARGV[2], 0}
for i = 3, #ARGV do
  local info = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if info[1] and info[1][2] == ARGV[2] then claim[#claim + 1] = ARGV[i] else lost[#lost + 1] = ARGV[i] end
end
if #claim > 4 then
  claim[#claim + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(claim))
end
return lost
`,
);

/**
 * Puts an entry back at the end of its stream at once (a task aborted by shutdown), so
 * another worker takes it without waiting for the idle timeout. KEYS: stream.
 * ARGV: group, entry id, payload.
 */
export const REQUEUE = defineScript(
  'tasks-requeue',
  1,
  `
redis.call('XADD', KEYS[1], '*', 'p', ARGV[3])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`,
);

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
 * Submits one periodic occurrence exactly once: only the current leader, and only if the
 * entry's next-run time is still the one it read (compare-and-set), advances it and adds the
 * task to its stream. KEYS: leader, next-run hash, stream. ARGV: instance, field, expected
 * due ms, new next ms, payload ('' = advance without submitting: a skipped occurrence).
 * Returns 1 (done), 0 (already handled by someone else), -1 (not the leader).
 */
export const SUBMIT_OCCURRENCE = defineScript(
  'tasks-submit-occurrence',
  3,
  `
local current = redis.call('GET', KEYS[1])
if not current or string.match(current, '^(.*)|%d+$') ~= ARGV[1] then return -1 end
if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
if ARGV[5] ~= '' then redis.call('XADD', KEYS[3], '*', 'p', ARGV[5]) end
return 1
`,
);

/**
 * Creates a fan-in group and submits its children in one step (never a group waiting for
 * children that were not submitted). KEYS: group hash, then the 9 streams. ARGV: total,
 * callback stream index, callback payload, failure stream index ('' = none), failure payload,
 * ttl ms, then (stream index, payload) per child.
 */
export const GROUP_CREATE = defineScript(
  'tasks-group-create',
  10,
  `
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'cb_index', ARGV[2], 'cb', ARGV[3], 'fail_index', ARGV[4], 'fail', ARGV[5], 'state', 'open')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
for i = 7, #ARGV, 2 do
  redis.call('XADD', KEYS[2 + tonumber(ARGV[i])], '*', 'p', ARGV[i + 1])
end
return 1
`,
);

/**
 * Records a child's success once (a redelivered child counts once) and, when every child has
 * succeeded, submits the callback — exactly once. KEYS: group hash, members set, results hash,
 * then the 9 streams. ARGV: child id, result JSON. Does nothing once the group expired or
 * failed. Returns 1 when it fired the callback, 0 otherwise.
 */
export const GROUP_CHILD_DONE = defineScript(
  'tasks-group-child-done',
  12,
  `
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
redis.call('XADD', KEYS[4 + index], '*', 'p', redis.call('HGET', KEYS[1], 'cb'))
return 1
`,
);

/**
 * Marks a group failed (a child exhausted its retries) and submits its failure callback, if
 * any — once. KEYS: group hash, then the 9 streams. ARGV: child id. Returns 1 if it marked it.
 */
export const GROUP_CHILD_FAILED = defineScript(
  'tasks-group-child-failed',
  10,
  `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'failed_child', ARGV[1])
local index = redis.call('HGET', KEYS[1], 'fail_index')
if index and index ~= '' then
  redis.call('XADD', KEYS[2 + tonumber(index)], '*', 'p', redis.call('HGET', KEYS[1], 'fail'))
end
return 1
`,
);
