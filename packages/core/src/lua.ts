import { scriptShebang } from '@tasks/redis';

// Lua fragments shared by the core scripts. Each defines local functions taking key names as
// arguments (scripts declare every key they touch; these never invent one).

/** Server time in ms, as `now`. */
export const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** `payload_of(fields)`: the `p` field of a stream entry's field list ('' when none). */
export const PAYLOAD_OF = `
local function payload_of(fields)
  if type(fields) ~= 'table' then return '' end
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then return fields[i + 1] end
  end
  return ''
end
`;

/** `emit(key, maxlen, type, json)`: appends an event unless the stream is disabled (maxlen 0). */
export const EMIT = `
local function emit(key, maxlen, kind, json)
  if kind ~= '' and tonumber(maxlen) > 0 then
    redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*', 'e', kind, 'd', json)
  end
end
`;

/**
 * `queue(live, stream, index, id, payload)`: adds a task to its stream and records where it is
 * in the live index (`id` → "<stream index>|<entry id>"), so it can be found, cancelled and
 * de-duplicated by id. `delay(live, delayed, data, index, id, at, payload)` does the same for
 * the delayed set ("d|<stream index>").
 */
export const QUEUE = `
local function queue(live, stream, index, id, payload)
  local entry = redis.call('XADD', stream, '*', 'p', payload)
  if id ~= '' then redis.call('HSET', live, id, index .. '|' .. entry) end
  return entry
end
local function delay(live, delayed, data, index, id, at, payload)
  redis.call('ZADD', delayed, at, index .. '|' .. id)
  redis.call('HSET', data, id, payload)
  redis.call('HSET', live, id, 'd|' .. index)
end
`;

/**
 * `promote(member, live, delayed, data, stream_base)`: moves one delayed member to its stream
 * now (streams are KEYS[stream_base + index]); false when it is no longer delayed. A member
 * naming no stream goes to stream 4 (normal, medium), where a worker decodes it like any other
 * entry (nothing is dropped). Needs QUEUE.
 */
export const PROMOTE_ONE = `
local function promote(member, live, delayed, data, stream_base)
  if not redis.call('ZSCORE', delayed, member) then return false end
  local bar = string.find(member, '|', 1, true)
  local index = bar and tonumber(string.sub(member, 1, bar - 1))
  local id = bar and string.sub(member, bar + 1) or member
  if not index or index < 0 or index > 8 or index ~= math.floor(index) then index = 4 end
  local payload = redis.call('HGET', data, id)
  redis.call('ZREM', delayed, member)
  redis.call('HDEL', data, id)
  if not payload then
    redis.call('HDEL', live, id)
    return false
  end
  queue(live, KEYS[stream_base + index], index, id, payload)
  return true
end
`;

/**
 * The first line of a script that may run when Redis is full (`#!lua flags=allow-oom`): only
 * for transitions that free at least what they write (ack and delete an entry, move a task
 * from one structure to another, rewrite a worker's own record), so a full Redis can drain.
 */
export const ALLOW_OOM = scriptShebang(['allow-oom']);

/**
 * `redis_full()`: true when used memory is above `maxmemory` (read from `INFO memory`; false
 * when INFO is not allowed or there is no limit). `without_value(record, reason)`: the outcome
 * record JSON without its return value, saying why (`valueDropped`); unchanged when it has none.
 */
export const REDIS_FULL = `
local function redis_full()
  local ok, info = pcall(redis.call, 'INFO', 'memory')
  if not ok or type(info) ~= 'string' then return false end
  local max = tonumber(string.match(info, 'maxmemory:(%d+)') or '0')
  local used = tonumber(string.match(info, 'used_memory:(%d+)') or '0')
  return max > 0 and used > max
end
local function without_value(record, reason)
  local ok, r = pcall(cjson.decode, record)
  if not ok or type(r) ~= 'table' or r.value == nil or r.value == cjson.null then return record end
  local parts = {}
  for k, v in pairs(r) do
    if k ~= 'value' then
      local text = (type(v) == 'table' and next(v) == nil and k == 'errors') and '[]' or cjson.encode(v)
      parts[#parts + 1] = cjson.encode(k) .. ':' .. text
    end
  end
  parts[#parts + 1] = '"value":null'
  parts[#parts + 1] = '"valueDropped":' .. cjson.encode(reason)
  return '{' .. table.concat(parts, ',') .. '}'
end
`;
