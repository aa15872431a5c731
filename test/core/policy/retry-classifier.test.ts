// retry_on classification, table-driven from Envoy's x-envoy-retry-on / x-envoy-retry-grpc-on docs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeaderMatcher } from '../../../src/core/model/matcher.ts';
import { NO_RETRY_POLICY, type RetryOn, type RetryPolicyConfig } from '../../../src/core/model/policy-retry.ts';
import { type AttemptOutcome, type LocalFailure, requestAllowsRetry, shouldRetry } from '../../../src/core/policy/retry-classifier.ts';

function policy(retryOn: RetryOn[], extra: Partial<RetryPolicyConfig> = {}): RetryPolicyConfig {
  return { ...NO_RETRY_POLICY, numRetries: 1, retryOn: new Set(retryOn), ...extra };
}

function response(status: number, headers: Record<string, string> = {}, grpcStatus?: number): AttemptOutcome {
  return { kind: 'response', status, headers: (name) => headers[name], ...(grpcStatus === undefined ? {} : { grpcStatus }) };
}

function failure(kind: LocalFailure, requestSent = true): AttemptOutcome {
  return { kind: 'failure', failure: kind, requestSent };
}

const cases: [string, RetryOn[], AttemptOutcome, boolean][] = [
  ['5xx retries 500', ['5xx'], response(500), true],
  ['5xx retries 503', ['5xx'], response(503), true],
  ['5xx retries 599', ['5xx'], response(599), true],
  ['5xx does not retry 499', ['5xx'], response(499), false],
  ['5xx does not retry 200', ['5xx'], response(200), false],
  ['5xx retries a reset', ['5xx'], failure('reset'), true],
  ['5xx retries a connect failure', ['5xx'], failure('connect-failure'), true],
  ['5xx retries a refused stream', ['5xx'], failure('refused-stream'), true],
  ['5xx retries a per-try timeout', ['5xx'], failure('timeout'), true],
  ['gateway-error retries 502', ['gateway-error'], response(502), true],
  ['gateway-error retries 503', ['gateway-error'], response(503), true],
  ['gateway-error retries 504', ['gateway-error'], response(504), true],
  ['gateway-error does not retry 500', ['gateway-error'], response(500), false],
  ['gateway-error retries a reset', ['gateway-error'], failure('reset'), true],
  ['gateway-error retries a per-try timeout', ['gateway-error'], failure('timeout'), true],
  ['reset retries a reset', ['reset'], failure('reset'), true],
  ['reset retries a per-try timeout', ['reset'], failure('timeout'), true],
  ['reset retries a connect failure', ['reset'], failure('connect-failure'), true],
  ['reset does not retry a 503 response', ['reset'], response(503), false],
  ['connect-failure retries a connect failure', ['connect-failure'], failure('connect-failure'), true],
  ['connect-failure does not retry a reset', ['connect-failure'], failure('reset'), false],
  ['connect-failure does not retry a timeout', ['connect-failure'], failure('timeout'), false],
  ['connect-failure does not retry 503', ['connect-failure'], response(503), false],
  ['refused-stream retries REFUSED_STREAM', ['refused-stream'], failure('refused-stream'), true],
  ['refused-stream does not retry a reset', ['refused-stream'], failure('reset'), false],
  ['reset-before-request retries a reset before the request was sent', ['reset-before-request'], failure('reset', false), true],
  ['reset-before-request does not retry a reset after it was sent', ['reset-before-request'], failure('reset', true), false],
  ['retriable-4xx retries 409', ['retriable-4xx'], response(409), true],
  ['retriable-4xx does not retry 429', ['retriable-4xx'], response(429), false],
  ['retriable-4xx does not retry 400', ['retriable-4xx'], response(400), false],
  ['overflow is never retried', ['5xx', 'reset', 'connect-failure', 'gateway-error'], failure('overflow'), false],
  ['x-envoy-overloaded is never retried', ['5xx'], response(503, { 'x-envoy-overloaded': 'true' }), false],
  ['x-envoy-ratelimited is not retried under 5xx', ['5xx', 'retriable-status-codes'], response(503, { 'x-envoy-ratelimited': 'true' }), false],
  ['x-envoy-ratelimited is retried with envoy-ratelimited', ['envoy-ratelimited'], response(429, { 'x-envoy-ratelimited': 'true' }), true],
  ['envoy-ratelimited alone does not retry a plain 429', ['envoy-ratelimited'], response(429), false],
  ['no conditions retry nothing', [], response(503), false],
  ['no conditions retry no failure', [], failure('reset'), false],
];

