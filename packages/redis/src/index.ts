export { createRedisAdapter } from './adapter.js';
export type { RedisDriver, SubscriberConnection } from './driver.js';
export {
  TASKS_ERROR_BRAND,
  TasksError,
  RedisAdapterError,
  RedisConfigError,
  isTasksError,
} from './errors.js';
export {
  KEY_SEPARATOR,
  escapeKeySegment,
  joinKey,
  withPrefix,
  assertValidPrefix,
  hashTag,
  companionKey,
  hashTagged,
  keySlot,
} from './keys.js';
export { normalizeReply, reshapeReply } from './normalize.js';
export { defineScript, type LuaScript } from './script.js';
export type { CommandOptions, RedisAdapter, RedisArg, RedisReply, Unsubscribe } from './types.js';
