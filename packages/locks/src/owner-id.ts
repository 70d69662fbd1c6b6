import { randomFillSync } from 'node:crypto';

// Owner ids: 32 hex characters. The first 8 are drawn once per copy of this module (a process,
// normally) and shared by all its owner ids, so a script handing a lock to a waiter can tell
// whether that waiter lives in the caller's process (it then skips the pub/sub message: the
// caller's reply delivers the hand-off). The other 24 are random per id (96 bits), drawn from
// a pool refilled 256 ids at a time (one CSPRNG call instead of one per lock object).
const HOST_BYTES = 4;
const OWN_BYTES = 12;
const pool = Buffer.alloc(OWN_BYTES * 256);
let offset = pool.length;

/** @internal The owner-id prefix of this process (8 hex characters). */
export const OWNER_HOST = randomFillSync(Buffer.alloc(HOST_BYTES)).toString('hex');

/** @internal A new owner id: {@link OWNER_HOST} then 24 random hex characters. */
export function randomOwnerId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = OWNER_HOST + pool.toString('hex', offset, offset + OWN_BYTES);
  offset += OWN_BYTES;
  return id;
}
