// Child processes of the scenarios: workers and schedulers from dist/bin, started with their
// environment, killed with real signals, and always reaped at the end of a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running fault process. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Everything it printed so far. */
  readonly output: () => string;
  /** Resolves with the exit code (or signal name) once it exited. */
  readonly exited: Promise<string>;
  /** True until it exited. */
  readonly alive: () => boolean;
}

const started = new Set<Child>();
const script = (name: string): string => fileURLToPath(new URL(`../../dist/bin/${name}.js`, import.meta.url));

/** Starts `dist/bin/<kind>.js` and resolves once it printed "ready" (within 20 s). */
export async function startChild(
  kind: 'worker' | 'scheduler',
  name: string,
  env: Readonly<Record<string, string>>,
): Promise<Child> {
  const proc = spawn(process.execPath, [script(kind)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let alive = true;
  proc.stdout.on('data', (b: Buffer) => (output += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<string>((resolve) =>
    proc.once('exit', (code, signal) => {
      alive = false;
      resolve(signal ?? String(code));
    }),
  );
  const child: Child = { name, proc, output: () => output, exited, alive: () => alive };
  started.add(child);
  const deadline = Date.now() + 60_000; // a loaded machine can take long to start node
  while (!output.includes('ready')) {
    if (!alive) throw new Error(`${kind} ${name} exited before it was ready: ${output}`);
    if (Date.now() > deadline) throw new Error(`${kind} ${name} not ready in 60 s: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

/** Sends `signal` and, for SIGKILL/SIGTERM, waits until the process is gone (at most 10 s). */
export async function signalChild(child: Child, signal: NodeJS.Signals): Promise<void> {
  if (!child.alive()) return;
  child.proc.kill(signal);
  if (signal === 'SIGKILL' || signal === 'SIGTERM') {
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
}

/** SIGKILLs every child still running (after SIGCONT, in case one is stopped). */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...started].map(async (child) => {
      child.proc.kill('SIGCONT');
      await signalChild(child, 'SIGKILL');
      started.delete(child);
    }),
  );
}
