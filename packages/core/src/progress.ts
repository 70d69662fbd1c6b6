import type { Broker } from './broker.js';
import { encodeEvent, type TaskEventEmitter } from './events.js';
import { assertPlainData } from './payload.js';

/** Largest progress value accepted, serialised. */
const MAX_PROGRESS_BYTES = 16 * 1024;

/**
 * @internal `ctx.progress` of one run: checks the value (plain JSON, ≤ 16 KiB), and writes it
 * with its event. Calls made while a write is on its way are merged: the last value wins.
 */
export function progressReporter(
  broker: Broker,
  events: TaskEventEmitter,
  task: { readonly id: string; readonly name: string },
): (value: unknown) => Promise<void> {
  let latest: string | null = null;
  let inflight: Promise<void> | null = null;
  const flush = async (): Promise<void> => {
    try {
      while (latest !== null) {
        const json = latest;
        latest = null;
        const progress = JSON.parse(json) as unknown;
        const payload = { taskId: task.id, name: task.name, progress };
        await broker.progress(task.id, json, encodeEvent('progress', payload));
        events.emit('progress', payload);
      }
    } finally {
      inflight = null; // no await between the last check and here: no value is left behind
    }
  };
  return (value) => {
    assertPlainData(task.name, value ?? null, 'progress');
    const json = JSON.stringify(value ?? null);
    if (json.length > MAX_PROGRESS_BYTES)
      throw new RangeError(
        `Task ${task.name}: progress takes ${json.length} bytes, over ${MAX_PROGRESS_BYTES}`,
      );
    latest = json;
    inflight ??= flush();
    return inflight;
  };
}
