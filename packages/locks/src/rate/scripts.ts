// The sliding-window rate limiter's scripts. The log is a LIST of admissions, oldest first,
// ONE entry per admission whatever its size: "<ms>" for one unit, "<ms>:<n>" for n units, so
// memory grows with admissions, not with units. `units` holds the units beyond one per entry
// (the sum of n - 1), so the units in the log are LLEN + units with no scan. `units` must live
// exactly as long as the log (the entries it counts stay there until pruned, even after they
// left the window): every admission that renews the log's TTL renews it too, and a log that is
// empty or expired makes any leftover `units` stale, so it is deleted.
import { defineScript, SERVER_TIME_LUA } from '@tasks/redis';

/** What a rate-limiter acquire decided. */
export type RateDecision =
  | { readonly admitted: true; /** Server time of the admission (ms). */ readonly at: number }
  | {
      readonly admitted: false;
      /** Ms until enough units leave the window. */ readonly retryAfterMs: number;
    };

// Needs `now`, `log`, `units` and `windowMs`. entry_of(text) → time, units of a log entry.
// prune(count, extra) drops entries that left the window (at most `max` of them), keeps
// `units` in step and returns the new count and extra. wait_for(need) → ms until the oldest
// `need` units have left the window.
const LOG_LUA = `
local cutoff = now - windowMs
local function entry_of(text)
  local colon = string.find(text, ':', 1, true)
  if not colon then return tonumber(text), 1 end
  return tonumber(string.sub(text, 1, colon - 1)), tonumber(string.sub(text, colon + 1))
end
local function prune(count, extra, max)
  local dropped, dropped_extra = 0, 0
  while dropped < max do
    local batch = redis.call('LRANGE', log, 0, 63)
    local m = 0
    for i = 1, #batch do
      local at, n = entry_of(batch[i])
      if at > cutoff then break end
      m = i
      dropped_extra = dropped_extra + n - 1
    end
    if m > 0 then redis.call('LTRIM', log, m, -1) end
    dropped = dropped + m
    if m < #batch or #batch == 0 then break end
  end
  if dropped_extra > 0 then
    extra = math.max(0, extra - dropped_extra)
    if extra > 0 then redis.call('SET', units, extra, 'KEEPTTL') else redis.call('DEL', units) end
  end
  return count - dropped, extra
end
local function wait_for(need)
  local seen, from = 0, 0
  while true do
    local batch = redis.call('LRANGE', log, from, from + 63)
    if #batch == 0 then return windowMs end
    for i = 1, #batch do
      local at, n = entry_of(batch[i])
      seen = seen + n
      if seen >= need then return math.max(0, at + windowMs - now) end
    end
    from = from + #batch
  end
end
`;

/**
 * Acquire. KEYS log, units. ARGV windowMs, limit, n (units to admit, 1 ≤ n ≤ limit).
 * The reply is one integer (decoded once, by `parse`): the server time of the admission in ms
 * (> 0) when admitted, else minus the ms until enough units leave the window (≤ 0).
 *
 * Admitting is O(1) when the log leaves room; entries that left the window are dropped from
 * the head every 32 admissions and whenever the log looks full, so the log never holds much
 * more than one window's admissions. The common case (one unit, room left) runs before any
 * helper is defined.
 */
export const RATE_ACQUIRE = defineScript({
  name: 'rate-acquire',
  keys: ['log', 'units'],
  args: { windowMs: 'number', limit: 'number', n: 'number' },
  lua: `${SERVER_TIME_LUA}
local count = redis.call('LLEN', log)
local extra = 0
if count > 0 then extra = tonumber(redis.call('GET', units) or '0') else redis.call('DEL', units) end
local room = count + extra + n <= limit
if room and n == 1 and count % 32 ~= 31 then
  redis.call('RPUSH', log, now)
  redis.call('PEXPIRE', log, windowMs)
  if extra > 0 then redis.call('PEXPIRE', units, windowMs) end
  return now
end
${LOG_LUA}
if not room then
  count, extra = prune(count, extra, count)
  if count + extra + n > limit then return -wait_for(count + extra + n - limit) end
elseif count % 32 == 31 then
  count, extra = prune(count, extra, 64)
end
if n == 1 then
  redis.call('RPUSH', log, now)
else
  redis.call('RPUSH', log, now .. ':' .. n)
  extra = redis.call('INCRBY', units, n - 1)
end
redis.call('PEXPIRE', log, windowMs)
if extra > 0 then redis.call('PEXPIRE', units, windowMs) end
return now
`,
  parse: (reply): RateDecision => {
    const value = Number(reply);
    return value > 0 ? { admitted: true, at: value } : { admitted: false, retryAfterMs: -value };
  },
});

/**
 * Gives back the units of one admission (an all-or-nothing set that failed). KEYS log, units.
 * ARGV at (the admission's server time, ms), n. Entries of one instant and size are
 * interchangeable, so it removes the newest such entry. Reply 1 if it removed one, else 0.
 */
export const RATE_REFUND = defineScript({
  name: 'rate-refund',
  keys: ['log', 'units'],
  args: { at: 'string', n: 'number' },
  lua: `
local entry = at
if n > 1 then entry = at .. ':' .. n end
local removed = redis.call('LREM', log, -1, entry)
if removed == 1 and n > 1 then
  local left = tonumber(redis.call('GET', units) or '0') - (n - 1)
  if left > 0 then redis.call('SET', units, left, 'KEEPTTL') else redis.call('DEL', units) end
end
return removed
`,
  parse: (reply) => reply === 1,
});
