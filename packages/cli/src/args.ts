import { parseArgs } from 'node:util';
import { UsageError, oneLine } from './errors.js';

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
      args: [...argv],
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
 * @throws UsageError when it is not an integer of at least `min`.
 */
export function integerOption(values: OptionValues, name: string, fallback: number, min = 0): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${name} must be an integer of at least ${min}, got '${text}'`);
  return value;
}

/**
 * The JSON value of an option (e.g. `--args`), or `fallback` when absent.
 * @throws UsageError naming the option and the JSON problem.
 */
export function jsonOption(values: OptionValues, name: string, fallback: unknown): unknown {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--${name} is not valid JSON (${oneLine(reason)}): ${text}`);
  }
}
