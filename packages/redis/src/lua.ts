/**
 * A Lua fragment that sets the local `now` to the Redis server's clock in milliseconds since
 * the Unix epoch (`TIME`), for scripts that compute leases, windows and expiries. Every
 * @tasks script takes its time from here, never from the caller's clock, so clock skew between
 * machines does not matter. Put it in a script body before the first use of `now`.
 *
 * @example
 * ```ts
 * const touch = defineScript({
 *   name: 'touch',
 *   keys: ['seen'],
 *   lua: `${SERVER_TIME_LUA}
 * redis.call('SET', seen, now)
 * return now`,
 *   parse: Number,
 * });
 * ```
 */
export const SERVER_TIME_LUA = `local now
do
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;
