import { assertValidPrefix, escapeKeySegment, hashTag } from '@tasks/redis';
import { PRIORITIES, SIZES, streamIndex, type Priority, type Size } from './enums.js';
import { TaskConfigError } from './errors.js';

/**
 * Every key of one app. They all share one hash tag (the prefix, e.g. `{tasks}`), so the
 * broker's scripts can touch streams, the delayed set, results and the DLQ together on a
 * Redis Cluster (one app lives in one slot, like a BullMQ queue).
 */
export class Keyspace {
  readonly root: string;
  readonly group = 'workers';
  /** The 9 streams, indexed by `streamIndex(priority, size)`. */
  readonly streams: readonly string[];
  readonly delayed: string;
  readonly delayedData: string;
  readonly dlq: string;
  readonly dlqData: string;
  readonly workers: string;
  readonly promoteGuard: string;

  constructor(readonly prefix: string) {
    if (prefix === '') throw new TaskConfigError('prefix', 'must not be empty');
    assertValidPrefix(prefix);
    if (hashTag(prefix) === null && /[{}]/.test(prefix))
      throw new TaskConfigError('prefix', `${JSON.stringify(prefix)} has a brace but no hash tag`);
    this.root = hashTag(prefix) !== null ? prefix : `{${prefix}}`;
    const streams: string[] = [];
    for (const size of SIZES)
      for (const priority of PRIORITIES)
        streams[streamIndex(priority, size)] = this.key('stream', priority, size);
    this.streams = streams;
    this.delayed = this.key('delayed');
    this.delayedData = this.key('delayed', 'data');
    this.dlq = this.key('dlq');
    this.dlqData = this.key('dlq', 'data');
    this.workers = this.key('workers');
    this.promoteGuard = this.key('guard', 'promote');
  }

  key(...segments: string[]): string {
    return [this.root, ...segments.map(escapeKeySegment)].join(':');
  }

  stream(priority: Priority, size: Size): string {
    return this.streams[streamIndex(priority, size)] as string;
  }

  /** The three streams of a size, most urgent first. */
  streamsOfSize(size: Size): string[] {
    return PRIORITIES.map((p) => this.stream(p, size));
  }

  result(taskId: string): string {
    return this.key('result', taskId);
  }

  /** Exists while someone waits for the result; also the pub/sub channel of its completion. */
  resultWait(taskId: string): string {
    return this.key('result', taskId, 'wait');
  }

  reclaimGuard(stream: string): string {
    return `${stream}:reclaim`;
  }
}
