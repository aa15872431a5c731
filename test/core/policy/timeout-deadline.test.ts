// Deadlines on the fake clock: request, attempt (per-try bounded by the request), back-off fit, timers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armDeadline, attemptDeadline, backoffFits, remainingMs, requestDeadline } from '../../../src/core/policy/timeout-deadline.ts';
import { resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('the attempt deadline is the per-try timeout, never past the request deadline', () => {
  const clock = new FakeClock(1000);
  const t = resolveTimeouts({ provider: { timeoutMs: 500, perTryTimeoutMs: 200 } });
  const request = requestDeadline(t, clock.now());
  assert.equal(request, 1500);
  assert.equal(attemptDeadline(t, request, clock.now()), 1200);
  clock.advance(400);
  assert.equal(attemptDeadline(t, request, clock.now()), 1500);
});

test('without a route timeout the per-try timeout alone bounds an attempt; without either, nothing does', () => {
  const perTryOnly = resolveTimeouts({ provider: { timeoutMs: 0, perTryTimeoutMs: 200 } });
  assert.equal(requestDeadline(perTryOnly, 0), undefined);
  assert.equal(attemptDeadline(perTryOnly, undefined, 50), 250);
  const none = resolveTimeouts({ provider: { timeoutMs: 0 } });
  assert.equal(attemptDeadline(none, undefined, 50), undefined);
  assert.equal(remainingMs(undefined, 50), Number.POSITIVE_INFINITY);
});

test('remaining time and whether a back-off still fits before the deadline', () => {
  assert.equal(remainingMs(1500, 1200), 300);
  assert.equal(remainingMs(1500, 1600), 0);
  assert.equal(backoffFits(1500, 1200, 299), true);
  assert.equal(backoffFits(1500, 1200, 300), false);
  assert.equal(backoffFits(undefined, 1200, 1e9), true);
});

test('armDeadline fires at the deadline and can be cancelled; no deadline arms nothing', () => {
  const clock = new FakeClock(100);
  let fired = 0;
  const handle = armDeadline(clock, 150, () => fired++);
  clock.advance(49);
  assert.equal(fired, 0);
  clock.advance(1);
  assert.equal(fired, 1);
  armDeadline(clock, 300, () => fired++)!.cancel();
  clock.advance(1000);
  assert.equal(fired, 1);
  assert.ok(handle !== undefined);
  assert.equal(armDeadline(clock, undefined, () => fired++), undefined);
  assert.equal(clock.pending, 0);
});
