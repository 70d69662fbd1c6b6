// The delays retry policies give, and how the retry-steering errors override them.
import {
  decideRetry,
  ExponentialBackoff,
  NonRetryableError,
  NoRetry,
  RetryRequestedError,
  retryPolicyFromData,
} from '@tasks/retry';

const now = new Date('2026-03-11T12:00:00Z');
const after = (date) => (date === null ? 'stop' : `+${(date.getTime() - now.getTime()) / 1000} s`);

function delays(title, policy, attempts = 7) {
  const row = Array.from({ length: attempts }, (_, attempt) =>
    after(policy.scheduleRetry(attempt, null, now)),
  );
  console.log(`${title.padEnd(44)} ${row.join(', ')}`);
}

// A seeded random source makes the jitter reproducible (use the default Math.random in production).
let seed = 42;
const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;

console.log('Delay of retry 0, 1, 2, ... (attempt 0 is the first retry)\n');
delays('NoRetry (the default)', new NoRetry());
delays('ExponentialBackoff() — 10 s, 5 retries', new ExponentialBackoff());
delays('base 5 s, 3 retries', new ExponentialBackoff({ baseDelaySeconds: 5, maxRetries: 3 }));
delays('capped at 60 s', new ExponentialBackoff({ maxRetries: 6, maxDelaySeconds: 60 }));
delays('full jitter: uniform in [0, delay]', new ExponentialBackoff({ jitter: 'full', random }));
delays('equal jitter: uniform in [delay/2, delay]', new ExponentialBackoff({ jitter: 'equal', random }));

console.log('\nWhat a worker decides after a failure (policy: 10 s, 3 retries)\n');
const policy = new ExponentialBackoff({ maxRetries: 3 });
const cases = [
  ['an ordinary error, first failure', 0, new Error('connection reset')],
  ['an ordinary error, retries used up', 3, new Error('connection reset')],
  ['NonRetryableError', 0, new NonRetryableError('user 42 does not exist')],
  ['RetryRequestedError in 30 s', 0, new RetryRequestedError('rate limited', { delayMs: 30_000 })],
  ['RetryRequestedError under NoRetry', 0, new RetryRequestedError({ delayMs: 1_000 }), new NoRetry()],
  ['RetryRequestedError past maxRetries', 3, new RetryRequestedError({ delayMs: 1_000 })],
];
for (const [title, attempt, error, using = policy] of cases) {
  const decision = decideRetry(using, attempt, error, now);
  const outcome = decision.retry ? `retry at ${after(decision.retryAt)}` : 'no retry';
  console.log(`${title.padEnd(40)} → ${outcome} (${decision.reason})`);
}

// Policies are plain data too, so a configuration file can override them.
const data = { kind: 'exponential', baseDelaySeconds: 2, maxRetries: 4, maxDelaySeconds: 10 };
console.log(`\nAs data: ${JSON.stringify(data)}`);
delays('rebuilt by retryPolicyFromData', retryPolicyFromData(data), 5);
try {
  retryPolicyFromData({ kind: 'exponential', maxRetries: -1 }, 'tasks.SyncOwners.retry');
} catch (error) {
  console.log(`\nBad data is rejected: ${error.message}`);
}
