// Throwaway TLS material for tests: a CA, a server certificate it signs (for 127.0.0.1 and
// localhost), and a second, unrelated CA to show what a wrong CA does. Made by `openssl`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Files made by {@link makeTestCertificates}. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server certificate (PEM). */
  readonly caFile: string;
  /** The server certificate (PEM), valid for `127.0.0.1` and `localhost`. */
  readonly certFile: string;
  /** The server's private key (PEM). */
  readonly keyFile: string;
  /** Another CA, which did not sign the server certificate (PEM). */
  readonly otherCaFile: string;
  /** Removes the directory. */
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ]),
    dir,
  );
}

/**
 * Makes a CA and a server certificate for loopback (2 days, RSA 2048) in a fresh temporary
 * directory, with the `openssl` command.
 * @throws Error when `openssl` is missing or fails.
 *
 * @example
 * ```ts
 * const certs = makeTestCertificates();
 * const server = await startRedisServer({ tls: certs });
 * // ... connect to server.tlsUrl with certs.caFile ...
 * certs.remove();
 * ```
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tasks-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    ],
    dir,
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
    ].concat(['-extfile', 'server.ext', '-out', 'server.crt']),
    dir,
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other-ca.crt'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
