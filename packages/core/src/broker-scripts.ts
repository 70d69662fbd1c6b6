// The broker's state transitions, one Lua script each. Every key is declared (all share the
// app's hash tag); payloads are never decoded in Lua (the target stream travels in the
// delayed member as "<stream index>|<task id>"). Times come from the server's clock. Every
// transition keeps the live index (task id → where the task is) exact and appends its event
// to the app's capped event stream (`e` = type, `d` = JSON) unless that stream is off.
import { defineScript } from '@tasks/redis';
import { ALLOW_OOM, EMIT, NOW, PAYLOAD_OF, PROMOTE_ONE, QUEUE, REDIS_FULL } from './lua.js';

/**
 * Submits tasks (one or many): each is queued on its stream, or put in the delayed set, and
 * indexed as live — unless it is a duplicate: a custom id that is live or still has a stored
 * result, or a de-duplication key seen within its window.
 *
 * KEYS: delayed, delayed data, live, events, the 9 streams, then (result key, dedup key or any
 * app key) per task. ARGV: events max length, task count, then per task (id, stream index,
 * payload, check id '1'|'0', dedup window ms or '', run at: '' now | 'r<ms>' from now | 'a<ms>'
 * absolute, event JSON). Returns, per task, '' when queued, else the id it duplicates.
 */
export const SUBMIT = defineScript(
  'tasks-submit',
  null,
  `${NOW}${EMIT}${QUEUE}
local n = tonumber(ARGV[2])
local out = {}
for k = 1, n do
  local a = 3 + (k - 1) * 7
  local id, index, payload = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2]
  local result_key, dedup_key = KEYS[12 + 2 * k], KEYS[13 + 2 * k]
  local same = nil
  if ARGV[a + 3] == '1' and (redis.call('HEXISTS', KEYS[3], id) == 1 or redis.call('EXISTS', result_key) == 1) then
    same = id
  elseif ARGV[a + 4] ~= '' then
    same = redis.call('GET', dedup_key)
    if not same then redis.call('SET', dedup_key, id, 'PX', ARGV[a + 4]) end
  end
  if same then
    out[k] = same
  else
    local when = ARGV[a + 5]
    if when == '' then
      queue(KEYS[3], KEYS[5 + index], index, id, payload)
    else
      local at = tonumber(string.sub(when, 2))
      if string.sub(when, 1, 1) == 'r' then at = now + at end
      delay(KEYS[3], KEYS[1], KEYS[2], index, id, at, payload)
    end
    emit(KEYS[4], ARGV[1], 'submitted', ARGV[a + 6])
    out[k] = ''
  end
end
return out
`,
);

/**
 * Fetches up to \`count\` new entries in strict priority order, skipping paused streams.
 * KEYS: the 3 streams of one size, most urgent first, then the paused set. ARGV: group,
 * consumer, count, then the 3 streams' indexes. Returns {paused mask (bit i = stream i+1),
 * then a flat list of {stream position (1-3), entry id, payload}}.
 */
export const FETCH = defineScript(
  'tasks-fetch',
  4,
  `${PAYLOAD_OF}
local out = {0}
local left = tonumber(ARGV[3])
for i = 1, 3 do
  if redis.call('SISMEMBER', KEYS[4], ARGV[3 + i]) == 1 then
    out[1] = out[1] + 2 ^ (i - 1)
  elseif left > 0 then
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
end
return out
`,
);

/**
 * Ends a batch of deliveries of one stream — the one transition of every final outcome
 * (succeeded, failed, dead-lettered, cancelled): ack and delete each entry, store its outcome
 * record with a TTL and notify whoever waits for it, add dead-lettered ones to the DLQ (the
 * same record), drop it from the live index, list it in its status history, append its event,
 * then wake tasks parked on the locks these runs released.
 *
 * KEYS: stream, dlq, dlq data, events, delayed, delayed data, live, history of succeeded, of
 * failed, of cancelled, cancel requests, progress, the 9 streams, then (result key, wait key)
 * per item,
 * then (parked set, parked tokens) per lock to wake.
 * ARGV: group, result TTL ms, events max length, item count n, lock count m, history max
 * length, then per item (entry id or '', record id, record JSON, dead-letter '1'|'0', status,
 * event type or '', event JSON), then per lock how many parked tasks to wake.
 * Returns how many tasks it woke.
 *
 * It runs when Redis is full (`allow-oom`): it frees each entry it finishes. Then (used memory
 * above `maxmemory`) a record's return value is not stored — the record says so in
 * `valueDropped` — and no events are appended, so finishing writes less than it frees.
 */
