// The dead-letter queue's own scripts: replay bookkeeping of the Redis store, the re-submission
// of a replayed task (refused when its id is already live or finished), and the removal of
// entries that were forwarded to another store (only when unchanged since they were read).
// Every key shares the app's hash tag.
import { defineScript, type RedisReply } from '@tasks/redis';
import { EMIT, NOW, QUEUE } from './lua.js';

/** Replay claims of the Redis store live in a hash: DLQ id → "<replay task id>|<claimed at ms>". */
function parseClaim(reply: RedisReply): { code: number; taskId: string } {
  const [code, taskId] = reply as [number, string | undefined];
  return { code: Number(code), taskId: String(taskId ?? '') };
}

/**
 * Claims a Redis DLQ entry for a replay. KEYS data (DLQ data hash), replays (claims hash).
 * ARGV id, taskId (the new task id), staleMs. Reply {code, task id}: CLAIMED with the id to
 * submit (the given one, or a stale claim's), BUSY with the fresh claim's id, MISSING.
 */
export const DLQ_CLAIM_REPLAY = defineScript({
  name: 'tasks-dlq-claim-replay',
  keys: ['data', 'replays'],
  args: { id: 'string', taskId: 'string', staleMs: 'number' },
  codes: { MISSING: 0, CLAIMED: 1, BUSY: 2 },
  lua: `${NOW}
if redis.call('HEXISTS', data, id) == 0 then return {MISSING} end
local claim = redis.call('HGET', replays, id)
if claim then
  local bar = string.find(claim, '|', 1, true)
  local claimed, at = string.sub(claim, 1, bar - 1), tonumber(string.sub(claim, bar + 1))
  if now - at < staleMs then return {BUSY, claimed} end
  taskId = claimed
end
redis.call('HSET', replays, id, taskId .. '|' .. now)
return {CLAIMED, taskId}
`,
  parse: parseClaim,
});

/**
 * Ends a replay in the Redis store: the entry and its claim go. KEYS dlq, data, replays.
 * ARGV id. Reply 1 when the entry was there.
 */
export const DLQ_FINISH_REPLAY = defineScript({
  name: 'tasks-dlq-finish-replay',
  keys: ['dlq', 'data', 'replays'],
  args: { id: 'string' },
  lua: `
redis.call('HDEL', data, id)
redis.call('HDEL', replays, id)
return redis.call('ZREM', dlq, id)
`,
  parse: (reply) => Number(reply) === 1,
});

/**
 * Queues a replayed task under its (claimed) id, unless a task with that id is live or has a
 * stored result — then an earlier attempt of this replay queued it already. KEYS live, stream,
 * events, result. ARGV id, index (stream index), payload, eventsMaxLen, event (the `replayed`
 * event's JSON). Reply QUEUED or DUPLICATE.
 */
export const DLQ_RESUBMIT = defineScript({
  name: 'tasks-dlq-resubmit',
  keys: ['live', 'stream', 'events', 'result'],
  args: { id: 'string', index: 'number', payload: 'string', eventsMaxLen: 'number', event: 'string' },
  codes: { DUPLICATE: 0, QUEUED: 1 },
  lua: `${EMIT}${QUEUE}
if redis.call('HEXISTS', live, id) == 1 or redis.call('EXISTS', result) == 1 then return DUPLICATE end
queue(live, stream, index, id, payload)
emit(events, eventsMaxLen, 'replayed', event)
return QUEUED
`,
  parse: (reply, codes) => Number(reply) === codes.QUEUED,
});

/**
 * Removes entries forwarded to an external store, each only if its record is still the text
 * that was forwarded (an id dead-lettered again meanwhile stays, to be forwarded next).
 * KEYS dlq, data, replays. Variadic ARGV: (id, record text) pairs. Reply how many went.
 */
export const DLQ_REMOVE_FORWARDED = defineScript({
  name: 'tasks-dlq-remove-forwarded',
  keys: ['dlq', 'data', 'replays'],
  variadic: true,
  lua: `
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', data, ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', data, ARGV[i])
    redis.call('HDEL', replays, ARGV[i])
    redis.call('ZREM', dlq, ARGV[i])
    removed = removed + 1
  end
end
return removed
`,
  parse: (reply) => Number(reply),
});
