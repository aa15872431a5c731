// A cluster's active health checks on a fake clock with scripted probes: new hosts start
// unhealthy and are checked at once, thresholds move the unhealthy set, a timeout is a failure
// (and cancels the probe), every check must pass, host-set updates, jitter, and close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from '../../../src/core/model/endpoint.ts';
import type { HealthCheckConfig } from '../../../src/core/model/policy-health-check.ts';
import { ClusterHealthChecks, type HealthCheckEvent } from '../../../src/core/policy/health-check-cluster.ts';
import type { CheckResult } from '../../../src/core/policy/health-check-result.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { endpoint } from '../lb/fixtures.ts';

/** How a scripted host answers: a result at once, a result after a delay, or never. */
type Script = CheckResult | { readonly after: number; readonly result: CheckResult } | 'hang';

function check(overrides: Partial<HealthCheckConfig> = {}): HealthCheckConfig {
  return {
    timeoutMs: 100,
    intervalMs: 1000,
    initialJitterMs: 0,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    unhealthyThreshold: 3,
    healthyThreshold: 2,
    reuseConnection: true,
    noTrafficIntervalMs: undefined,
    noTrafficHealthyIntervalMs: undefined,
    unhealthyIntervalMs: 1000,
    unhealthyEdgeIntervalMs: 1000,
    healthyEdgeIntervalMs: 1000,
    checker: { kind: 'tcp' },
    ...overrides,
  };
}

function setup(checks: readonly HealthCheckConfig[], hosts: readonly Endpoint[], random: () => number = seededRandom(1)) {
  const clock = new FakeClock();
  const scripts = new Map<string, Script>(hosts.map((h) => [h.id, 'success']));
  const probes: { hostId: string; at: number; cancelled: boolean; check: HealthCheckConfig }[] = [];
  const changes: string[][] = [];
  const events: HealthCheckEvent[] = [];
  let initialized = 0;
  const checker = new ClusterHealthChecks('reviews', checks, {
    clock,
    random,
    probe: (host, c, done) => {
      const record = { hostId: host.id, at: clock.now(), cancelled: false, check: c };
      probes.push(record);
      const script = scripts.get(host.id) ?? 'hang';
      let timer: { cancel(): void } | undefined;
      if (script === 'hang') {
        // never answers
      } else if (typeof script === 'string') {
        done(script);
      } else {
        timer = clock.schedule(script.after, () => done(script.result));
      }
      return {
        cancel: () => {
          record.cancelled = true;
          timer?.cancel();
        },
      };
    },
    onChange: (unhealthy) => changes.push([...unhealthy].sort()),
    onEvent: (event) => events.push(event),
    onInitialized: () => initialized++,
  });
  checker.setHosts(hosts);
  return { clock, checker, scripts, probes, changes, events, initialized: () => initialized };
}

const A = endpoint('10.0.0.1:80');
const B = endpoint('10.0.0.2:80');
const C = endpoint('10.0.0.3:80');

test('hosts start unhealthy, are checked at once, and one success makes them healthy', () => {
  const { clock, checker, scripts, changes, events, initialized } = setup([check()], [A, B]);
  scripts.set(B.id, 'failure');
  assert.deepEqual([...checker.unhealthy].sort(), [A.id, B.id]);
  assert.equal(checker.initialized, false);
  clock.advance(0);
  assert.deepEqual([...checker.unhealthy], [B.id]);
  assert.deepEqual(changes, [[A.id, B.id], [B.id]]);
  assert.deepEqual(events, [
    { type: 'unhealthy', hostId: A.id },
    { type: 'unhealthy', hostId: B.id },
    { type: 'healthy', hostId: A.id },
  ]);
  assert.equal(initialized(), 1);
  assert.equal(checker.initialized, true);
});

test('unhealthy after unhealthy_threshold failures, healthy again after healthy_threshold successes', () => {
  const { clock, checker, scripts, probes } = setup([check()], [A]);
  clock.advance(0);
  assert.equal(checker.unhealthy.size, 0);
  scripts.set(A.id, 'failure');
  clock.advance(1000);
  clock.advance(1000);
  assert.equal(checker.unhealthy.size, 0, 'two failures of three');
  clock.advance(1000);
  assert.deepEqual([...checker.unhealthy], [A.id]);
  scripts.set(A.id, 'success');
  clock.advance(1000);
  assert.deepEqual([...checker.unhealthy], [A.id], 'one success of two');
  clock.advance(1000);
  assert.equal(checker.unhealthy.size, 0);
  assert.deepEqual(
    probes.map((p) => p.at),
    [0, 1000, 2000, 3000, 4000, 5000],
  );
});

test('an unexpected status (immediate failure) marks the host unhealthy on the first one', () => {
  const { clock, checker, scripts } = setup([check()], [A]);
  clock.advance(0);
  scripts.set(A.id, 'immediate-failure');
  clock.advance(1000);
  assert.deepEqual([...checker.unhealthy], [A.id]);
});

