import type { StreamedEvent, TaskEvents } from '@tasks/core';
import { oneLine } from './errors.js';
import { formatDuration, formatFields, formatInstant, truncate } from './format.js';

type Describe<E extends keyof TaskEvents> = (data: TaskEvents[E]) => string;

const failure = (e: { name: string; message: string }): string => oneLine(`${e.name}: ${e.message}`);

/** What one event of the app's event stream says, for people. */
const DESCRIBE: { [E in keyof TaskEvents]?: Describe<E> } = {
  submitted: (e) => `${e.name} ${e.taskId}${e.delayed ? ' (delayed)' : ''}`,
  started: (e) => `${e.name} ${e.taskId} attempt ${e.attempt} on ${e.worker}`,
  progress: (e) => `${e.name} ${e.taskId}: ${truncate(JSON.stringify(e.progress) ?? 'null', 120)}`,
  succeeded: (e) =>
    `${e.name} ${e.taskId} attempt ${e.attempt} in ${formatDuration(e.durationMs)} on ${e.worker}`,
  failed: (e) =>
    `${e.name} ${e.taskId} attempt ${e.attempt}: ${failure(e.error)}${e.final ? '' : ' (will retry)'}`,
  retried: (e) =>
    `${e.name} ${e.taskId} attempt ${e.attempt} at ${formatInstant(e.runAt)} after ${failure(e.error)}`,
  rescheduled: (e) => `${e.name} ${e.taskId} in ${formatDuration(e.delayMs)}: ${e.blockedBy} is busy`,
  deadLettered: (e) => `${e.name} ${e.taskId}: ${oneLine(e.reason)}`,
  cancelled: (e) => `${e.name} ${e.taskId}: ${oneLine(e.reason)}`,
  replayed: (e) => `${e.name} dead-letter entry ${e.dlqId} as ${e.taskId}`,
  workerUp: (e) => `${e.workerId} on ${e.host} (pid ${e.pid})`,
  workerDown: (e) => `${e.workerId} ${e.reason}`,
};

/** The details of an event, on one line (its fields as `key=value` for a kind not known here). */
export function describeEvent(event: StreamedEvent): string {
  const describe = DESCRIBE[event.type] as ((data: unknown) => string) | undefined;
  const data = event.data as unknown;
  if (describe && typeof data === 'object' && data !== null) {
    try {
      return describe(data);
    } catch {
      // a record of an unexpected shape: its fields below
    }
  }
  return typeof data === 'object' && data !== null
    ? formatFields(data as Record<string, unknown>)
    : (JSON.stringify(data) ?? '');
}

/** `<id>  <time>  <type>  <details>`: one line per event for `tasks events`. */
export function eventLine(event: StreamedEvent): string {
  return `${event.id.padEnd(15)}  ${formatInstant(event.at)}  ${event.type.padEnd(12)}  ${describeEvent(event)}`;
}

/** One NDJSON document per event (`event`, `id`, `at` as ISO time, then its fields). */
export function eventJson(event: StreamedEvent): Record<string, unknown> {
  const data = typeof event.data === 'object' && event.data !== null ? event.data : { data: event.data };
  return { event: event.type, id: event.id, at: new Date(event.at).toISOString(), ...data };
}
