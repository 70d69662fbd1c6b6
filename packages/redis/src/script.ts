import { createHash } from 'node:crypto';
import type { LuaScript, RedisAdapter, RedisArg, RedisReply } from './types.js';

export type { LuaScript } from './types.js';

/**
 * How a named script argument is sent and read: `'string'` and `'bytes'` arrive in Lua as
 * strings (`'bytes'` also accepts a `Buffer`), `'number'` is sent as decimal text and read
 * with `tonumber` by the generated prologue.
 */
export type ScriptArgType = 'string' | 'number' | 'bytes';

/**
 * A Redis 7 script flag, declared in the script's first line (`#!lua flags=...`):
 * - `'allow-oom'`: the script runs even when Redis is out of memory (used memory above
 *   `maxmemory` under `noeviction`), and every command in it may write. Give it only to scripts
 *   that free at least what they write (acknowledging, deleting, finishing work), so a full Redis
 *   can still be drained.
 * - `'no-writes'`: the script only reads (it may then run on replicas and when Redis is full).
 * - `'allow-stale'`, `'no-cluster'`, `'allow-cross-slot-keys'`: as documented by Redis.
 *
 * A script with flags needs Redis 7.0 or later. Without flags (no shebang), a script is refused
 * on a full Redis at its first command that may grow memory.
 */
export type ScriptFlag = 'allow-oom' | 'no-writes' | 'allow-stale' | 'no-cluster' | 'allow-cross-slot-keys';

/**
 * The shebang line declaring a script's flags (`#!lua flags=allow-oom\n`), to put first in the
 * body of a positional {@link defineScript}; `''` for no flags. The object form takes `flags`.
 * The line is part of the script's text, so `EVALSHA` and `SCRIPT LOAD` see the same SHA1.
 *
 * @example
 * ```ts
 * const ack = defineScript('ack', 1, `${scriptShebang(['allow-oom'])}return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])`);
 * ```
 */
export function scriptShebang(flags: readonly ScriptFlag[]): string {
  return flags.length === 0 ? '' : `#!lua flags=${[...new Set(flags)].join(',')}\n`;
}

/** The named arguments of a script: name → {@link ScriptArgType}, in `ARGV` order. */
export type ScriptArgSpec = Readonly<Record<string, ScriptArgType>>;

/** The values a script's named arguments take at a call. */
export type ScriptArgValues<A extends ScriptArgSpec> = {
  readonly [P in keyof A]: A[P] extends 'number' ? number : A[P] extends 'bytes' ? string | Buffer : string;
};

/** The values of a script's named keys at a call. */
export type ScriptKeyValues<K extends string> = { readonly [P in K]: string };

declare const keyListBrand: unique symbol;
/** A script's keys in `KEYS` order, built once by {@link Script.keyList} for hot paths. */
export type ScriptKeyList<K extends string> = readonly string[] & { readonly [keyListBrand]: K };

/** What {@link defineScript} takes in its object form. */
export interface ScriptSpec<
  K extends string,
  A extends ScriptArgSpec,
  C extends Readonly<Record<string, number>>,
  R,
> {
  /** A short name, used in error messages. */
  readonly name: string;
  /** The names of `KEYS`, in order: the prologue binds each to a Lua local of that name. */
  readonly keys: readonly K[];
  /** The named arguments, in `ARGV` order: each is bound to a Lua local (see {@link ScriptArgType}). */
  readonly args?: A;
  /** Named reply codes (integers), bound to Lua locals and handed to `parse`. */
  readonly codes?: C;
  /**
   * Whether more keys and arguments may follow the named ones (batch scripts); Lua reads them
   * as `KEYS[#named + i]` and `ARGV[#named + i]`. Default false.
   */
  readonly variadic?: boolean;
  /**
   * Redis 7 script flags (see {@link ScriptFlag}), declared in a `#!lua` line put before the
   * prologue. Default none: the script is an ordinary `EVAL` script.
   */
  readonly flags?: readonly ScriptFlag[];
  /** The script body; the prologue binding keys, arguments and codes is put in front of it. */
  readonly lua: string;
  /** Turns the normalised reply into the script's typed result. Default: the reply itself. */
  readonly parse?: (reply: RedisReply, codes: Readonly<C>) => R;
}

/** Extra keys and arguments of a variadic script, after the named ones. */
export interface ScriptRest {
  readonly keys?: readonly string[];
  readonly args?: readonly RedisArg[];
}

/** A typed script made by the object form of {@link defineScript}; usable with `evalScript` too. */
export interface Script<
  K extends string,
  A extends ScriptArgSpec,
  C extends Readonly<Record<string, number>>,
  R,
