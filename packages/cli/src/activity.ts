import type { TaskApp, TaskEvents } from '@tasks/core';
import { describeThrown } from './errors.js';
import { formatDuration, formatInstant } from './format.js';
import type { Output } from './output.js';

/** Counts of what a worker or scheduler did since it started. */
export interface ActivityCounts {
  started: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
  rescheduled: number;
  lockLost: number;
  submitted: number;
  skipped: number;
}

type EventName = keyof TaskEvents;
type Formatter<E extends EventName> = (payload: TaskEvents[E]) => string | null;

const vo = (value: string | null): string => (value ? `[${value}]` : '');

/** One human line per event (`null`: not worth a line), and the counter it bumps. */
const EVENTS: { [E in EventName]?: { count?: keyof ActivityCounts; line: Formatter<E> } } = {
  started: { count: 'started', line: () => null },
  succeeded: {
    count: 'succeeded',
    line: (e) => `${e.name} ${e.taskId} attempt ${e.attempt} in ${formatDuration(e.durationMs)}`,
  },
  failed: {
    line: (e) =>
      `${e.name} ${e.taskId} attempt ${e.attempt}: ${e.error.name}: ${e.error.message}${e.final ? '' : ' (will retry)'}`,
  },
  retried: {
    count: 'retried',
    line: (e) => `${e.name} ${e.taskId} attempt ${e.attempt} at ${formatInstant(e.runAt)}`,
  },
  rescheduled: {
    count: 'rescheduled',
    line: (e) => `${e.name} ${e.taskId} in ${formatDuration(e.delayMs)}: ${e.blockedBy} is busy`,
  },
  deadLettered: { count: 'deadLettered', line: (e) => `${e.name} ${e.taskId}: ${e.reason}` },
  cancelled: { line: (e) => `${e.name} ${e.taskId}: ${e.reason}` },
  lockLost: { count: 'lockLost', line: (e) => `${e.name} ${e.taskId}: lost ${e.key}` },
  schedulerLeader: { line: (e) => `leading as ${e.instanceId} (fencing token ${e.fencingToken})` },
  periodicSubmitted: {
    count: 'submitted',
    line: (e) => `${e.name}${vo(e.vo)} occurrence ${formatInstant(e.occurrence)} as ${e.taskId}`,
  },
  periodicSkipped: {
    count: 'skipped',
    line: (e) => `${e.name}${vo(e.vo)} occurrence ${formatInstant(e.occurrence)}: ${e.reason}`,
  },
};

/**
 * Follows an app's events for `tasks worker` and `tasks scheduler`: counts them, prints one
 * line per event (NDJSON with `--json`; on a terminal, successes only move the live progress
 * line), and repeats infrastructure warnings at most every 10 s.
 */
export class Activity {
  readonly counts: ActivityCounts = {
    started: 0,
    succeeded: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    rescheduled: 0,
    lockLost: 0,
    submitted: 0,
    skipped: 0,
  };
  readonly startedAt = Date.now();
  readonly #out: Output;
  readonly #progress: (activity: Activity) => string;
  readonly #unsubscribe: Array<() => void> = [];
  #ticker: NodeJS.Timeout | undefined;
  #lastWarning = { text: '', at: 0 };

  constructor(out: Output, app: TaskApp, progress: (activity: Activity) => string) {
    this.#out = out;
    this.#progress = progress;
    for (const name of Object.keys(EVENTS) as EventName[])
      this.#unsubscribe.push(app.on(name, (payload) => this.#onEvent(name, payload)));
    this.#unsubscribe.push(app.on('workerError', (e) => this.#warn(e.where, e.error)));
    if (out.live) {
      this.#ticker = setInterval(() => this.refresh(), 1000).unref();
      this.refresh();
    }
  }

  /** Redraws the progress line (on a terminal). */
  refresh(): void {
    this.#out.progress(this.#progress(this));
  }

  /** Stops following events and removes the progress line. */
  stop(): void {
    clearInterval(this.#ticker);
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#out.endProgress();
  }

  #onEvent<E extends EventName>(name: E, payload: TaskEvents[E]): void {
    const spec = EVENTS[name] as { count?: keyof ActivityCounts; line: Formatter<E> } | undefined;
    if (!spec) return;
    if (spec.count) this.counts[spec.count]++;
    if (name === 'failed' && (payload as TaskEvents['failed']).final) this.counts.failed++;
    if (this.#out.json) this.#out.data({ event: name, at: new Date().toISOString(), ...payload });
    else {
      const line = spec.line(payload);
      const quiet = this.#out.live && name === 'succeeded';
      if (line !== null && !quiet) this.#out.print(`${formatInstant(Date.now())} ${name.padEnd(17)} ${line}`);
    }
    this.refresh();
  }

  #warn(where: string, error: unknown): void {
    const text = `${where}: ${describeThrown(error)}`;
    const now = Date.now();
    if (text === this.#lastWarning.text && now - this.#lastWarning.at < 10_000) return;
    this.#lastWarning = { text, at: now };
    if (this.#out.json)
      this.#out.data({
        event: 'warning',
        at: new Date(now).toISOString(),
        where,
        message: describeThrown(error),
      });
    else this.#out.note(`warning: ${text} (retrying)`);
  }
}
