/** How urgent a task is. Workers never start a lower priority while a higher one of their size waits. */
export enum Priority {
  REALTIME = 'realtime',
  NORMAL = 'normal',
  BACKGROUND = 'background',
}

/** Which pool of workers runs a task. */
export enum Size {
  SMALL = 'small',
  MEDIUM = 'medium',
  LARGE = 'large',
}

/** Priorities from most to least urgent. */
export const PRIORITIES: readonly Priority[] = [Priority.REALTIME, Priority.NORMAL, Priority.BACKGROUND];
/** Every size. */
export const SIZES: readonly Size[] = [Size.SMALL, Size.MEDIUM, Size.LARGE];

/** Index (0–8) of the stream of a (priority, size) pair: size-major, priority-minor. */
export function streamIndex(priority: Priority, size: Size): number {
  const p = PRIORITIES.indexOf(priority);
  const s = SIZES.indexOf(size);
  if (p < 0 || s < 0) throw new RangeError(`Unknown priority '${priority}' or size '${size}'`);
  return s * 3 + p;
}
