export { runCli, processIo } from './cli.js';
export { defineConfig, type ConfigTaskClass, type TasksCliConfig } from './config.js';
export { ExitCode } from './exit-codes.js';
export {
  CliError,
  ConfigFileError,
  NotFoundError,
  RedisConnectionError,
  TaskRunError,
  UsageError,
} from './errors.js';
export type { CliIo, OutputStream } from './output.js';
