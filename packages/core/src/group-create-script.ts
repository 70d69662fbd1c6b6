// Creating a stream's consumer group on a full Redis, where XGROUP CREATE is refused.
import { defineScript } from '@tasks/redis';
import { ALLOW_OOM } from './lua.js';

/**
 * Creates the consumer group (from id 0, with the stream if missing) when Redis is full and
 * refused a plain `XGROUP CREATE`: a worker must start there to drain it, and its reads need the
 * group on every stream it serves. An existing group is left alone. Writes one empty stream and
 * group at most (a few hundred bytes), once per stream. KEYS: stream. ARGV: group. Returns 1 when
 * it created the group, 0 when it existed.
 */
export const GROUP_CREATE_WHEN_FULL = defineScript(
  'tasks-group-create-when-full',
  1,
  `${ALLOW_OOM}
local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if ok then return 1 end
if string.find(tostring(err.err or err), 'BUSYGROUP', 1, true) then return 0 end
return redis.error_reply(tostring(err.err or err))
`,
);