export const FINISH = defineScript(
  'tasks-finish',
  null,
  `${ALLOW_OOM}${NOW}${EMIT}${QUEUE}${PROMOTE_ONE}${REDIS_FULL}
local full = redis_full()
local DROPPED = 'Redis was full (used memory above maxmemory) when the task finished: its return value was not stored'
local n, m = tonumber(ARGV[4]), tonumber(ARGV[5])
local history = {succeeded = KEYS[8], failed = KEYS[9], cancelled = KEYS[10]}
local ids = {}
for k = 1, n do
  local a = 7 + (k - 1) * 7
  local entry, id, record, status = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 4]
  if full then record = without_value(record, DROPPED) end
  if entry ~= '' then ids[#ids + 1] = entry end
  if ARGV[a + 3] == '1' then
    redis.call('ZADD', KEYS[2], now, id)
    redis.call('HSET', KEYS[3], id, record)
  end
  if string.sub(id, 1, 6) ~= 'entry:' then
    local result_key, wait_key = KEYS[20 + 2 * k], KEYS[21 + 2 * k]
    redis.call('SET', result_key, record, 'PX', ARGV[2])
    if redis.call('EXISTS', wait_key) == 1 then redis.call('PUBLISH', wait_key, '1') end
    redis.call('HDEL', KEYS[7], id)
    redis.call('HDEL', KEYS[11], id)
    redis.call('HDEL', KEYS[12], id)
    local list = history[status]
    if list then
      redis.call('ZADD', list, now, id)
      redis.call('ZREMRANGEBYRANK', list, 0, -1 - tonumber(ARGV[6]))
    end
  end
  if not full then emit(KEYS[4], ARGV[3], ARGV[a + 5], ARGV[a + 6]) end
end
if #ids > 0 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
  redis.call('XDEL', KEYS[1], unpack(ids))
end
local woke = 0
local base = 21 + 2 * n
for j = 1, m do
  local parked, tokens = KEYS[base + 2 * j - 1], KEYS[base + 2 * j]
  local want = tonumber(ARGV[6 + 7 * n + j])
  local done = 0
  while done < want do
    local head = redis.call('ZRANGE', parked, 0, 0)
    if not head[1] then break end
    redis.call('ZREM', parked, head[1])
    if promote(head[1], KEYS[7], KEYS[5], KEYS[6], 13) then done = done + 1 end
  end
  if done < want then
    -- Nobody parked yet: a task refused just before this release may be on its way to park;
    -- leave it a token so it comes back at once instead of after its fallback delay.
    redis.call('INCRBY', tokens, want - done)
    redis.call('PEXPIRE', tokens, 2000)
  end
  woke = woke + done
end
return woke
`,
);

/**
 * Puts a task back in the delayed set (a retry, a reschedule), acking the entry it came from
 * in the same step (never lost between the two). A task refused by a lock also parks on that
 * lock (in arrival order, kept across re-parks) so the run that releases it wakes it at once;
 * if a release just left a token, it is queued at once instead.
 *
 * KEYS: delayed, delayed data, source stream, events, parked set (any app key when not
 * parking), parked tokens (likewise), live, target stream.
 * ARGV: group, entry id, stream index, task id, mode ('rel': ms from now on the server clock |
 * 'abs': epoch ms), value, payload, park ('1' | '0'), events max length, event type, event JSON.
 * Returns the run-at time (server ms). Runs when Redis is full (`allow-oom`): the payload moves
 * from the stream to the delayed set.
 */
