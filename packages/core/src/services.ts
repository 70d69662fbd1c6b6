import type { RedisAdapter } from '@tasks/redis';
import type { Brokers } from './brokers.js';
import type { Dependencies } from './dependencies.js';
import type { TaskEventEmitter } from './events.js';
import type { Groups } from './groups.js';
import type { Keyspace } from './keys.js';
import type { LayoutCheck } from './layout.js';
import type { TaskRegistry } from './registry.js';
import type { Submitter } from './submitter.js';
import type { Telemetry } from './telemetry.js';
import type { TaskLogger } from './task.js';

/**
 * @internal The services an app is composed of, handed to its workers and schedulers as
 * typed objects (each built once by the app).
 */
export interface AppServices {
  readonly redis: RedisAdapter;
  readonly keys: Keyspace;
  /** The broker of every shard. */
  readonly brokers: Brokers;
  /** Checks once that every process of the app uses the same shard count. */
  readonly layout: LayoutCheck;
  readonly registry: TaskRegistry;
  readonly submitter: Submitter;
  readonly groups: Groups;
  readonly dependencies: Dependencies;
  readonly events: TaskEventEmitter;
  readonly logger: TaskLogger;
  readonly telemetry: Telemetry;
}
