// One tick of the leader over the timetable: each entry planned, its due occurrences built and
// submitted with the entry's new record in one compare-and-set script. Entries are isolated:
// whatever fails for one is recorded on it (and reported once), and the others go on.
import { MutexLock } from '@tasks/locks';
import { failing, planEntry, type MisfirePolicy, type PlanChange } from './scheduler-plan.js';
import { encodeEvent } from './events.js';
import { desiredEntries, type DesiredEntry } from './scheduler-entries.js';
import { UPDATE_ENTRY } from './scheduler-scripts.js';
import type { AppServices } from './services.js';
import type { BuiltTask } from './submitter.js';
import { readStoredEntries, type TimetableEntry } from './timetable.js';
import type { AnyTask } from './registry.js';

/** @internal A stored record: its exact text (for the compare-and-set) and its decoded form. */
interface Stored {
  readonly raw: string;
  readonly entry: TimetableEntry | null;
}

/** A periodic entry's task, and a payload for each occurrence to run. */
interface Built {
  readonly task: AnyTask;
  readonly built: readonly BuiltTask[];
}

/** What a plan's runs turned into: submissions (`built[i]` is `occurrences[i]`), or a skip. */
interface Runs {
  readonly state: TimetableEntry;
  readonly built: readonly BuiltTask[];
  readonly occurrences: readonly number[];
  readonly skip: { readonly occurrence: number; readonly reason: string } | null;
}

/** @internal Applies ticks to the timetable for one scheduler instance. */
export class TimetableTicker {
  constructor(
    private readonly app: AppServices,
    private readonly instanceId: string,
    private readonly misfire: MisfirePolicy,
    /** Called when a write finds that this instance no longer leads. */
    private readonly lostLease: () => void,
  ) {}

  /**
   * Plans and writes every entry; deletes the records of entries that no longer exist (task
   * removed, VO gone). Stops early when `stop()` turns true.
   * @returns the entries' records after the tick (for the summary log).
   */
  async tick(vos: readonly string[], stop: () => boolean): Promise<TimetableEntry[]> {
    // Configuration first, then the clock: a change is recorded as seen at a time after it was read.
    const entries = desiredEntries(this.app.registry, vos);
    const now = await this.app.redis.time();
    const stored = await readStoredEntries(this.app.redis, this.app.keys);
    const current: TimetableEntry[] = [];
    for (const desired of entries) {
      if (stop()) return current;
      const before = stored.get(desired.field) ?? null;
      stored.delete(desired.field);
      try {
        const after = await this.#handle(desired, before, now);
        if (after) current.push(after);
      } catch (error) {
        // Redis trouble while handling this entry: the next tick retries it.
        this.app.events.emit('workerError', { error, where: `scheduler entry ${desired.field}` });
      }
    }
    for (const [field, { raw }] of stored) {
      if (stop()) break;
      await this.#write(field, raw, '', null, []);
    }
    return current;
  }

