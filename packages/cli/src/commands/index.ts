import type { CommandSpec } from '../command.js';
import { callCommand } from './call.js';
import { dlqCommand } from './dlq.js';
import { locksCommand } from './locks.js';
import { schedulerCommand } from './scheduler.js';
import { schedulesCommand } from './schedules.js';
import { statusCommand } from './status.js';
import { submitCommand } from './submit.js';
import { workerCommand } from './worker.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  callCommand,
  submitCommand,
  workerCommand,
  schedulerCommand,
  statusCommand,
  dlqCommand,
  locksCommand,
  schedulesCommand,
];
