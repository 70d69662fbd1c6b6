import { RedisConfigError } from './errors.js';

/** The separator between key segments. */
export const KEY_SEPARATOR = ':';

const SPECIAL = /[%:{}]/g;
const HAS_SPECIAL = /[%:{}]/;
const ENCODED: Record<string, string> = { '%': '%25', ':': '%3A', '{': '%7B', '}': '%7D' };

/**
 * Escapes one key segment so that no two different segment lists give the same key:
 * `%`, `:`, `{` and `}` are percent-encoded; a segment without them is returned unchanged
 * (so plain keys stay readable, e.g. `lock:mutex:task:MyTask`). Braces are encoded too so
 * a user-supplied segment can never hijack a Redis Cluster hash tag.
 *
 * @example
 * ```ts
 * escapeKeySegment('a:b'); // 'a%3Ab'
 * escapeKeySegment(42);    // '42'
 * ```
 */
export function escapeKeySegment(segment: string | number): string {
  const text = String(segment);
  return HAS_SPECIAL.test(text) ? text.replace(SPECIAL, (c) => ENCODED[c] ?? c) : text;
}

/**
 * Joins segments into a key, escaping each one: `joinKey('a:b')` and `joinKey('a', 'b')`
 * never collide.
 *
 * @example
 * ```ts
 * joinKey('lock', 'mutex', 'transformation', 123, 'extra'); // 'lock:mutex:transformation:123:extra'
 * ```
 */
export function joinKey(...segments: ReadonlyArray<string | number>): string {
  let key = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string | number;
    key +=
      (i === 0 ? '' : KEY_SEPARATOR) +
      (typeof segment === 'number' ? String(segment) : escapeKeySegment(segment));
  }
  return key;
}

/**
 * Puts a configured prefix in front of a key. An empty prefix leaves the key unchanged;
 * otherwise a `:` separates them unless the prefix already ends with one.
 *
 * The prefix may contain one Redis hash tag (for example `'{myapp}'`, to keep every key in
 * one slot), but must not contain an unbalanced `}`.
 * @throws RedisConfigError when the prefix would break hash-slot routing.
 *
 * @example
 * ```ts
 * withPrefix('myapp', 'lock:mutex:task:A'); // 'myapp:lock:mutex:task:A'
 * ```
 */
export function withPrefix(prefix: string, key: string): string {
  if (prefix === '') return key;
  assertValidPrefix(prefix);
  return prefix.endsWith(KEY_SEPARATOR) ? prefix + key : prefix + KEY_SEPARATOR + key;
}

let lastValidPrefix = '';

/** @throws RedisConfigError when `prefix` contains a `}` that is not closing a hash tag. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === lastValidPrefix) return;
  if (prefix.includes('}') && hashTag(prefix) === null) {
    throw new RedisConfigError(
      `Invalid key prefix ${JSON.stringify(prefix)}: a '}' must close a non-empty hash tag such as '{app}'`,
    );
  }
  lastValidPrefix = prefix;
}

/**
 * The hash tag Redis Cluster uses for `key` (the text between the first `{` and the next
 * `}`, when not empty), or `null` when the whole key is hashed.
 */
export function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return null;
  return key.slice(open + 1, close);
}

/**
 * A key that lives in the same Redis Cluster slot as `mainKey`, for state that one script
 * touches together with it. When `mainKey` already has a hash tag the suffix is appended;
 * otherwise the whole main key becomes the tag (`lock:mutex:a` → `{lock:mutex:a}:fence`),
 * so the main key itself keeps its documented, untagged form.
 * @throws RedisConfigError when `mainKey` has an unbalanced `}` and no tag.
 *
 * @example
 * ```ts
 * companionKey('lock:rw:job:42', 'writers'); // '{lock:rw:job:42}:writers'
 * ```
 */
export function companionKey(mainKey: string, suffix: string): string {
  if (hashTag(mainKey) !== null) return mainKey + KEY_SEPARATOR + suffix;
  if (mainKey.includes('}')) {
    throw new RedisConfigError(`Cannot derive a same-slot key from ${JSON.stringify(mainKey)}: it has a '}'`);
  }
  return `{${mainKey}}${KEY_SEPARATOR}${suffix}`;
}

/**
 * Builds a hash-tagged key `{tag}:seg:...` so that every key sharing `tag` lands in one
 * cluster slot. Segments are escaped as in {@link joinKey}; the tag itself is escaped too.
 */
export function hashTagged(tag: string, ...segments: ReadonlyArray<string | number>): string {
  const head = `{${escapeKeySegment(tag)}}`;
  return segments.length === 0 ? head : head + KEY_SEPARATOR + joinKey(...segments);
}

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

/**
 * The Redis Cluster slot (0–16383) of `key`: CRC16 (XMODEM) of its hash tag, or of the
 * whole key when it has none. Useful to check that keys used together share a slot.
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(hashTag(key) ?? key);
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0)) & 0xffff;
  return crc % 16384;
}
