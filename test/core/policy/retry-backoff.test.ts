// nextBackoff: rate-limited back-off from reset headers (Retry-After seconds or HTTP-date,
// X-RateLimit-Reset unix timestamp, max_interval), else exponential back-off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_RETRY_POLICY, type RetryPolicyConfig } from '../../../src/core/model/policy-retry.ts';
import { nextBackoff, parseResetHeader, rateLimitedInterval } from '../../../src/core/policy/retry-backoff.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
const limited = {
  resetHeaders: [
    { name: 'retry-after', format: 'SECONDS' },
    { name: 'x-ratelimit-reset', format: 'UNIX_TIMESTAMP' },
  ],
  maxIntervalMs: 300_000,
} as const;
const policy: RetryPolicyConfig = {
  ...NO_RETRY_POLICY,
  retryOn: new Set(['retriable-status-codes']),
  backOff: { baseIntervalMs: 100, maxIntervalMs: 1000 },
  rateLimitedBackOff: limited,
};
const headers = (h: Record<string, string>) => (name: string) => h[name];

test('Retry-After in seconds', () => {
  assert.equal(parseResetHeader({ name: 'retry-after', format: 'SECONDS' }, '120', NOW), 120_000);
  assert.equal(parseResetHeader({ name: 'retry-after', format: 'SECONDS' }, ' 3 ', NOW), 3000);
  assert.equal(parseResetHeader({ name: 'retry-after', format: 'SECONDS' }, '0', NOW), 0);
});

test('Retry-After as an HTTP-date, relative to the wall clock passed in', () => {
  const header = { name: 'retry-after', format: 'SECONDS' } as const;
  assert.equal(parseResetHeader(header, 'Mon, 15 Jan 2024 12:00:30 GMT', NOW), 30_000);
  assert.equal(parseResetHeader(header, 'Mon, 15 Jan 2024 11:59:30 GMT', NOW), undefined, 'a date in the past is not usable');
});

test('a repeated header counts only its first value', () => {
  assert.equal(parseResetHeader({ name: 'retry-after', format: 'SECONDS' }, '5, 60', NOW), 5000);
});

test('malformed values are not usable', () => {
  for (const value of ['', 'soon', '-1', '1.5', '12abc', 'Mon, 15 Jan 2024']) {
    assert.equal(parseResetHeader({ name: 'retry-after', format: 'SECONDS' }, value, NOW), undefined, JSON.stringify(value));
  }
  assert.equal(parseResetHeader({ name: 'retry-after', format: 'SECONDS' }, undefined, NOW), undefined);
});

test('X-RateLimit-Reset as a unix timestamp in seconds', () => {
  const header = { name: 'x-ratelimit-reset', format: 'UNIX_TIMESTAMP' } as const;
  assert.equal(parseResetHeader(header, String(NOW / 1000 + 90), NOW), 90_000);
  assert.equal(parseResetHeader(header, String(NOW / 1000 - 1), NOW), undefined);
});

test('headers are tried in order; one above max_interval is discarded and the next tried', () => {
  assert.equal(rateLimitedInterval(limited, headers({ 'retry-after': '2', 'x-ratelimit-reset': String(NOW / 1000 + 9) }), NOW), 2000);
  assert.equal(rateLimitedInterval(limited, headers({ 'x-ratelimit-reset': String(NOW / 1000 + 9) }), NOW), 9000);
  assert.equal(rateLimitedInterval(limited, headers({ 'retry-after': '301', 'x-ratelimit-reset': String(NOW / 1000 + 9) }), NOW), 9000);
  assert.equal(rateLimitedInterval(limited, headers({ 'retry-after': '301' }), NOW), undefined);
  assert.equal(rateLimitedInterval(limited, headers({}), NOW), undefined);
});

test('nextBackoff uses the reset header with jitter in [interval, 1.5 × interval)', () => {
  const random = seededRandom(3);
  for (let i = 0; i < 500; i++) {
    const d = nextBackoff(policy, 0, random, headers({ 'retry-after': '2' }), NOW);
    assert.ok(d >= 2000 && d < 3000, `${d}`);
  }
});

test('nextBackoff falls back to full-jitter exponential back-off', () => {
  const random = seededRandom(5);
  for (let i = 0; i < 500; i++) {
    assert.ok(nextBackoff(policy, 0, random, headers({}), NOW) < 100);
    assert.ok(nextBackoff(policy, 2, random, undefined, NOW) < 400);
    assert.ok(nextBackoff(policy, 9, random, headers({ 'retry-after': '9999' }), NOW) < 1000);
  }
  // Without rate_limited_retry_back_off, reset headers are ignored.
  const plain = { ...policy, rateLimitedBackOff: undefined };
  assert.ok(nextBackoff(plain, 0, random, headers({ 'retry-after': '2' }), NOW) < 100);
});
