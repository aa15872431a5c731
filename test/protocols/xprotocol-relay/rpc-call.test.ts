// What the core does differently for RPC calls (src/core/call/rpc-call.ts), and the decoder's
// check of the route metadata that marks methods idempotent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { decodeRoute } from '../../../src/config/decode-route.ts';
import { boundByCallerTimeout, isIdempotentRoute, unsentOnlyRetry } from '../../../src/core/call/rpc-call.ts';
import { resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';
import { shouldRetry } from '../../../src/core/policy/retry-classifier.ts';

const strict = { strict: true };
const route = (extra: object) => decodeRoute({ match: { prefix: '/' }, route: { cluster: 'c' }, ...extra }, ['routes', 0], strict);

test('a route is idempotent only with filter_metadata.sidelet.idempotent: true', () => {
  assert.equal(isIdempotentRoute(route({ metadata: { filter_metadata: { sidelet: { idempotent: true } } } })), true);
  assert.equal(isIdempotentRoute(route({ metadata: { filter_metadata: { sidelet: { idempotent: false } } } })), false);
  assert.equal(isIdempotentRoute(route({ metadata: { filter_metadata: { other: { idempotent: true } } } })), false);
  assert.equal(isIdempotentRoute(route({})), false);
});

test('a mark that is not a boolean is refused, naming its path', () => {
  assert.throws(() => route({ metadata: { filter_metadata: { sidelet: { idempotent: 'yes' } } } }), {
    message: 'routes[0].metadata.filter_metadata.sidelet.idempotent: expected true or false, got "yes"',
  });
});

test('a call that must not run twice keeps only the retry conditions of a frame that never left', () => {
  const policy = decodeRetryPolicy({ retry_on: '5xx,reset,connect-failure,reset-before-request', num_retries: 3 }, ['retry_policy'], strict);
  const once = unsentOnlyRetry(policy);
  assert.deepEqual([...once.retryOn].sort(), ['connect-failure', 'reset-before-request']);
  assert.equal(once.numRetries, 3);
  assert.equal(shouldRetry(once, { kind: 'failure', failure: 'connect-failure' }), true);
  assert.equal(shouldRetry(once, { kind: 'failure', failure: 'reset' }), false);
  assert.equal(shouldRetry(once, { kind: 'failure', failure: 'timeout' }), false);
  assert.equal(shouldRetry(once, { kind: 'response', status: 503, headers: () => undefined }), false);
  const safe = decodeRetryPolicy({ retry_on: 'connect-failure' }, ['retry_policy'], strict);
  assert.equal(unsentOnlyRetry(safe), safe, 'nothing to drop: the same policy');
});

test('the frame\'s timeout bounds the total; a tighter route timeout stands; none leaves it alone', () => {
  const route3s = resolveTimeouts({ provider: { timeoutMs: 3000 } });
  assert.deepEqual([boundByCallerTimeout(route3s, 500).totalMs, boundByCallerTimeout(route3s, 500).totalSource], [500, 'rpc-timeout']);
  assert.equal(boundByCallerTimeout(route3s, 5000), route3s);
  assert.equal(boundByCallerTimeout(route3s, undefined), route3s);
  const none = resolveTimeouts({ provider: { timeoutMs: 0 } });
  assert.equal(none.totalMs, undefined);
  assert.equal(boundByCallerTimeout(none, 800).totalMs, 800);
});
