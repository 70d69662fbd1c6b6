import type { TaskLogger } from '@tasks/core';
import { oneLine } from './errors.js';
import { formatFields } from './format.js';

/** A stream the CLI writes to (`process.stdout`, `process.stderr`, or a test double). */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** What the CLI reads from and writes to: the process's, or a test's. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Standard input, read only by `--args -`. */
  readonly stdin?: AsyncIterable<string | Buffer>;
}

const CLEAR_LINE = '\r\u001b[2K';
const REDRAW_MS = 100;

/**
 * Everything a command prints goes through here: results on stdout (tables, or one JSON
 * document per line with `--json`), notes and errors on stderr, and — only when stdout is a
 * terminal and `--json` is off — one live progress line, redrawn in place at most every
 * 100 ms and cleared before any other line is printed.
 */
export class Output {
  readonly json: boolean;
  readonly #io: CliIo;
  #progress: string | null = null;
  #drawn = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(io: CliIo, json: boolean) {
    this.#io = io;
    this.json = json;
  }

  /** True when a live progress line may be shown (stdout is a TTY, no `--json`). */
  get live(): boolean {
    return this.#io.stdout.isTTY === true && !this.json;
  }

  /** Prints text (one or more lines) on stdout. */
  print(text: string): void {
    this.#around(() => this.#io.stdout.write(`${text}\n`));
  }

  /** Prints a value as one line of JSON on stdout. */
  data(value: unknown): void {
    this.print(JSON.stringify(value));
  }

  /** A one-line notice on stderr. */
  note(text: string): void {
    this.#around(() => this.#io.stderr.write(`${oneLine(text)}\n`));
  }

  /** Text as is on stderr (help, stacks). */
  raw(text: string): void {
    this.#around(() => this.#io.stderr.write(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Sets the live progress line (ignored unless {@link live}). */
  progress(text: string): void {
    if (!this.live) return;
    this.#progress = text;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, REDRAW_MS).unref();
  }

  /** Removes the progress line for good. */
  endProgress(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#clear();
    this.#progress = null;
  }

  /** A task logger writing `level: message key=value` lines on stderr. */
  logger(): TaskLogger {
    const line =
      (level: string) =>
      (message: string, fields?: Record<string, unknown>): void =>
        this.note(`${level}: ${message}${fields ? ` ${formatFields(fields)}` : ''}`);
    return { info: line('info'), warn: line('warning'), error: line('error') };
  }

  #around(write: () => void): void {
    this.#clear();
    write();
    this.#draw();
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#io.stdout.write(CLEAR_LINE);
    this.#drawn = false;
  }

  #draw(): void {
    if (this.#progress === null || !this.live) return;
    const width = Math.max(20, (this.#io.stdout.columns || 80) - 1);
    this.#io.stdout.write(`${CLEAR_LINE}${this.#progress.slice(0, width)}`);
    this.#drawn = true;
  }
}
