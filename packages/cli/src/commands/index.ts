import type { CommandSpec } from '../command.js';
import { callCommand } from './call.js';
import { cancelCommand } from './cancel.js';
import { dashboardCommand } from './dashboard.js';
import { dlqCommand } from './dlq.js';
import { eventsCommand } from './events.js';
import { listCommand } from './list.js';
import { doctorCommand } from './doctor.js';
import { locksCommand } from './locks.js';
import { pauseCommand, resumeCommand } from './pause.js';
import { metricsCommand } from './metrics.js';
import { schedulerCommand } from './scheduler.js';
import { schedulesCommand } from './schedules.js';
import { showCommand } from './show.js';
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
  showCommand,
  listCommand,
  eventsCommand,
  cancelCommand,
  pauseCommand,
  resumeCommand,
  dlqCommand,
  locksCommand,
  schedulesCommand,
  dashboardCommand,
  metricsCommand,
  doctorCommand,
];
