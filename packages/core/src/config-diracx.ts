// The DiracX configuration shape (`common: { <task>: TaskOverride }` and the same per VO),
// read into the sections this package works with, so a DiracX YAML file loads as it is.
import {
  checkKeys,
  emptySections,
  isEffective,
  join,
  objectAt,
  parseLimit,
  parsePeriodic,
  parseTaskSettings,
  type ConfigMention,
  type ResolvedLimit,
  type ResolvedPeriodic,
  type ResolvedSections,
} from './config-parse.js';
import { TaskConfigError } from './errors.js';

// DiracX's TaskOverride fields, plus this package's `retry` and `priority`.
const OVERRIDE_KEYS = [
  'enabled',
  'rate_limit',
  'rate_window_seconds',
  'concurrency_limit',
  'periodic',
  'retry',
  'priority',
];

/**
 * @internal Reads `{ <task>: TaskOverride }` (DiracX's `common`, or one VO's overrides) at
 * `path`. As in DiracX, `null` means "not set"; `enabled: false` (of the task or of its
 * `periodic`) stops the scheduler from submitting it; its limits apply to `(task, <name>)`.
 */
export function parseDiracxTasks(value: unknown, path: string, mentions: ConfigMention[]): ResolvedSections {
  const out = emptySections();
  const taskLimits = new Map<string, ResolvedLimit>();
  for (const [name, raw] of Object.entries(objectAt(value, path, 'an object keyed by task name'))) {
    const at = join(path, name);
    const entry = objectAt(raw, at);
    checkKeys(entry, at, OVERRIDE_KEYS);
    const periodic = periodicOf(entry, at);
    mentions.push({ path: at, kind: periodic && isEffective(periodic) ? 'periodic task' : 'task', name });
    if (periodic) out.periodic.set(name, periodic);
    const { rate_limit, rate_window_seconds, concurrency_limit } = entry;
    const limit = parseLimit({ rate_limit, rate_window_seconds, concurrency_limit }, at, 'unset');
    if (Object.keys(limit).length > 1) taskLimits.set(name, limit); // more than its `path`
    const settings = parseTaskSettings({ retry: entry.retry, priority: entry.priority }, at);
    if (settings.retry !== undefined || settings.priority !== undefined) out.tasks.set(name, settings);
  }
  if (taskLimits.size > 0) out.limits.set('task', taskLimits);
  return out;
}

/** The periodic settings of a TaskOverride: its `periodic` block and its `enabled` flag. */
function periodicOf(entry: Record<string, unknown>, at: string): ResolvedPeriodic | null {
  if (entry.enabled !== undefined && entry.enabled !== null && typeof entry.enabled !== 'boolean')
    throw new TaskConfigError(join(at, 'enabled'), 'expected true or false');
  const block =
    entry.periodic === undefined || entry.periodic === null
      ? {}
      : parsePeriodic(withoutNulls(objectAt(entry.periodic, join(at, 'periodic'))), join(at, 'periodic'));
  const flags = [entry.enabled, block.enabled].filter((f): f is boolean => typeof f === 'boolean');
  const enabled = flags.length === 0 ? undefined : flags.every(Boolean);
  const periodic: ResolvedPeriodic = { ...block, ...(enabled === undefined ? {} : { enabled }) };
  return Object.keys(periodic).length > 0 ? periodic : null;
}

function withoutNulls(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
}
