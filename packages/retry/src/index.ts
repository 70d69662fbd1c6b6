export {
  NoRetry,
  type RetryPolicy,
  type RetryPolicyData,
  type NoRetryData,
  type ExponentialBackoffData,
  type Jitter,
} from './policy.js';
export { ExponentialBackoff, type ExponentialBackoffOptions } from './exponential-backoff.js';
export {
  decideRetry,
  DEFAULT_REQUESTED_RETRIES_CAP,
  isNonRetryableError,
  isRetryRequestedError,
  type RetryDecision,
} from './decide.js';
export { retryPolicyFromData, describeRetryPolicy } from './data.js';
export {
  TASKS_ERROR_BRAND,
  TasksError,
  NonRetryableError,
  RetryRequestedError,
  type RetryRequestedErrorOptions,
  RetryPolicyConfigError,
  InvalidRetryArgumentError,
  InvalidRetryPolicyResultError,
} from './errors.js';
