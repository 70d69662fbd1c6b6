import type { OptionSpec, OptionValues } from './args.js';
import type { ExitCode } from './exit-codes.js';
import type { Session } from './session.js';

/** What a command gets from the command line. */
export interface CommandInput {
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly values: OptionValues;
}

/** A `tasks` command: its help, its options, whether it needs a config file, and its body. */
export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage lines, without the leading `tasks `. */
  readonly usage: readonly string[];
  /** A paragraph or two for `--help`. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Example command lines, each with a comment. */
  readonly examples: ReadonlyArray<readonly [command: string, comment: string]>;
  /** `'required'`: the tasks must be known; `'optional'`: runs without a config file too. */
  readonly config: 'required' | 'optional';
  run(session: Session, input: CommandInput): Promise<ExitCode>;
}