export const SCHEDULE = defineScript(
  'tasks-schedule',
  8,
  `${ALLOW_OOM}${NOW}${EMIT}${QUEUE}
local at = tonumber(ARGV[6])
if ARGV[5] == 'rel' then at = now + at end
if ARGV[8] == '1' and tonumber(redis.call('GET', KEYS[6]) or '0') > 0 then
  redis.call('DECR', KEYS[6])
  queue(KEYS[7], KEYS[8], ARGV[3], ARGV[4], ARGV[7])
  at = now
else
  delay(KEYS[7], KEYS[1], KEYS[2], ARGV[3], ARGV[4], at, ARGV[7])
  if ARGV[8] == '1' then
    redis.call('ZADD', KEYS[5], 'NX', now, ARGV[3] .. '|' .. ARGV[4])
    redis.call('PEXPIRE', KEYS[5], 3600000)
  end
end
redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[3], ARGV[2])
emit(KEYS[4], ARGV[9], ARGV[10], ARGV[11])
return at
`,
);

/**
 * Moves due delayed tasks to their streams, oldest first, atomically per batch (a task is
 * promoted exactly once however many processes run this). KEYS: delayed, delayed data, live,
 * then the 9 streams. ARGV: batch size. Returns {promoted, next due ms or -1, now}. Runs when
 * Redis is full (`allow-oom`): each payload moves from the delayed set to a stream.
 */
export const PROMOTE = defineScript(
  'tasks-promote',
  12,
  `${ALLOW_OOM}${NOW}${QUEUE}${PROMOTE_ONE}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local promoted = 0
for _, member in ipairs(due) do
  if promote(member, KEYS[3], KEYS[1], KEYS[2], 4) then promoted = promoted + 1 end
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {promoted, next[2] or '-1', now}
`,
);

/**
 * Claims entries idle longer than the idle timeout (their worker died) for this consumer, at
 * most once per guard period per stream across all workers. Entries over the delivery cap are
 * claimed too: the worker dead-letters them without running them, through the same
 * transition as every other outcome. KEYS: stream, guard. ARGV: group, consumer, min idle ms,
 * count, guard ms. Returns a flat list of {entry id, payload, deliveries}. Runs when Redis is
 * full (`allow-oom`: a dead worker's entries must still be finished to free them).
 */
export const RECLAIM = defineScript(
  'tasks-reclaim',
  2,
  `${ALLOW_OOM}${PAYLOAD_OF}
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[5]) then return {} end
local ok, r = pcall(redis.call, 'XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
if not ok then return {} end
local out = {}
for _, e in ipairs(r[2]) do
  local info = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
  out[#out + 1] = e[1]
  out[#out + 1] = payload_of(e[2])
  out[#out + 1] = info[1] and tonumber(info[1][4]) or 1
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
 * another worker takes it without waiting for the idle timeout. KEYS: stream, live.
 * ARGV: group, entry id, payload, stream index, task id. Runs when Redis is full
 * (`allow-oom`): it deletes the entry it re-adds.
 */
export const REQUEUE = defineScript(
  'tasks-requeue',
  2,
  `${ALLOW_OOM}${QUEUE}
queue(KEYS[2], KEYS[1], ARGV[4], ARGV[5], ARGV[3])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`,
);

/**
 * Appends the `started` events of runs that just began (one call per tick, not per task) and
 * says which of them were asked to stop meanwhile (a cancel that reached Redis before the
 * worker knew the task). KEYS: events, cancel requests. ARGV: events max length, then
 * (task id, event JSON) per run. Returns the ids with a cancel request. When Redis is full the
 * events are skipped (their append is refused) and the runs go on.
 */
export const STARTED = defineScript(
  'tasks-started',
  2,
  `${EMIT}
local cancelled = {}
for i = 2, #ARGV, 2 do
  pcall(emit, KEYS[1], ARGV[1], 'started', ARGV[i + 1])
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then cancelled[#cancelled + 1] = ARGV[i] end
end
return cancelled
`,
);

/**
 * Records a running task's progress and appends the event. KEYS: progress hash, events.
 * ARGV: task id, progress JSON, events max length, event JSON.
 */
export const PROGRESS = defineScript(
  'tasks-progress',
  2,
  `${EMIT}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
emit(KEYS[2], ARGV[3], 'progress', ARGV[4])
return 1
`,
);
