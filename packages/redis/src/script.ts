import { createHash } from 'node:crypto';

/** A Lua script defined once, with its key count and precomputed SHA1. */
export interface LuaScript {
  /** A short name for error messages. */
  readonly name: string;
  /**
   * Number of `KEYS` the script takes (every other argument goes to `ARGV`), or `null` for a
   * script taking any number of keys (batch scripts).
   */
  readonly numberOfKeys: number | null;
  /** The script body. */
  readonly lua: string;
  /** Lower-case hex SHA1 of `lua`, as Redis computes it for `EVALSHA`. */
  readonly sha1: string;
}

/**
 * Defines a Lua script once. The SHA1 is computed here, so running it costs one `EVALSHA`.
 *
 * Scripts must only return integers, strings and flat arrays (Lua numbers are truncated to
 * integers and tables stop at the first nil); encode anything else as a string.
 *
 * @example
 * ```ts
 * const incrBy = defineScript('incrBy', 1, "return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * await adapter.evalScript(incrBy, ['counter'], [5]);
 * ```
 */
export function defineScript(name: string, numberOfKeys: number | null, lua: string): LuaScript {
  if (numberOfKeys !== null && (!Number.isInteger(numberOfKeys) || numberOfKeys < 0)) {
    throw new RangeError(`defineScript(${name}): numberOfKeys must be a non-negative integer or null`);
  }
  const sha1 = createHash('sha1').update(lua).digest('hex');
  return Object.freeze({ name, numberOfKeys, lua, sha1 });
}
