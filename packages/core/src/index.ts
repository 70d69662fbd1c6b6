export { createTaskApp, TaskApp, type AppStatus, type CallOptions, type TaskAppOptions } from './app.js';
export {
  loadTasksConfig,
  loadTasksConfigFile,
  TasksConfig,
  type ResolvedOverride,
  type TaskOverride,
  type TasksConfigInput,
} from './config.js';
export { DeadLetterQueue, type DeadLetterEntry } from './dlq.js';
export { spawnWithCallback } from './groups.js';
export { Scheduler, type MisfirePolicy, type SchedulerOptions } from './scheduler.js';
export { Priority, Size, PRIORITIES, SIZES } from './enums.js';
export {
  InvalidTaskArgumentsError,
  PayloadTooLargeError,
  ResultTimeoutError,
  TaskConfigError,
  TaskFailedError,
  UnknownTaskError,
  WorkerShutdownError,
  type TaskErrorRecord,
} from './errors.js';
export { TaskEventEmitter, type TaskEvents } from './events.js';
export { Keyspace } from './keys.js';
export type { TaskResultRecord, TaskStatus } from './records.js';
export {
  BaseTask,
  PeriodicBaseTask,
  PeriodicVoAwareBaseTask,
  taskNameOf,
  type SpawnWithCallbackOptions,
  type StandardSchemaV1,
  type SubmitOptions,
  type TaskClass,
  type TaskContext,
  type TaskHandle,
  type TaskLogger,
} from './task.js';
export { Worker, type WorkerOptions } from './worker.js';
