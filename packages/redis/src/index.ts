export {
  blockingFindings,
  checkRedis,
  enforceRedisChecks,
  MIN_REDIS_VERSION,
  type RedisCheckId,
  type RedisCheckReport,
  type RedisChecksMode,
  type RedisFinding,
  type RedisFindingLevel,
} from './checks.js';
export { createRedisAdapter, DEFAULT_COMMAND_TIMEOUT_MS, type RedisAdapterOptions } from './adapter.js';
export { describeEndpoint, maskRedisUrl } from './connection.js';
export type { ConnectionWatcher, RedisDriver, SubscriberConnection } from './driver.js';
export {
  TASKS_ERROR_BRAND,
  TasksError,
  RedisAdapterError,
  RedisAuthError,
  RedisCheckError,
  RedisConfigError,
  RedisOutOfMemoryError,
  RedisProtocolError,
  RedisTimeoutError,
  RedisTlsError,
  RedisUnreachableError,
  type RedisAdapterErrorDetails,
  type BlockingFinding,
  isTasksError,
} from './errors.js';
export {
  escapeKeySegment,
  joinKey,
  withPrefix,
  assertValidPrefix,
  hashTag,
  companionKey,
  hashTagged,
  keySlot,
} from './keys.js';
export {
  defineScript,
  scriptShebang,
  type Script,
  type ScriptFlag,
  type ScriptArgSpec,
  type ScriptArgType,
  type ScriptArgValues,
  type ScriptKeyList,
  type ScriptKeyValues,
  type ScriptRest,
  type ScriptSpec,
} from './script.js';
export { SERVER_TIME_LUA } from './lua.js';
export type { CommandOptions, LuaScript, RedisAdapter, RedisArg, RedisReply, Unsubscribe } from './types.js';
