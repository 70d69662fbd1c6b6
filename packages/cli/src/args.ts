import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, describeThrown, oneLine } from './errors.js';

/** One option of a command (or a global one). */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder of the value in help, e.g. `JSON`, `N`. */
  readonly value?: string;
  readonly help: string;
}

/** Options as `parseArgs` returns them. */
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** The command line, parsed. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
  /** Names of the options that appear on the command line. */
  readonly used: ReadonlySet<string>;
}

/**
 * Parses `argv` against every known option (strict: unknown options are usage errors).
 * @throws UsageError
 */
export function parseCommandLine(
  argv: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
): ParsedArgs {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(options))
    config[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  try {
    const { values, positionals, tokens } = parseArgs({
      args: attachNegativeNumbers(argv, options),
      options: config,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    const used = new Set(tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : [])));
    return { positionals, values: values as OptionValues, used };
  } catch (error) {
    throw new UsageError(parseErrorMessage(error), { cause: error });
  }
}

/**
 * `--delay-ms -5` as `--delay-ms=-5`: `parseArgs` would take `-5` for an option ("argument is
 * ambiguous"); a value that looks like a negative number belongs to the string option before
 * it, and is then checked (and refused) by the option's own validation.
 */
function attachNegativeNumbers(
  argv: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    const next = argv[i + 1];
    const name = token.startsWith('--') ? token.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${token}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option)
    return `Unknown option ${option}. Run \`tasks --help\` for the options.`;
  return oneLine(message.replace(/To specify .*$/s, ''));
}

/** A string option's value, if given. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean option's value. */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** A repeatable option's values, each split on commas (`--size small,large --size medium`). */
export function listOption(values: OptionValues, name: string): string[] | undefined {
  const value = values[name];
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
  return raw
    ?.flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * An integer option: the default when absent.
 * @throws UsageError when it is not a whole number from `min` to `max`.
 */
export function integerOption(
  values: OptionValues,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (/^\s*-?\d+\s*$/.test(text) && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  const why = /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? '' : ' (not a number)';
  throw new UsageError(`--${name} must be a whole number ${range}, got '${text}'${why}`);
}

/**
 * The JSON value of an option (e.g. `--args`), or `fallback` when absent.
 * @throws UsageError naming the option and the JSON problem.
 */
export function jsonOption(values: OptionValues, name: string, fallback: unknown): unknown {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  return parseJson(text, `--${name}`);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const shown = text.length > 200 ? `${text.slice(0, 199)}…` : text;
    throw new UsageError(`${source} is not valid JSON (${oneLine(reason)}): ${oneLine(shown)}`);
  }
}

/** Where `--args` can come from besides the command line. */
export interface ArgsSources {
  /** The working directory, for `--args @file`. */
  readonly cwd: string;
  /** Standard input, for `--args -`. */
  readonly stdin?: AsyncIterable<string | Buffer> | undefined;
}

/**
 * A task's arguments from `--args`: inline JSON, `@file` (a JSON file, relative to the working
 * directory) or `-` (JSON on standard input); `{}` when absent. It must be a JSON object.
 * @throws UsageError naming the source and the problem.
 */
export async function taskArgsOption(
  values: OptionValues,
  sources: ArgsSources,
): Promise<Record<string, unknown>> {
  const text = stringOption(values, 'args');
  if (text === undefined) return {};
  let json: string;
  let source = '--args';
  if (text === '-') {
    source = '--args - (standard input)';
    json = await readStdin(sources.stdin);
  } else if (text.startsWith('@')) {
    const file = resolve(sources.cwd, text.slice(1));
    source = `--args @${text.slice(1)}`;
    try {
      json = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`${source}: cannot read ${file}: ${describeThrown(error)}`, { cause: error });
    }
  } else json = text;
  const value = parseJson(json, source);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(
      `${source} must be a JSON object such as {"to":"ada@example.org"}, got ${describeJson(value)}`,
    );
  return value as Record<string, unknown>;
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${typeof value} (${oneLine(JSON.stringify(value)).slice(0, 40)})`;
}

async function readStdin(stdin: AsyncIterable<string | Buffer> | undefined): Promise<string> {
  if (!stdin) throw new UsageError('--args -: there is no standard input to read the arguments from');
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  if (text.trim() === '') throw new UsageError('--args -: standard input was empty (expected a JSON object)');
  return text;
}
