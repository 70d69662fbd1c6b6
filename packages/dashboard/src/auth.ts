// Who may change things: nobody without a configured token (read-only); with one, a request
// made with `Authorization: Bearer <token>`, or a browser holding the session cookie (set by
// the login form) that also sends the CSRF token bound to it in the form.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The cookie a login sets. */
export const SESSION_COOKIE = 'tasks_dashboard_session';

function digest(token: string, purpose: string): string {
  return createHmac('sha256', token).update(`@tasks/dashboard:${purpose}`).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieOf(request: Request, name: string): string | null {
  const header = request.headers.get('cookie') ?? '';
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** What a request may do. */
export interface Access {
  /** Mutations are configured at all (a token, and not `readOnly`). */
  readonly writable: boolean;
  /** This request carries a valid session cookie or bearer token. */
  readonly signedIn: boolean;
  /** The CSRF token forms must send (empty when not writable). */
  readonly csrf: string;
}

/** @internal The token checks of one dashboard. */
export class Auth {
  readonly #token: string | null;
  readonly #session: string;
  readonly #csrf: string;

  constructor(token: string | undefined, readOnly: boolean) {
    this.#token = token && !readOnly ? token : null;
    this.#session = this.#token ? digest(this.#token, 'session') : '';
    this.#csrf = this.#token ? digest(this.#token, 'csrf') : '';
  }

  /** Whether `candidate` is the configured token. */
  isToken(candidate: string): boolean {
    return this.#token !== null && same(candidate, this.#token);
  }

  #bearer(request: Request): boolean {
    const header = request.headers.get('authorization') ?? '';
    return header.startsWith('Bearer ') && this.isToken(header.slice(7).trim());
  }

  #cookie(request: Request): boolean {
    const value = cookieOf(request, SESSION_COOKIE);
    return this.#token !== null && value !== null && same(value, this.#session);
  }

  /** What `request` may do. */
  access(request: Request): Access {
    const writable = this.#token !== null;
    return {
      writable,
      signedIn: writable && (this.#bearer(request) || this.#cookie(request)),
      csrf: this.#csrf,
    };
  }

  /**
   * Why a mutation is refused, or `null` when it is allowed: a bearer token needs nothing
   * else (browsers cannot send that header across sites); a cookie needs the CSRF token.
   */
  refusal(request: Request, form: FormData): string | null {
    if (this.#token === null) return 'This dashboard is read-only: it was started without a token.';
    if (this.#bearer(request)) return null;
    if (!this.#cookie(request)) return 'Sign in with the dashboard token to do this.';
    const csrf = form.get('csrf');
    if (typeof csrf !== 'string' || !same(csrf, this.#csrf))
      return 'The form is stale or came from another site (CSRF check failed): reload the page and try again.';
    return null;
  }

  /** The `Set-Cookie` value of a signed-in session under `path`. */
  sessionCookie(path: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${this.#session}; Path=${path}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  /** The `Set-Cookie` value that signs out. */
  static clearCookie(path: string): string {
    return `${SESSION_COOKIE}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}
