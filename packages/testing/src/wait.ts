/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once `predicate` holds (checked every 10 ms), or rejects after the timeout (default
 * 20 s) with an error naming what was awaited. Tests wait for conditions with it, never for
 * fixed times. The second argument is either what is awaited (then the timeout comes third) or
 * the timeout in ms.
 *
 * @example
 * ```ts
 * await waitUntil(() => runs.length === 3, 'three runs');
 * await waitUntil(async () => (await app.dlq.size()) === 1, 15_000);
 * ```
 */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  whatOrTimeoutMs: string | number = 'condition',
  timeoutMs = 20_000,
): Promise<void> {
  const what = typeof whatOrTimeoutMs === 'string' ? whatOrTimeoutMs : 'condition';
  const limit = typeof whatOrTimeoutMs === 'number' ? whatOrTimeoutMs : timeoutMs;
  const deadline = Date.now() + limit;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${limit} ms`);
    await sleep(10);
  }
}
