export { createTaskApp, TaskApp, type TaskAppOptions } from './app.js';
export type { AppStatus } from './status.js';
export type { CallOptions } from './interactive.js';
export type { CancelResult, StreamSelector } from './control.js';
export type { EventsOptions, StreamedEvent } from './event-stream.js';
export {
  TASK_LIST_STATES,
  type ListOptions,
  type TaskInspection,
  type TaskListState,
  type TaskPage,
  type TaskSummary,
} from './inspection.js';
export type { SubmitManyItem } from './submitter.js';
export {
  perRun,
  type PerRunDependency,
  type ResolvedDependencies,
  type RunInfo,
  type RunOutcome,
} from './dependencies.js';
export {
  loadTasksConfig,
  loadTasksConfigFile,
  TasksConfig,
  type ConfiguredLimits,
  type ConfiguredPeriodic,
  type ConfiguredTaskSettings,
  type DiracxTaskOverride,
  type LimitConfig,
  type PeriodicTaskConfig,
  type TaskSettingsConfig,
  type TasksConfigInput,
  type TasksConfigSections,
} from './config.js';
export { DeadLetterQueue } from './dlq.js';
export type { DeadLetterEntry } from './dlq-store.js';
export {
  deadLetterEntryOf,
  matchesDeadLetterFilter,
  type DeadLetterFilter,
  type DeadLetterQuery,
  type DeadLetterStore,
  type ReplayClaim,
} from './dlq-store.js';
export { RedisDeadLetterStore } from './dlq-redis-store.js';
export type { DeadLetterForwardingOptions } from './dlq-forwarder.js';
export { spawnWithCallback } from './groups.js';
export { Scheduler, type MisfirePolicy, type SchedulerOptions } from './scheduler.js';
export type { Timetable, TimetableEntry, TimetableStatus } from './timetable.js';
export { Priority, Size, PRIORITIES, SIZES } from './enums.js';
export {
  DeadLetterNotFoundError,
  DeadLetterReplayError,
  InvalidTaskArgumentsError,
  MissingDependencyError,
  ShardLayoutError,
  TaskCancelledError,
  TaskTimeoutError,
  UnknownTaskIdError,
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
export type { ShardPlacement } from './layout.js';
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
export { TELEMETRY_SCOPE, type TelemetryOption, type TelemetryOptions } from './telemetry.js';
export { Worker, type WorkerOptions } from './worker.js';