  async #handle(desired: DesiredEntry, before: Stored | null, now: number): Promise<TimetableEntry | null> {
    const stored = before?.entry ?? null;
    let plan = planEntry(stored, desired, now, this.misfire);
    let runs: Runs | null = null;
    if (plan.state && plan.run.length > 0) {
      let built: Built | null = null;
      try {
        const { run } = plan;
        built = this.app.telemetry.enabled
          ? await this.app.telemetry.scheduling(desired.task, desired.vo, run.length, () =>
              this.#build(desired, run),
            )
          : await this.#build(desired, run);
      } catch (error) {
        // The task cannot be built (its constructor, its arguments, its size): keep the due run.
        const keep = { ...plan.state, next: stored?.next ?? null, since: stored?.since ?? now };
        plan = failing(stored, keep, error);
      }
      if (built) runs = await this.#runsOf(built, plan.state as TimetableEntry, plan.run, now);
    }
    const state = runs?.state ?? plan.state;
    if (!state) return stored;
    const skipLine = runs?.skip
      ? JSON.stringify({ name: desired.task, vo: desired.vo, ...runs.skip, at: now })
      : null;
    const written = await this.#write(
      desired.field,
      before?.raw ?? '',
      JSON.stringify(state),
      skipLine,
      runs?.built ?? [],
    );
    if (!written) return stored;
    this.#report(desired, state, plan.changes, runs);
    return state;
  }

  /** The entry's task and one payload per occurrence to run. @throws what building them throws. */
  async #build(desired: DesiredEntry, run: readonly number[]): Promise<Built> {
    const task = new desired.cls(this.app.registry.periodicArgsOf(desired.task, desired.vo));
    const built: BuiltTask[] = [];
    for (const occurrence of run) {
      const labels: Record<string, string> = {
        periodic: 'true',
        occurrence: new Date(occurrence).toISOString(),
      };
      if (desired.vo !== null) labels.vo = desired.vo;
      // Occurrences are queued with the timetable, on the home shard: ids of shard 0.
      built.push(await this.app.submitter.build(task, { l: labels }, 0));
    }
    return { task, built };
  }

  /** The runs submitted — or all skipped when the previous run still holds the task's mutex. */
  async #runsOf(
    { task, built }: Built,
    state: TimetableEntry,
    run: readonly number[],
    now: number,
  ): Promise<Runs> {
    const last = run[run.length - 1] as number;
    const busy = await this.#stillRunning(task);
    if (busy) {
      const lastSkip = { occurrence: last, reason: `the previous run still holds ${busy}`, at: now };
      return {
        state: { ...state, skipped: state.skipped + run.length, lastSkip },
        built: [],
        occurrences: [],
        skip: lastSkip,
      };
    }
    const taskId = (built[built.length - 1] as BuiltTask).payload.i;
    return {
      state: { ...state, lastRun: { occurrence: last, taskId, submittedAt: now } },
      built,
      occurrences: run,
      skip: null,
    };
  }

  /** The key of a mutex of the task that is held now (its previous run is still going), else null. */
  async #stillRunning(task: AnyTask): Promise<string | null> {
    for (const lock of this.app.registry.locksOf(task)) {
      if (!(lock instanceof MutexLock)) continue;
      if (Number(await this.app.redis.command(['EXISTS', lock.redisKey], { key: lock.redisKey })) === 1)
        return lock.redisKey;
    }
    return null;
  }

  /** Compare-and-set of one record, with its submissions. False when not written. */
  async #write(
    field: string,
    expected: string,
    next: string,
    skipLine: string | null,
    built: readonly BuiltTask[],
  ): Promise<boolean> {
    const k = this.app.keys;
    const index = built[0]?.index ?? 0;
    const tasks = built.flatMap((b) => {
      const event = encodeEvent('submitted', {
        taskId: b.payload.i,
        name: b.payload.n,
        streamIndex: index,
        delayed: false,
      });
      return [b.payload.i, b.text, event.json];
    });
    const reply = await this.app.redis.evalScript(
      UPDATE_ENTRY,
      [k.schedulerLeader, k.schedulerNext, k.streams[index] as string, k.schedulerSkipped, k.live, k.events],
      [
        this.instanceId,
        field,
        expected,
        next,
        skipLine ?? '',
        this.app.brokers.options.eventsMaxLen,
        index,
        ...tasks,
      ],
    );
    if (Number(reply) === -1) this.lostLease();
    return Number(reply) === 1;
  }

  #report(
    desired: DesiredEntry,
    state: TimetableEntry,
    changes: readonly PlanChange[],
    runs: Runs | null,
  ): void {
    const { events, logger } = this.app;
    const name = desired.task;
    const vo = desired.vo;
    runs?.built.forEach((built, i) =>
      events.emit('periodicSubmitted', {
        name,
        vo,
        occurrence: runs.occurrences[i] as number,
        taskId: built.payload.i,
      }),
    );
    if (runs?.skip) events.emit('periodicSkipped', { name, vo, ...runs.skip });
    const who = `Periodic task ${name}${vo === null ? '' : ` (VO ${vo})`} with schedule ${desired.description}`;
    for (const change of changes) {
      if (change === 'failing') {
        const message = state.error ?? '';
        events.emit('periodicError', { name, vo, schedule: desired.description, message });
        logger.error(
          `${who} fails: ${message}. It is retried every tick; the other entries are not affected.`,
          {
            task: name,
            vo,
            schedule: desired.description,
          },
        );
      } else if (change === 'ended') {
        events.emit('periodicEnded', {
          name,
          vo,
          schedule: desired.description,
          lastOccurrence: state.lastRun?.occurrence ?? null,
        });
        logger.info(`${who} has ended: no occurrence is left after its last run.`, { task: name, vo });
      } else {
        events.emit('periodicChanged', {
          name,
          vo,
          change,
          status: state.status,
          next: state.next,
          since: state.since,
        });
        logger.info(
          `${who}: ${change}; next run ${state.next === null ? 'none' : new Date(state.next).toISOString()}.`,
          {
            task: name,
            vo,
          },
        );
      }
    }
  }
}