> extends LuaScript {
  /** The names of `KEYS`, in order. */
  readonly keyNames: readonly K[];
  /** The names of `ARGV`, in order. */
  readonly argNames: ReadonlyArray<keyof A & string>;
  /** The named reply codes. */
  readonly codes: Readonly<C>;
  /**
   * The keys in `KEYS` order, for a caller that runs the script with the same keys many
   * times (a lock object): build them once, pass them to {@link Script.run}.
   */
  keyList(keys: ScriptKeyValues<K>): ScriptKeyList<K>;
  /**
   * Runs the script (`EVALSHA`, with the adapter's `NOSCRIPT` fallback) and parses its reply.
   * @throws RedisAdapterError on Redis failures, including errors raised by the script.
   */
  run(
    redis: RedisAdapter,
    keys: ScriptKeyValues<K> | ScriptKeyList<K>,
    args: ScriptArgValues<A>,
    rest?: ScriptRest,
  ): Promise<R>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(
  (
    'and break do else elseif end false for function goto if in local nil not or repeat return then ' +
    'true until while KEYS ARGV redis cjson cmsgpack bit struct math string table tonumber tostring ' +
    'type unpack pairs ipairs next select error pcall assert'
  ).split(' '),
);

/**
 * Defines a Lua script once, with its SHA1 computed here so that running it costs one `EVALSHA`.
 *
 * **Object form (preferred)**: named keys, named and typed arguments, named reply codes and a
 * `parse` function. A generated prologue binds each name to a Lua local, so the names in
 * TypeScript and in Lua are one list: `keys: ['lock', 'fence']` gives `local lock, fence =
 * KEYS[1], KEYS[2]`; `args: { owner: 'string', ttlMs: 'number' }` gives
 * `local owner, ttlMs = ARGV[1], tonumber(ARGV[2])`; `codes: { ACQUIRED: 1 }` gives
 * `local ACQUIRED = 1`. `script.run(redis, { lock, fence }, { owner, ttlMs })` resolves to
 * `parse(reply, codes)`.
 *
 * Scripts must only return integers, strings and flat or nested arrays (Lua numbers are
 * truncated to integers and tables stop at the first nil); encode anything else as a string.
 * Put {@link SERVER_TIME_LUA} in the body for the server's clock.
 * @throws RangeError when a name is not a Lua identifier, is reserved, or is used twice, or a
 *   code is not an integer.
 *
 * @example
 * ```ts
 * const take = defineScript({
 *   name: 'take',
 *   keys: ['stock'],
 *   args: { n: 'number' },
 *   codes: { TAKEN: 1, SHORT: 0 },
 *   lua: `if tonumber(redis.call('GET', stock) or '0') < n then return SHORT end
 * redis.call('DECRBY', stock, n) return TAKEN`,
 *   parse: (reply, codes) => reply === codes.TAKEN,
 * });
 * const ok: boolean = await take.run(redis, { stock: 'shop:stock:apples' }, { n: 3 });
 * ```
 */
export function defineScript<
  const K extends string,
  const A extends ScriptArgSpec = Record<never, ScriptArgType>,
  const C extends Readonly<Record<string, number>> = Record<never, number>,
  R = RedisReply,
>(spec: ScriptSpec<K, A, C, R>): Script<K, A, C, R>;
/**
 * Positional form: a name, the number of `KEYS` (or `null` for any number, for batch
 * scripts) and the body, which reads `KEYS[i]`/`ARGV[i]` itself. Run it with
 * `redis.evalScript(script, keys, args)`.
 * @deprecated Use the object form, whose keys, arguments and reply codes are named and typed.
 * @example
 * ```ts
 * const incrBy = defineScript('incrBy', 1, "return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * await adapter.evalScript(incrBy, ['counter'], [5]);
 * ```
 */
export function defineScript(name: string, numberOfKeys: number | null, lua: string): LuaScript;
export function defineScript(
  specOrName: ScriptSpec<string, ScriptArgSpec, Readonly<Record<string, number>>, unknown> | string,
  numberOfKeys?: number | null,
  lua?: string,
): LuaScript {
  if (typeof specOrName === 'string') return positional(specOrName, numberOfKeys ?? null, lua ?? '');
  return new TypedScript(specOrName);
}

function positional(name: string, numberOfKeys: number | null, lua: string): LuaScript {
  if (numberOfKeys !== null && (!Number.isInteger(numberOfKeys) || numberOfKeys < 0)) {
    throw new RangeError(`defineScript(${name}): numberOfKeys must be a non-negative integer or null`);
  }
  return Object.freeze({ name, numberOfKeys, lua, sha1: sha1(lua) });
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

type AnySpec = ScriptSpec<string, ScriptArgSpec, Readonly<Record<string, number>>, unknown>;

class TypedScript implements Script<string, ScriptArgSpec, Readonly<Record<string, number>>, unknown> {
  readonly name: string;
  readonly numberOfKeys: number | null;
  readonly lua: string;
  readonly sha1: string;
  readonly keyNames: readonly string[];
  readonly argNames: readonly string[];
  readonly codes: Readonly<Record<string, number>>;
  readonly #numeric: readonly boolean[];
  readonly #parse: ((reply: RedisReply, codes: Readonly<Record<string, number>>) => unknown) | undefined;

  constructor(spec: AnySpec) {
    const args = spec.args ?? {};
    this.name = spec.name;
    this.keyNames = Object.freeze([...spec.keys]);
    this.argNames = Object.freeze(Object.keys(args));
    this.codes = Object.freeze({ ...(spec.codes ?? {}) });
    checkNames(spec.name, [...this.keyNames, ...this.argNames, ...Object.keys(this.codes)]);
    for (const [code, value] of Object.entries(this.codes)) {
      if (!Number.isSafeInteger(value))
        throw new RangeError(`defineScript(${spec.name}): code ${code} must be an integer, got ${value}`);
    }
    this.#numeric = this.argNames.map((name) => args[name] === 'number');
    this.lua =
      scriptShebang(spec.flags ?? []) +
      prologue(this.keyNames, this.argNames, this.#numeric, this.codes) +
      spec.lua;
    this.sha1 = sha1(this.lua);
    this.numberOfKeys = spec.variadic ? null : this.keyNames.length;
    this.#parse = spec.parse;
  }

  keyList(keys: Readonly<Record<string, string>>): ScriptKeyList<string> {
    return Object.freeze(this.#keysOf(keys)) as ScriptKeyList<string>;
  }

  #keysOf(keys: Readonly<Record<string, string>>): string[] {
    const list: string[] = [];
    for (const name of this.keyNames) list.push(keyOf(this.name, keys, name));
    return list;
  }

  async run(
    redis: RedisAdapter,
    keys: Readonly<Record<string, string>> | ScriptKeyList<string>,
    args: Readonly<Record<string, RedisArg>>,
    rest?: ScriptRest,
  ): Promise<unknown> {
    let keyList: readonly string[] = isKeyList(keys) ? keys : this.#keysOf(keys);
    const argList: RedisArg[] = [];
    for (const name of this.argNames) {
      const value = args[name];
      if (value === undefined) throw new RangeError(`Script ${this.name}: argument ${name} is missing`);
      argList.push(value);
    }
    if (rest) {
      if (this.numberOfKeys !== null)
        throw new RangeError(`Script ${this.name} is not variadic: it takes no extra keys or arguments`);
      if (rest.keys) keyList = [...keyList, ...rest.keys];
      if (rest.args) argList.push(...rest.args);
    }
    const reply = await redis.evalScript(this, keyList, argList);
    return this.#parse ? this.#parse(reply, this.codes) : reply;
  }
}

function isKeyList(
  keys: Readonly<Record<string, string>> | ScriptKeyList<string>,
): keys is ScriptKeyList<string> {
  return Array.isArray(keys);
}

function keyOf(script: string, keys: Readonly<Record<string, string>>, name: string): string {
  const key = keys[name];
  if (typeof key !== 'string') throw new RangeError(`Script ${script}: key ${name} is missing`);
  return key;
}

function checkNames(script: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name))
      throw new RangeError(`defineScript(${script}): '${name}' is not usable as a Lua local name`);
    if (seen.has(name)) throw new RangeError(`defineScript(${script}): '${name}' is declared twice`);
    seen.add(name);
  }
}

/** The Lua lines that bind the named keys, arguments and codes to locals. */
function prologue(
  keys: readonly string[],
  args: readonly string[],
  numeric: readonly boolean[],
  codes: Readonly<Record<string, number>>,
): string {
  const lines: string[] = [];
  const bind = (names: readonly string[], values: readonly string[]): void => {
    if (names.length > 0) lines.push(`local ${names.join(', ')} = ${values.join(', ')}`);
  };
  bind(
    keys,
    keys.map((_, i) => `KEYS[${i + 1}]`),
  );
  bind(
    args,
    args.map((_, i) => (numeric[i] ? `tonumber(ARGV[${i + 1}])` : `ARGV[${i + 1}]`)),
  );
  const codeNames = Object.keys(codes);
  bind(
    codeNames,
    codeNames.map((name) => String(codes[name])),
  );
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
