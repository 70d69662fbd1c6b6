import type { RedisArg } from './types.js';

/** What a connection failure means for the caller. */
export type ConnectionProblem =
  | { readonly kind: 'auth'; readonly reason: string }
  | { readonly kind: 'tls'; readonly reason: string }
  | { readonly kind: 'protocol'; readonly reason: string }
  | {
      readonly kind: 'unreachable';
      readonly reason: string;
      /**
       * True when no connection could be opened at all (refused, unknown host...); false when
       * an open connection broke (reset, closed), which may be followed by a more telling error.
       */
      readonly connectFailed: boolean;
    };

const SOCKET_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (ECONNREFUSED): nothing listens there',
  ENOTFOUND: 'unknown host (ENOTFOUND)',
  EAI_AGAIN: 'the host name could not be resolved (EAI_AGAIN)',
  EHOSTUNREACH: 'no route to the host (EHOSTUNREACH)',
  ENETUNREACH: 'the network is unreachable (ENETUNREACH)',
  ETIMEDOUT: 'the connection timed out (ETIMEDOUT)',
  ECONNRESET: 'the connection was reset (ECONNRESET)',
  EPIPE: 'the connection was closed (EPIPE)',
  ENOENT: 'no such socket file (ENOENT)',
};

/** Socket errors that mean no connection could be opened. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT',
]);

/** Node's codes for a server certificate the client does not trust (wrong CA, name, dates). */
const TLS_CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Connection-level messages of the clients that are not socket error codes. */
const CLOSED_PATTERNS = [
  /connection is closed/i,
  /socket closed unexpectedly/i,
  /connection timeout/i,
  /the client is closed/i,
  /stream isn't writeable/i,
  /reached the max retries per request limit/i,
];

function firstSentence(text: string, max = 120): string {
  const line = text.split('\n')[0] ?? '';
  const end = line.indexOf('. ');
  const sentence = end > 0 ? line.slice(0, end) : line.replace(/\.$/, '');
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence;
}

/**
 * Classifies a client error as an authentication, protocol or reachability problem, or
 * `null` when it is an ordinary command error (a Redis error reply such as `WRONGTYPE`).
 * Works on the messages and `code`s of ioredis and node-redis alike.
 */
export function classifyConnectionError(error: unknown): ConnectionProblem | null {
  if (!(error instanceof Error)) return null;
  const message = error.message;
  if (/\bNOAUTH\b/.test(message))
    return { kind: 'auth', reason: 'it requires a password and none was given (NOAUTH)' };
  if (/\bWRONGPASS\b/.test(message)) return { kind: 'auth', reason: `${firstSentence(message)}` };
  if (/without any password configured|invalid password|AUTH failed/i.test(message))
    return { kind: 'auth', reason: firstSentence(message) };
  const resp = /Unknown RESP type (\d+)/.exec(message) ?? /Protocol error, got "(.)"/.exec(message);
  if (resp || /protocol error/i.test(message)) {
    const code = resp?.[1];
    const byte = code === undefined ? '' : /^\d+$/.test(code) ? String.fromCharCode(Number(code)) : code;
    const looksHttp = byte === 'H';
    return {
      kind: 'protocol',
      reason: byte
        ? `its reply starts with ${JSON.stringify(byte)}${looksHttp ? ', like an HTTP server' : ''}`
        : firstSentence(message),
    };
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && TLS_CERTIFICATE_CODES.has(code))
    return { kind: 'tls', reason: `${firstSentence(message)} (${code})` };
  if (code !== undefined && code in SOCKET_REASONS)
    return {
      kind: 'unreachable',
      reason: SOCKET_REASONS[code] ?? code,
      connectFailed: CONNECT_FAILURES.has(code),
    };
  if (CLOSED_PATTERNS.some((pattern) => pattern.test(message)))
    return { kind: 'unreachable', reason: firstSentence(message), connectFailed: false };
  return null;
}

/**
 * The URL with its password replaced by `***`, for messages and logs. Text that is not a URL
 * comes back unchanged, except that anything between `:` and `@` is masked.
 *
 * @example
 * ```ts
 * maskRedisUrl('redis://app:s3cret@db:6379/0'); // 'redis://app:***@db:6379/0'
 * ```
 */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^/:@]*:)[^/@]*@/, '$1***@');
  }
}

/** `host:port` of client options, or the unix socket path; never credentials. */
export function describeEndpoint(options: {
  readonly host?: string | undefined;
  readonly port?: number | string | undefined;
  readonly path?: string | undefined;
}): string {
  if (options.path) return options.path;
  const host = options.host ?? '127.0.0.1';
  return `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 6379}`;
}

const LAST_ARG_SECONDS = new Set(['BLPOP', 'BRPOP', 'BRPOPLPUSH', 'BLMOVE', 'BZPOPMIN', 'BZPOPMAX']);
const SECOND_ARG_SECONDS = new Set(['BLMPOP', 'BZMPOP']);

/**
 * How long a command may block by design, in ms: `undefined` for an ordinary command,
 * `Infinity` for a blocking one with timeout 0 (forever). The reply deadline of a blocking
 * command is this plus `commandTimeoutMs`.
 */
export function blockingMs(name: string, args: readonly RedisArg[]): number | undefined {
  const toMs = (value: RedisArg | undefined, scale: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) return 0;
    return n === 0 ? Infinity : n * scale;
  };
  if (name === 'XREAD' || name === 'XREADGROUP') {
    const at = args.findIndex((a) => typeof a === 'string' && a.toUpperCase() === 'BLOCK');
    return at < 0 ? undefined : toMs(args[at + 1], 1);
  }
  if (LAST_ARG_SECONDS.has(name)) return toMs(args[args.length - 1], 1000);
  if (SECOND_ARG_SECONDS.has(name)) return toMs(args[1], 1000);
  if (name === 'WAIT' || name === 'WAITAOF') return toMs(args[args.length - 1], 1);
  return undefined;
}
