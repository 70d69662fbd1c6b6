import type { RedisReply } from './types.js';

/**
 * Turns whatever a client library returned into a {@link RedisReply}: RESP3 maps (as `Map`,
 * plain objects or flat arrays) become flat `[k, v, ...]` arrays, sets become arrays,
 * booleans `1`/`0`, doubles and big numbers strings, and bulk strings `Buffer`s when
 * `buffers` is set or UTF-8 strings otherwise.
 * @throws Error when the reply holds an error object (for example inside a script table).
 */
export function normalizeReply(raw: unknown, buffers: boolean): RedisReply {
  if (raw === null || raw === undefined) return null;
  switch (typeof raw) {
    case 'number':
      return Number.isInteger(raw) ? raw : String(raw);
    case 'bigint':
      return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
    case 'boolean':
      return raw ? 1 : 0;
    case 'string':
      return buffers ? Buffer.from(raw) : raw;
    default:
      break;
  }
  if (Buffer.isBuffer(raw)) return buffers ? raw : raw.toString('utf8');
  if (raw instanceof Error) throw raw;
  if (Array.isArray(raw)) return raw.map((item) => normalizeReply(item, buffers));
  if (raw instanceof Set) return [...raw].map((item) => normalizeReply(item, buffers));
  if (raw instanceof Map) {
    const flat: RedisReply[] = [];
    for (const [k, v] of raw) flat.push(normalizeReply(k, buffers), normalizeReply(v, buffers));
    return flat;
  }
  if (raw instanceof String) return buffers ? Buffer.from(raw.toString()) : raw.toString();
  if (typeof raw === 'object') {
    const flat: RedisReply[] = [];
    for (const [k, v] of Object.entries(raw))
      flat.push(normalizeReply(k, buffers), normalizeReply(v, buffers));
    return flat;
  }
  throw new TypeError(`Unexpected reply of type ${typeof raw}`);
}

const PAIRED_SCORE_COMMANDS = new Set([
  'ZRANGE',
  'ZRANGEBYSCORE',
  'ZREVRANGE',
  'ZREVRANGEBYSCORE',
  'ZPOPMIN',
  'ZPOPMAX',
  'ZRANDMEMBER',
  'ZUNION',
  'ZINTER',
  'ZDIFF',
  'HRANDFIELD',
]);

/**
 * Gives the few commands whose RESP3 reply has another shape than over RESP2 their RESP2
 * shape, after {@link normalizeReply}: `XREAD`/`XREADGROUP` (a map of stream → entries over
 * RESP3, flattened by the clients) become `[[stream, entries], ...]`; sorted-set and
 * `HRANDFIELD` replies `WITHSCORES`/`WITHVALUES` (pairs over RESP3) become flat arrays.
 */
export function reshapeReply(command: string, reply: RedisReply): RedisReply {
  if (!Array.isArray(reply) || reply.length === 0) return reply;
  if (command === 'XREAD' || command === 'XREADGROUP') {
    if (Array.isArray(reply[0])) return reply;
    const pairs: RedisReply[] = [];
    for (let i = 0; i < reply.length; i += 2) pairs.push([reply[i] ?? null, reply[i + 1] ?? null]);
    return pairs;
  }
  if (PAIRED_SCORE_COMMANDS.has(command) && reply.every(Array.isArray)) return reply.flat(1) as RedisReply[];
  return reply;
}
