import { RedisAdapterError } from '@tasks/redis';

/** Error codes and messages that mean Redis cannot be reached (as opposed to a refused command). */
const OUTAGE_CODES = new Set(['REDIS_UNREACHABLE', 'REDIS_TIMEOUT']);
const OUTAGE_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EPIPE|Connection is closed|connection.*closed|client is (closed|offline)|Socket closed|timed out|LOADING|MASTERDOWN|CLUSTERDOWN/i;

/** True when `error` says Redis is unreachable (or not serving), not that a command was wrong. */
export function isOutage(error: unknown): boolean {
  if (!(error instanceof RedisAdapterError)) return false;
  if (OUTAGE_CODES.has(error.code)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return OUTAGE_TEXT.test(error.message) || (cause instanceof Error && OUTAGE_TEXT.test(cause.message));
}

/**
 * @internal Reports each Redis outage once (the first error of it), stays quiet while it lasts,
 * and reports the recovery once when Redis answers again. Other errors are reported as they come.
 */
export class OutageMonitor {
  #downSince: number | null = null;

  constructor(
    private readonly onError: (error: unknown, where: string) => void,
    private readonly onRecovered: (downMs: number) => void,
  ) {}

  report(error: unknown, where: string): void {
    if (!isOutage(error)) return this.onError(error, where);
    if (this.#downSince !== null) return;
    this.#downSince = Date.now();
    this.onError(error, 'redis');
  }

  /** Redis answered. */
  ok(): void {
    if (this.#downSince === null) return;
    const downMs = Date.now() - this.#downSince;
    this.#downSince = null;
    this.onRecovered(downMs);
  }
}
