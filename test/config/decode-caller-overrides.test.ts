// Caller-side overrides in the bootstrap's sidelet section: decoded per service, refused precisely.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';

test('sidelet.caller_overrides decode per service', async () => {
  const { bootstrap } = await loadBootstrap({
    sidelet: {
      caller_overrides: {
        'reviews:80': {
          timeout: '2s',
          retry: { num_retries: 3, retry_on: '5xx,reset', per_try_timeout: '0.5s' },
          backup_request: { static: { delay: '0.05s' } },
          priority: 5,
        },
        'ratings:9080': { retry: 'off', backup_request: 'off' },
      },
    },
  });
  const reviews = bootstrap.callerOverrides.get('reviews:80')!;
  assert.equal(reviews.timeoutMs, 2000);
  assert.ok(reviews.retry !== 'off' && reviews.retry !== undefined);
  assert.deepEqual([reviews.retry.numRetries, [...reviews.retry.retryOn!], reviews.retry.perTryTimeoutMs], [3, ['5xx', 'reset'], 500]);
  assert.deepEqual(reviews.backupRequest, { mode: 'static', delayMs: 50, budget: undefined });
  assert.equal(reviews.priority, 5);
  const ratings = bootstrap.callerOverrides.get('ratings:9080')!;
  assert.deepEqual([ratings.retry, ratings.backupRequest], ['off', { mode: 'off' }]);
});

test('bad overrides are refused with the path', async () => {
  await assert.rejects(loadBootstrap({ sidelet: { caller_overrides: { 'reviews:80': { retry: { num_retrys: 3 } } } } }), {
    message: 'bootstrap object: sidelet.caller_overrides.reviews:80.retry.num_retrys: unknown field',
  });
  await assert.rejects(loadBootstrap({ sidelet: { caller_overrides: { 'reviews:80': { timeout: 2 } } } }), {
    message: 'bootstrap object: sidelet.caller_overrides.reviews:80.timeout: expected a duration such as "1.5s", got number 2',
  });
});
