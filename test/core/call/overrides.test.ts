// Precedence of governance settings: per-call > caller > provider > default, setting by setting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { effectiveBackup, effectivePriority, effectiveRetry, timeoutLayers } from '../../../src/core/call/overrides.ts';
import { NO_RETRY_POLICY } from '../../../src/core/model/policy-retry.ts';
import { resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';

const provider = decodeRetryPolicy({ retry_on: '5xx', num_retries: 2, per_try_timeout: '1s' }, ['retry_policy'], { strict: true });

test('retry: each layer overlays only the fields it sets; off disables; later layers win', () => {
  const caller = { retry: { numRetries: 4 } };
  const call = { retry: { perTryTimeoutMs: 200 } };
  const merged = effectiveRetry(provider, { caller, call });
  assert.deepEqual([merged.numRetries, merged.perTryTimeoutMs, [...merged.retryOn]], [4, 200, ['5xx']]);
  assert.equal(effectiveRetry(provider, { caller: { retry: 'off' } }), NO_RETRY_POLICY);
  assert.equal(effectiveRetry(provider, { caller: { retry: 'off' }, call: { retry: { numRetries: 1 } } }).numRetries, 1, 'a call may turn retries back on');
  assert.equal(effectiveRetry(provider, {}), provider, 'no overrides: the provider policy as it is');
});

test('timeouts: per-call > caller > provider > default', () => {
  const providerTimeouts = { timeoutMs: 3000 };
  const t = (layers: Parameters<typeof timeoutLayers>[1]) => resolveTimeouts(timeoutLayers(providerTimeouts, layers));
  assert.deepEqual([t({}).totalMs, t({}).totalSource], [3000, 'provider']);
  assert.deepEqual([t({ caller: { timeoutMs: 2000 } }).totalMs, t({ caller: { timeoutMs: 2000 } }).totalSource], [2000, 'caller']);
  assert.deepEqual([t({ caller: { timeoutMs: 2000 }, call: { timeoutMs: 500 } }).totalMs, t({ caller: { timeoutMs: 2000 }, call: { timeoutMs: 500 } }).totalSource], [500, 'call']);
  assert.equal(resolveTimeouts(timeoutLayers({}, {})).totalSource, 'default');
});

test('backup requests and priority: the first layer that sets one wins', () => {
  const providerBackup = { mode: 'static', delayMs: 50, budget: undefined } as const;
  assert.equal(effectiveBackup(providerBackup, {}), providerBackup);
  assert.deepEqual(effectiveBackup(providerBackup, { caller: { backupRequest: { mode: 'off' } } }), { mode: 'off' });
  assert.deepEqual(effectiveBackup(undefined, { call: { backupRequest: { mode: 'static', delayMs: 5, budget: undefined } } }), { mode: 'static', delayMs: 5, budget: undefined });
  assert.equal(effectivePriority(3, { caller: { priority: 1 } }), 3, 'a priority from the request beats the caller default');
  assert.equal(effectivePriority(3, { call: { priority: 9 }, caller: { priority: 1 } }), 9);
  assert.equal(effectivePriority(undefined, { caller: { priority: 1 } }), 1);
});
