export {
  createPostgresDeadLetterStore,
  PostgresDeadLetterStore,
  type MigrationResult,
  type PostgresDeadLetterStoreOptions,
} from './store.js';
export { DeadLetterStoreError } from './errors.js';
export { pgSafeJson, pgSafeText } from './json.js';
