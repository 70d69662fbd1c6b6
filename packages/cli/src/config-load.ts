import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';
import { ConfigFileError, describeThrown } from './errors.js';

/** Config file names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = [
  'tasks.config.ts',
  'tasks.config.mts',
  'tasks.config.js',
  'tasks.config.mjs',
];

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/**
 * The config file to use: `explicit` (resolved against `cwd`, which must exist), else the
 * first of {@link CONFIG_FILE_NAMES} present in `cwd`, else `null`.
 * @throws ConfigFileError when an explicit file does not exist.
 */
export function findConfigFile(cwd: string, explicit: string | undefined): string | null {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigFileError(file, null, 'the file does not exist (--config)');
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * Imports a config module and returns what it exports as the config: its default export,
 * else its `config` export; a function is called (and awaited) to get the object.
 * TypeScript files go through jiti (Node 20 cannot strip types); `.js`/`.mjs` use `import()`.
 * @throws ConfigFileError naming the file (and line and column of a syntax error).
 */
export async function importConfigModule(file: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = TS_EXTENSIONS.has(extname(file)) ? await importWithJiti(file) : await importNative(file);
  } catch (error) {
    throw await loadFailure(file, error);
  }
  const exported = module.default ?? module.config;
  if (exported === undefined)
    throw new ConfigFileError(
      file,
      null,
      'it has no default export (or `config` export): export default defineConfig({ tasks: [...] })',
    );
  if (typeof exported !== 'function') return exported;
  try {
    return await (exported as () => unknown)();
  } catch (error) {
    throw new ConfigFileError(file, null, `its config function threw: ${describeThrown(error)}`, {
      cause: error,
    });
  }
}

async function importNative(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function jiti(): ReturnType<typeof createJiti> {
  // No fs cache: nothing is written next to the user's project; a config file is small.
  return createJiti(import.meta.url, { fsCache: false, interopDefault: false });
}

async function importWithJiti(file: string): Promise<Record<string, unknown>> {
  return jiti().import<Record<string, unknown>>(file);
}

async function loadFailure(file: string, error: unknown): Promise<ConfigFileError> {
  const text = describeThrown(error);
  if (isSyntaxError(error)) {
    // Native import() does not say where a syntax error is: let jiti's parser find it.
    const located = TS_EXTENSIONS.has(extname(file)) ? error : await jitiError(file);
    const where = locationOf(located, file);
    const message = syntaxMessage(located ?? error);
    return new ConfigFileError(where ?? file, null, `syntax error: ${message}`, { cause: error });
  }
  const where = locationOf(error, file);
  return new ConfigFileError(where ?? file, null, `it failed to load: ${text}`, { cause: error });
}

function isSyntaxError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && /ParseError/.test(error.message));
}

async function jitiError(file: string): Promise<unknown> {
  try {
    await importWithJiti(file);
    return null;
  } catch (error) {
    return error;
  }
}

/** The message of a syntax error without jiti's `ParseError:` label and trailing location. */
function syntaxMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/^(Error: )?ParseError: /, '')
    .replace(/\s+\S+:\d+:\d+\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `file:line:column` of the first mention of the config file in an error's message or stack. */
function locationOf(error: unknown, file: string): string | null {
  if (!(error instanceof Error)) return null;
  const haystack = `${error.message}\n${error.stack ?? ''}`;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?:file://)?${escaped}:(\\d+):(\\d+)`).exec(haystack);
  return match ? `${file}:${match[1]}:${match[2]}` : null;
}
