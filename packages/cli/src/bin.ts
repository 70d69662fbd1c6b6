#!/usr/bin/env node
// The `tasks` executable. Everything lives in runCli; this file only sets the exit code.
import { runCli } from './cli.js';

// `tasks status | head -1` closes the pipe early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tasks: unexpected error: ${String(error)}\n`);
    process.exit(1);
  },
);
