// Circuit-breaking thresholds (Envoy config.cluster.v3.CircuitBreakers.Thresholds): each
// resource overflows at its limit with a precise SIDELET_UPSTREAM_OVERFLOW, releases give the
// unit back once, priorities and threads share nothing but what they should.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { MeshError } from '../../../src/core/errors.ts';
import { DEFAULT_CIRCUIT_BREAKERS, DEFAULT_THRESHOLDS, type ThresholdsConfig, UNLIMITED } from '../../../src/core/model/policy-circuit-breakers.ts';
import { CLUSTER_RESOURCE_SLOTS, ClusterResources } from '../../../src/core/policy/circuit-breaker-resources.ts';
import { type Release, type ResourceKind, ResourceManager } from '../../../src/core/policy/resource-manager.ts';

function acquired(result: Release | MeshError): Release {
  assert.equal(typeof result, 'function', result instanceof MeshError ? result.message : 'expected a release function');
  return result as Release;
}

function overflow(result: Release | MeshError): MeshError {
  assert.ok(result instanceof MeshError, 'expected an overflow');
  assert.equal(result.code, 'SIDELET_UPSTREAM_OVERFLOW');
  assert.equal(result.status, 503);
  assert.equal(result.responseFlag, 'UO');
  return result;
}

const CASES: { kind: ResourceKind; field: keyof ThresholdsConfig; envoy: string }[] = [
  { kind: 'connections', field: 'maxConnections', envoy: 'max_connections' },
  { kind: 'pendingRequests', field: 'maxPendingRequests', envoy: 'max_pending_requests' },
  { kind: 'requests', field: 'maxRequests', envoy: 'max_requests' },
  { kind: 'retries', field: 'maxRetries', envoy: 'max_retries' },
  { kind: 'connectionPools', field: 'maxConnectionPools', envoy: 'max_connection_pools' },
];

for (const { kind, field, envoy } of CASES) {
  test(`${kind}: the ${envoy} limit overflows, a release makes room again`, () => {
    const manager = new ResourceManager('reviews', 'DEFAULT', { ...DEFAULT_THRESHOLDS, [field]: 2 });
    const first = acquired(manager.tryAcquire(kind));
    acquired(manager.tryAcquire(kind));
    assert.equal(manager.count(kind), 2);
    assert.equal(manager.remaining(kind), 0);
    assert.equal(overflow(manager.tryAcquire(kind)).message, `cluster "reviews" priority DEFAULT: ${envoy} 2 reached`);
    assert.equal(manager.count(kind), 2, 'a refused acquire takes nothing');
    first();
    assert.equal(manager.count(kind), 1);
    acquired(manager.tryAcquire(kind));
  });
}

test('Envoy defaults: 1024 connections, pending and requests, 3 retries, pools unlimited', () => {
  const manager = new ResourceManager('c', 'DEFAULT', DEFAULT_THRESHOLDS);
  assert.deepEqual(
    CASES.map(({ kind }) => manager.limit(kind)),
    [1024, 1024, 1024, 3, 2_147_483_647],
  );
  for (let i = 0; i < 3; i++) acquired(manager.tryAcquire('retries'));
  assert.equal(overflow(manager.tryAcquire('retries')).message, 'cluster "c" priority DEFAULT: max_retries 3 reached');
});

test('limits above Int32 (UInt32 max is unlimited) are capped where a counter stops', () => {
  const manager = new ResourceManager('c', 'DEFAULT', { ...DEFAULT_THRESHOLDS, maxRequests: UNLIMITED });
  assert.equal(manager.limit('requests'), 2_147_483_647);
});

test('a limit of 0 admits nothing', () => {
  const manager = new ResourceManager('c', 'HIGH', { ...DEFAULT_THRESHOLDS, maxRequests: 0 });
  assert.equal(overflow(manager.tryAcquire('requests')).message, 'cluster "c" priority HIGH: max_requests 0 reached');
});

test('releasing twice gives the unit back once', () => {
  const manager = new ResourceManager('c', 'DEFAULT', { ...DEFAULT_THRESHOLDS, maxRequests: 1 });
  const release = acquired(manager.tryAcquire('requests'));
  release();
  release();
  assert.equal(manager.count('requests'), 0);
});

test('DEFAULT and HIGH have their own thresholds and counters', () => {
  const config = {
    ...DEFAULT_CIRCUIT_BREAKERS,
    thresholds: { DEFAULT: { ...DEFAULT_THRESHOLDS, maxRequests: 1 }, HIGH: { ...DEFAULT_THRESHOLDS, maxRequests: 2 } },
  };
  const resources = new ClusterResources('c', config);
  acquired(resources.forPriority('DEFAULT').tryAcquire('requests'));
  overflow(resources.forPriority('DEFAULT').tryAcquire('requests'));
  acquired(resources.forPriority('HIGH').tryAcquire('requests'));
  acquired(resources.forPriority('HIGH').tryAcquire('requests'));
  assert.equal(overflow(resources.high.tryAcquire('requests')).message, 'cluster "c" priority HIGH: max_requests 2 reached');
});

test('managers over the same counters (one per thread, or per snapshot) share one limit', () => {
  const counters = new Int32Array(new SharedArrayBuffer(CLUSTER_RESOURCE_SLOTS * 4));
  const config = { ...DEFAULT_CIRCUIT_BREAKERS, thresholds: { DEFAULT: { ...DEFAULT_THRESHOLDS, maxRequests: 3 }, HIGH: DEFAULT_THRESHOLDS } };
  const a = new ClusterResources('c', config, counters);
  const b = new ClusterResources('c', config, counters);
  const held = [acquired(a.default.tryAcquire('requests')), acquired(b.default.tryAcquire('requests')), acquired(a.default.tryAcquire('requests'))];
  overflow(b.default.tryAcquire('requests'));
  held[0]!();
  acquired(b.default.tryAcquire('requests'));
  assert.equal(a.default.count('requests'), 3);
});

test('counters outside the array are refused', () => {
  assert.throws(() => new ResourceManager('c', 'DEFAULT', DEFAULT_THRESHOLDS, new Int32Array(7), 3), RangeError);
});

test('worker threads racing on shared counters never exceed the limit together', async () => {
  const limit = 1000;
  const counters = new Int32Array(new SharedArrayBuffer(CLUSTER_RESOURCE_SLOTS * 4));
  const moduleUrl = new URL('../../../src/core/policy/resource-manager.ts', import.meta.url).href;
  const source = `
    import { workerData, parentPort } from 'node:worker_threads';
    import { ResourceManager } from ${JSON.stringify(moduleUrl)};
    const manager = new ResourceManager('c', 'DEFAULT', workerData.thresholds, workerData.counters, 0);
    let won = 0;
    for (let i = 0; i < workerData.attempts; i++) if (typeof manager.tryAcquire('requests') === 'function') won++;
    parentPort.postMessage(won);
  `;
  const thresholds = { ...DEFAULT_THRESHOLDS, maxRequests: limit };
  const wins = await Promise.all(
    Array.from({ length: 4 }, () => {
      const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: { counters, thresholds, attempts: limit } });
      return new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  assert.equal(wins.reduce((a, b) => a + b, 0), limit);
  assert.equal(Atomics.load(counters, 2), limit);
});
