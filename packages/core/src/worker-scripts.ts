// The worker registry: heartbeat records on the server's clock, reaping of dead workers and
// of the consumers they left in the streams' consumer group (on every shard).
import { defineScript, SERVER_TIME_LUA, type RedisReply } from '@tasks/redis';
import { EMIT } from './lua.js';

const strings = (reply: RedisReply): string[] => (reply as RedisReply[]).map(String);

/**
 * Records this worker as alive (its JSON gains `lastSeen`, server ms; a first record appends
 * `workerUp`) and reaps the others whose record is older than the expiry: their registry entry
 * goes, appending `workerDown`. Runs on the home shard. Returns the ids of the live workers.
 * Runs when Redis is full (`allow-oom`): it rewrites this worker's own record and deletes others.
 */
export const WORKER_REGISTER = defineScript({
  name: 'tasks-worker-register',
  flags: ['allow-oom'], // runs when Redis is full: it frees at least what it writes
  keys: ['workers', 'events'],
  args: { worker: 'string', info: 'string', expiryMs: 'number', maxlen: 'number' },
  lua: `${SERVER_TIME_LUA}${EMIT}
local me = cjson.decode(info)
me.lastSeen = now
if redis.call('HSET', workers, worker, cjson.encode(me)) == 1 then
  emit(events, maxlen, 'workerUp', cjson.encode({workerId = worker, host = me.host, pid = me.pid}))
end
local alive = {}
local all = redis.call('HGETALL', workers)
for i = 1, #all, 2 do
  local ok, rec = pcall(cjson.decode, all[i + 1])
  local seen = ok and type(rec) == 'table' and tonumber(rec.lastSeen) or 0
  if now - seen > expiryMs then
    redis.call('HDEL', workers, all[i])
    emit(events, maxlen, 'workerDown', cjson.encode({workerId = all[i], reason = 'reaped'}))
  else
    alive[#alive + 1] = all[i]
  end
end
return alive
`,
  parse: strings,
});

/**
 * Deletes, on one shard's streams, every consumer that is not a live worker, holds no pending
 * entry and has been idle longer than the expiry (entries still pending are reclaimed by the
 * idle timeout first, and their consumer reaped on a later pass). KEYS: the named group of
 * keys is empty; the streams follow (variadic). ARGV: group, expiry ms, then the live worker ids.
 */
export const CONSUMERS_TIDY = defineScript({
  name: 'tasks-consumers-tidy',
  flags: ['allow-oom'], // runs when Redis is full: it frees at least what it writes
  keys: [],
  args: { group: 'string', expiryMs: 'number' },
  variadic: true,
  lua: `
local alive = {}
for i = 3, #ARGV do alive[ARGV[i]] = true end
for k = 1, #KEYS do
  local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[k], group)
  if ok then
    for _, c in ipairs(consumers) do
      local info = {}
      for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
      if not alive[info.name] and tonumber(info.pending) == 0 and tonumber(info.idle) > expiryMs then
        redis.call('XGROUP', 'DELCONSUMER', KEYS[k], group, info.name)
      end
    end
  end
end
return 1
`,
});

/**
 * A closing worker leaves the registry (appending `workerDown`). Runs on the home shard, and
 * when Redis is full (`allow-oom`): it deletes.
 */
export const WORKER_LEAVE = defineScript({
  name: 'tasks-worker-leave',
  flags: ['allow-oom'], // runs when Redis is full: it frees at least what it writes
  keys: ['workers', 'events'],
  args: { worker: 'string', maxlen: 'number' },
  lua: `${EMIT}
if redis.call('HDEL', workers, worker) == 1 then
  emit(events, maxlen, 'workerDown', cjson.encode({workerId = worker, reason = 'closed'}))
end
return 1
`,
});

/**
 * A closing worker's consumer of each of one shard's streams is deleted when it holds no
 * pending entry (one that does stays, so the entry can still be reclaimed; it is reaped
 * later). The streams are the keys (variadic). Returns how many consumers it kept.
 */
export const CONSUMER_LEAVE = defineScript({
  name: 'tasks-consumer-leave',
  flags: ['allow-oom'], // runs when Redis is full: it frees at least what it writes
  keys: [],
  args: { group: 'string', worker: 'string' },
  variadic: true,
  lua: `
local kept = 0
for k = 1, #KEYS do
  local ok, pending = pcall(redis.call, 'XPENDING', KEYS[k], group, '-', '+', 1, worker)
  if ok and #pending == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[k], group, worker)
  elseif ok then
    kept = kept + 1
  end
end
return kept
`,
  parse: Number,
});