test('a timeout is a failure: the probe is cancelled and the next check waits its interval from then', () => {
  const { clock, checker, scripts, probes } = setup([check({ timeoutMs: 100 })], [A]);
  clock.advance(0);
  scripts.set(A.id, 'hang');
  clock.advance(1000);
  clock.advance(99);
  assert.equal(probes.at(-1)!.cancelled, false);
  clock.advance(1);
  assert.equal(probes.at(-1)!.cancelled, true);
  clock.advance(1100 * 2);
  assert.deepEqual(
    probes.map((p) => p.at),
    [0, 1000, 2100, 3200],
  );
  assert.deepEqual([...checker.unhealthy], [A.id], 'three timeouts');
});

test('an answer after the timeout is not counted', () => {
  const { clock, checker, scripts } = setup([check({ timeoutMs: 100, unhealthyThreshold: 1 })], [A]);
  scripts.set(A.id, { after: 150, result: 'success' });
  clock.advance(200);
  assert.deepEqual([...checker.unhealthy], [A.id]);
  assert.equal(checker.initialized, true, 'the timeout was the first result');
});

test('an answer within the timeout counts, and the interval runs from the answer', () => {
  const { clock, checker, scripts, probes } = setup([check({ timeoutMs: 100 })], [A]);
  scripts.set(A.id, { after: 60, result: 'success' });
  clock.advance(60);
  assert.equal(checker.unhealthy.size, 0);
  clock.advance(1060);
  assert.deepEqual(
    probes.map((p) => p.at),
    [0, 1060],
  );
});

test('every check must pass: a host failing one of two is unhealthy', () => {
  const http = check({ checker: { kind: 'http', path: '/', host: undefined, method: 'GET', expectedStatuses: [{ start: 200, end: 201 }], retriableStatuses: [], headers: { add: [], remove: [] } } });
  const { clock, checker, probes } = setup([check(), http], [A]);
  clock.advance(0);
  assert.equal(checker.unhealthy.size, 0);
  assert.equal(probes.length, 2);
  const failing = new ClusterHealthChecks('reviews', [check(), http], {
    clock,
    random: Math.random,
    probe: (_host, c, done) => {
      done(c.checker.kind === 'http' ? 'failure' : 'success');
      return { cancel() {} };
    },
  });
  failing.setHosts([A]);
  clock.advance(0);
  assert.deepEqual([...failing.unhealthy], [A.id]);
  failing.close();
});

test('host updates: known hosts keep their standing, new ones start unhealthy, removed ones stop', () => {
  const { clock, checker, scripts, probes, changes } = setup([check()], [A, B]);
  clock.advance(0);
  scripts.set(B.id, 'immediate-failure');
  clock.advance(1000);
  assert.deepEqual([...checker.unhealthy], [B.id]);
  scripts.set(C.id, 'success');
  checker.setHosts([A, C]);
  assert.deepEqual([...checker.unhealthy], [C.id], 'B left, C is not checked yet');
  clock.advance(0);
  assert.equal(checker.unhealthy.size, 0);
  const before = probes.length;
  clock.advance(1000);
  assert.deepEqual(probes.slice(before).map((p) => p.hostId).sort(), [A.id, C.id]);
  assert.deepEqual(changes.at(-1), []);
});

test('jittered intervals stay within interval + interval_jitter', () => {
  const { clock, probes } = setup([check({ intervalJitterMs: 200, initialJitterMs: 50 })], [A], seededRandom(11));
  clock.advance(100_000);
  assert.ok(probes[0]!.at < 50);
  const gaps = probes.slice(1).map((p, i) => p.at - probes[i]!.at);
  assert.ok(gaps.length > 80);
  assert.ok(gaps.every((g) => g >= 1000 && g < 1200));
  assert.ok(new Set(gaps).size > 10, 'the gaps vary');
});

test('no_traffic_interval applies until traffic is noted', () => {
  const { clock, checker, probes } = setup([check({ noTrafficIntervalMs: 5000, noTrafficHealthyIntervalMs: 5000 })], [A]);
  clock.advance(5000);
  assert.deepEqual(
    probes.map((p) => p.at),
    [0, 5000],
  );
  checker.noteTraffic();
  clock.advance(6000);
  assert.deepEqual(
    probes.map((p) => p.at),
    [0, 5000, 10_000, 11_000],
  );
});

test('close stops every timer and cancels checks in flight', () => {
  const { clock, checker, scripts, probes } = setup([check()], [A, B]);
  scripts.set(B.id, 'hang');
  clock.advance(0);
  checker.close();
  assert.equal(clock.pending, 0);
  assert.equal(probes.find((p) => p.hostId === B.id)!.cancelled, true);
  clock.advance(10_000);
  assert.equal(probes.length, 2);
  checker.setHosts([C]);
  assert.equal(clock.pending, 0, 'a closed checker starts nothing');
});
