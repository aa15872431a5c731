// One host under one active health check (Envoy ActiveHealthCheckSession handleSuccess /
// handleFailure): a new host is failing until its first success, thresholds both ways, a success
// or failure resets the other count, and an unexpected HTTP status fails at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_EXPECTED_STATUSES, type HttpHealthCheck } from '../../../src/core/model/policy-health-check.ts';
import { type HealthTransition, HostCheckState } from '../../../src/core/policy/health-check-host.ts';
import { type CheckResult, httpStatusResult } from '../../../src/core/policy/health-check-result.ts';

const S: CheckResult = 'success';
const F: CheckResult = 'failure';
const X: CheckResult = 'immediate-failure';

const CASES: { name: string; results: CheckResult[]; passing: boolean[]; transitions: HealthTransition[] }[] = [
  { name: 'a new host passes on its first success, whatever healthy_threshold', results: [S], passing: [true], transitions: ['changed'] },
  { name: 'a new host that fails stays failing (it started failing)', results: [F, F], passing: [false, false], transitions: ['unchanged', 'unchanged'] },
  {
    name: 'after a first failure, healthy_threshold (2) successes are needed',
    results: [F, S, S],
    passing: [false, false, true],
    transitions: ['unchanged', 'pending', 'changed'],
  },
  {
    name: 'unhealthy_threshold (3) consecutive failures mark a healthy host unhealthy',
    results: [S, F, F, F],
    passing: [true, true, true, false],
    transitions: ['changed', 'pending', 'pending', 'changed'],
  },
  {
    name: 'a success resets the failure count',
    results: [S, F, F, S, F, F],
    passing: [true, true, true, true, true, true],
    transitions: ['changed', 'pending', 'pending', 'unchanged', 'pending', 'pending'],
  },
  {
    name: 'a failure resets the success count of an unhealthy host',
    results: [S, X, S, F, S, S],
    passing: [true, false, false, false, false, true],
    transitions: ['changed', 'changed', 'pending', 'unchanged', 'pending', 'changed'],
  },
  { name: 'an immediate failure ignores unhealthy_threshold', results: [S, X], passing: [true, false], transitions: ['changed', 'changed'] },
  {
    name: 'counts start again after each change',
    results: [S, F, F, F, S, S, F, F, F],
    passing: [true, true, true, false, false, true, true, true, false],
    transitions: ['changed', 'pending', 'pending', 'changed', 'pending', 'changed', 'pending', 'pending', 'changed'],
  },
];

for (const { name, results, passing, transitions } of CASES) {
  test(name, () => {
    const state = new HostCheckState({ healthyThreshold: 2, unhealthyThreshold: 3 });
    assert.equal(state.passing, false);
    assert.equal(state.checked, false);
    const seen = results.map((r) => [state.record(r), state.passing] as const);
    assert.deepEqual(
      seen.map(([t]) => t),
      transitions,
    );
    assert.deepEqual(
      seen.map(([, p]) => p),
      passing,
    );
    assert.equal(state.checked, true);
  });
}

test('thresholds of 1 change the standing on every contrary result', () => {
  const state = new HostCheckState({ healthyThreshold: 1, unhealthyThreshold: 1 });
  assert.deepEqual(
    [S, F, S, F].map((r) => state.record(r)),
    ['changed', 'changed', 'changed', 'changed'],
  );
});

test('HTTP statuses: expected passes, retriable counts, anything else fails at once; expected wins overlaps', () => {
  const http: HttpHealthCheck = {
    kind: 'http',
    path: '/',
    host: undefined,
    method: 'GET',
    expectedStatuses: DEFAULT_EXPECTED_STATUSES,
    retriableStatuses: [],
    headers: { add: [], remove: [] },
  };
  assert.equal(httpStatusResult(http, 200), 'success');
  assert.equal(httpStatusResult(http, 204), 'immediate-failure');
  assert.equal(httpStatusResult(http, 503), 'immediate-failure');
  const ranged = { ...http, expectedStatuses: [{ start: 200, end: 300 }], retriableStatuses: [{ start: 250, end: 260 }, { start: 503, end: 504 }] };
  assert.equal(httpStatusResult(ranged, 299), 'success');
  assert.equal(httpStatusResult(ranged, 300), 'immediate-failure', 'ranges are half-open');
  assert.equal(httpStatusResult(ranged, 255), 'success');
  assert.equal(httpStatusResult(ranged, 503), 'failure');
  assert.equal(httpStatusResult(ranged, 502), 'immediate-failure');
});
