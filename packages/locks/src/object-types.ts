import { UnknownLockedObjectTypeError, DuplicateLockedObjectTypeError } from './errors.js';

declare const brand: unique symbol;
/** The type of object a lock is about (`'task'`, `'job'`, ...): a registered string. */
export type LockedObjectType = string & { readonly [brand]: 'LockedObjectType' };

const registry = new Set<string>();

function add(name: string): LockedObjectType {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError('A LockedObjectType name must be a non-empty string');
  }
  if (registry.has(name)) throw new DuplicateLockedObjectTypeError(name);
  registry.add(name);
  return name as LockedObjectType;
}

/**
 * Registers a new locked-object type and returns it.
 * @throws DuplicateLockedObjectTypeError when `name` is already registered.
 * @example
 * ```ts
 * const PILOT = registerLockedObjectType('pilot');
 * new MutexLock(PILOT, 'ce-1');
 * ```
 */
export function registerLockedObjectType(name: string): LockedObjectType {
  return add(name);
}

/**
 * Returns `name` as a `LockedObjectType` if it is registered.
 * @throws UnknownLockedObjectTypeError naming the registered types otherwise.
 */
export function lockedObjectType(name: string): LockedObjectType {
  if (!registry.has(name)) throw new UnknownLockedObjectTypeError(name, [...registry].sort());
  return name as LockedObjectType;
}

/** Every registered type name, sorted. */
export function registeredLockedObjectTypes(): string[] {
  return [...registry].sort();
}

/** The built-in types: `TASK = 'task'`, `JOB = 'job'`, `TRANSFORMATION = 'transformation'`. */
export const LockedObjectType = Object.freeze({
  TASK: add('task'),
  JOB: add('job'),
  TRANSFORMATION: add('transformation'),
});
