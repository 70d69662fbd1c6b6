// Hostile-input and ACL checks: each is a test whose outcome line goes into FAULTS.md.
import { it } from 'vitest';
import { recordCheck } from './report.js';

/**
 * Registers a test named `name`; `run` returns a one-line outcome for FAULTS.md. A failing
 * check is recorded as failed (with `bug`, the evidence of a known bug, when given, and the
 * error) and still fails the test.
 */
export function check(file: string, name: string, run: () => Promise<string>, bug?: string): void {
  it(name, async () => {
    try {
      recordCheck(file, { check: name, outcome: await run(), ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      const outcome = bug ? `still present: ${bug} (${message ?? ''})` : `failed: ${message ?? ''}`;
      recordCheck(file, { check: name, outcome, ok: false });
      throw error;
    }
  });
}

/** Resolves once `test` holds, or rejects naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  test: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