for (const [name, retryOn, outcome, expected] of cases) {
  test(`retry_on: ${name}`, () => {
    assert.equal(shouldRetry(policy(retryOn), outcome), expected);
  });
}

const grpc: [RetryOn, number][] = [
  ['cancelled', 1],
  ['deadline-exceeded', 4],
  ['resource-exhausted', 8],
  ['internal', 13],
  ['unavailable', 14],
];

test('gRPC conditions: each retries its own status and no other', () => {
  for (const [condition, code] of grpc) {
    for (const [, other] of grpc) {
      assert.equal(shouldRetry(policy([condition]), response(200, {}, other)), other === code, `${condition} vs grpc-status ${other}`);
    }
    assert.equal(shouldRetry(policy([condition]), response(200, {}, 0)), false, `${condition} vs OK`);
    assert.equal(shouldRetry(policy([condition]), response(200, {}, 2)), false, `${condition} vs UNKNOWN`);
  }
});

test('gRPC status is read from a trailers-only grpc-status header when not given', () => {
  assert.equal(shouldRetry(policy(['unavailable']), response(200, { 'grpc-status': '14' })), true);
  assert.equal(shouldRetry(policy(['unavailable']), response(200, { 'grpc-status': '0' })), false);
  assert.equal(shouldRetry(policy(['unavailable']), response(200, { 'grpc-status': 'x14' })), false);
  assert.equal(shouldRetry(policy(['unavailable']), response(200)), false);
  // An explicit status (from trailers) wins over the header.
  assert.equal(shouldRetry(policy(['unavailable']), response(200, { 'grpc-status': '0' }, 14)), true);
});

test('gRPC conditions do not make HTTP 5xx retriable, nor 5xx a gRPC status', () => {
  assert.equal(shouldRetry(policy(['unavailable', 'cancelled']), response(503)), false);
  assert.equal(shouldRetry(policy(['5xx']), response(200, {}, 14)), false);
});

test('retriable-status-codes retries only the listed codes', () => {
  const p = policy(['retriable-status-codes'], { retriableStatusCodes: new Set([429, 418]) });
  assert.equal(shouldRetry(p, response(429)), true);
  assert.equal(shouldRetry(p, response(418)), true);
  assert.equal(shouldRetry(p, response(503)), false);
  // The list alone does nothing without the condition.
  assert.equal(shouldRetry(policy(['5xx'], { retriableStatusCodes: new Set([429]) }), response(429)), false);
});

const exactHeader = (name: string, value: string): HeaderMatcher => ({
  name,
  rule: { kind: 'string', matcher: { kind: 'exact', value, ignoreCase: false } },
  invertMatch: false,
  treatMissingHeaderAsEmpty: false,
});
const presentHeader = (name: string): HeaderMatcher => ({ name, rule: { kind: 'present', present: true }, invertMatch: false, treatMissingHeaderAsEmpty: false });

test('retriable-headers retries when any matcher matches the response headers', () => {
  const p = policy(['retriable-headers'], { retriableHeaders: [exactHeader('x-upstream-retry', 'yes'), presentHeader('x-try-again')] });
  assert.equal(shouldRetry(p, response(200, { 'x-upstream-retry': 'yes' })), true);
  assert.equal(shouldRetry(p, response(200, { 'x-try-again': '' })), true);
  assert.equal(shouldRetry(p, response(200, { 'x-upstream-retry': 'no' })), false);
  assert.equal(shouldRetry(p, response(500)), false);
  assert.equal(shouldRetry(policy(['5xx'], { retriableHeaders: [presentHeader('x-try-again')] }), response(200, { 'x-try-again': '1' })), false);
});

test('retriable_request_headers: the request must match one of them', () => {
  assert.equal(requestAllowsRetry(policy(['5xx']), () => undefined), true);
  const p = policy(['5xx'], { retriableRequestHeaders: [exactHeader(':method', 'GET'), presentHeader('x-idempotent')] });
  assert.equal(requestAllowsRetry(p, (n) => ({ ':method': 'GET' })[n]), true);
  assert.equal(requestAllowsRetry(p, (n) => ({ ':method': 'POST', 'x-idempotent': '1' })[n]), true);
  assert.equal(requestAllowsRetry(p, (n) => ({ ':method': 'POST' })[n]), false);
});
