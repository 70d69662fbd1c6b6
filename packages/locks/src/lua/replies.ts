// The reply shapes the lock scripts share, decoded once into named types.
import type { RedisReply } from '@tasks/redis';
import type { Attempt } from '../types.js';

/** Reply codes of every acquire script: `{code, token, retry-after ms, hand-off...}`. */
export const ATTEMPT_CODES = Object.freeze({ REFUSED: 0, ACQUIRED: 1, LINE_BUSY: 2 });

/** Reply codes of release and cancel scripts: `{code, hand-off...}`. */
export const RELEASE_CODES = Object.freeze({ NOT_HELD: 0, RELEASED: 1 });

/** Reply codes of extend scripts. */
export const EXTEND_CODES = Object.freeze({ LOST: 0, EXTENDED: 1 });

/** @internal An attempt, with the hand-offs (`owner|token`) its script made on the way. */
export interface AttemptReply {
  readonly attempt: Attempt;
  readonly grants: readonly string[];
}

/** A release or cancel: whether this owner held the lock, and the hand-offs it made. */
export interface ReleaseReply {
  readonly held: boolean;
  readonly grants: readonly string[];
}

const NO_GRANTS: readonly string[] = Object.freeze([]);

function grantsFrom(items: readonly RedisReply[], from: number): readonly string[] {
  return items.length > from ? items.slice(from).map(String) : NO_GRANTS;
}

/** A script reply as a list (a lone value becomes a one-item list). */
function itemsOf(reply: RedisReply): readonly RedisReply[] {
  return Array.isArray(reply) ? reply : [reply];
}

/** @internal Decodes `{code, token, retryAfterMs, grant...}`. */
export function parseAttemptReply(reply: RedisReply): AttemptReply {
  const items = itemsOf(reply);
  const code = items[0];
  const acquired = code === ATTEMPT_CODES.ACQUIRED;
  const token = Number(items[1]);
  return {
    attempt: {
      acquired,
      token: acquired && token > 0 ? token : null,
      retryAfterMs: acquired ? null : Math.max(0, Number(items[2])),
      lineBusy: code === ATTEMPT_CODES.LINE_BUSY,
    },
    grants: grantsFrom(items, 3),
  };
}

/** Decodes `{code, grant...}` (release and cancel scripts). */
export function parseReleaseReply(reply: RedisReply): ReleaseReply {
  const items = itemsOf(reply);
  return { held: items[0] === RELEASE_CODES.RELEASED, grants: grantsFrom(items, 1) };
}

/** Decodes an extend script's reply. */
export function parseExtendReply(reply: RedisReply): boolean {
  return reply === EXTEND_CODES.EXTENDED;
}
