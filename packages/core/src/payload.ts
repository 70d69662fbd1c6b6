import { InvalidTaskArgumentsError, PayloadTooLargeError } from './errors.js';
import type { StandardSchemaV1 } from './task.js';

/** What travels in a stream entry (compact keys keep entries small). */
export interface TaskPayload {
  /** Task id. */
  readonly i: string;
  /** Task name. */
  readonly n: string;
  /** Arguments (plain JSON data). */
  readonly a: unknown;
  /** Attempt: 0 for the first run. */
  readonly t: number;
  /** First submission time (ms since epoch). */
  readonly s: number;
  /** Parent task id. */
  readonly p?: string;
  /** Labels. */
  readonly l?: Readonly<Record<string, string>>;
  /** Lock-contention reschedules so far. */
  readonly r?: number;
  /** Errors of earlier attempts. */
  readonly e?: ReadonlyArray<{
    attempt: number;
    name: string;
    message: string;
    stack: string | null;
    at: number;
  }>;
  /** Fan-in group this task belongs to. */
  readonly g?: string;
  /** Trace context of its submission (W3C `traceparent`, ...), when telemetry traced it. */
  readonly c?: Readonly<Record<string, string>>;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks that `value` is plain JSON data (null, booleans, finite numbers, strings, arrays and
 * plain objects, no cycles) and throws an error naming the task and the offending field.
 */
export function assertPlainData(
  taskName: string,
  value: unknown,
  path = 'args',
  seen = new Set<object>(),
): void {
  const fail = (problem: string): never => {
    throw new InvalidTaskArgumentsError(taskName, path, `${problem}; task arguments must be plain JSON data`);
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`is ${value}`);
    return;
  }
  if (typeof value !== 'object') return void fail(`is a ${typeof value}`);
  if (seen.has(value)) fail('is a circular reference');
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertPlainData(taskName, item, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      fail(`is a ${kind}${kind === 'Date' ? ' (pass an ISO string instead)' : ''}`);
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key))
        throw new InvalidTaskArgumentsError(taskName, `${path}.${key}`, 'is a forbidden key');
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) fail(`.${key} is undefined`);
      assertPlainData(taskName, item, `${path}.${key}`, seen);
    }
  }
  seen.delete(value);
}

/** Validates `args` with a Standard Schema; returns the (possibly transformed) value. */
export async function validateWithSchema(
  taskName: string,
  schema: StandardSchemaV1,
  args: unknown,
): Promise<unknown> {
  const result = await schema['~standard'].validate(args);
  if (!result.issues) return result.value;
  const issue = result.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).map(String);
  throw new InvalidTaskArgumentsError(
    taskName,
    ['args', ...path].join('.'),
    `is invalid: ${issue?.message ?? 'rejected by schema'}`,
  );
}

/** Serialises a payload, enforcing the size limit. */
export function encodePayload(payload: TaskPayload, maxBytes: number): string {
  const text = JSON.stringify(payload);
  if (text.length > maxBytes / 3 && Buffer.byteLength(text) > maxBytes) {
    throw new PayloadTooLargeError(payload.n, Buffer.byteLength(text), maxBytes);
  }
  return text;
}

/** Why an entry could not be decoded. */
export class PayloadDecodeError extends Error {}

/**
 * Parses a stream payload. Keys that could pollute prototypes (`__proto__`, `constructor`,
 * `prototype`) are dropped. Throws `PayloadDecodeError` for anything that is not a payload.
 */
export function decodePayload(text: string): TaskPayload {
  let value: unknown;
  try {
    // The reviver is slow: use it only when a forbidden key name appears at all.
    const risky =
      text.includes('__proto__') || text.includes('"constructor"') || text.includes('"prototype"');
    value = risky
      ? JSON.parse(text, (key, v: unknown) => (FORBIDDEN_KEYS.has(key) ? undefined : v))
      : JSON.parse(text);
  } catch (error) {
    throw new PayloadDecodeError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null) throw new PayloadDecodeError('not an object');
  const p = value as Record<string, unknown>;
  if (typeof p.i !== 'string' || p.i === '') throw new PayloadDecodeError('missing task id');
  if (typeof p.n !== 'string' || p.n === '') throw new PayloadDecodeError('missing task name');
  if (typeof p.t !== 'number' || !Number.isInteger(p.t) || p.t < 0)
    throw new PayloadDecodeError('bad attempt');
  if (typeof p.s !== 'number') throw new PayloadDecodeError('bad submission time');
  return value as TaskPayload;
}

/** The payload (`p` field) of a stream entry's field list; '' when it has none. */
export function payloadOf(fields: readonly string[] | null): string {
  if (!fields) return '';
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'p') return fields[i + 1] ?? '';
  return '';
}
