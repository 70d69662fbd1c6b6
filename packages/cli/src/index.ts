export { runCli, processIo, cliVersion } from './cli.js';
export { defineConfig, type ConfigTaskClass, type LoadedConfig, type TasksCliConfig } from './config.js';
export { CONFIG_FILE_NAMES, findConfigFile } from './config-load.js';
export { ExitCode } from './exit-codes.js';
export {
  CliError,
  ConfigFileError,
  NotFoundError,
  RedisUnreachableError,
  TaskRunError,
  UsageError,
} from './errors.js';
export type { CliIo, OutputStream } from './output.js';
