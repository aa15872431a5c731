// Per-request cost of circuit-breaking decisions with 10,000 breakers (requests spread over
// 10,000 clusters or methods): threshold acquire + release, and an error-rate breaker check +
// outcome report, against a Map lookup + counter increment in the same run; plus the heap
// 10,000 of each cost.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { systemClock } from '../src/core/clock.ts';
import { MeshError } from '../src/core/errors.ts';
import { DEFAULT_CIRCUIT_BREAKERS, DEFAULT_ERROR_RATE_BREAKER, DEFAULT_RETRY_BUDGET, DEFAULT_THRESHOLDS } from '../src/core/model/policy-circuit-breakers.ts';
import { CLUSTER_RESOURCE_SLOTS, ClusterResources } from '../src/core/policy/circuit-breaker-resources.ts';
import { BucketRotation } from '../src/core/policy/error-rate-breaker-rotation.ts';
import { ClusterErrorRateBreakers } from '../src/core/policy/error-rate-breakers.ts';
import { keep, percentile, report, type Sample, timeOps } from './harness.ts';

const N = 10_000;
const names = Array.from({ length: N }, (_, i) => `cluster-${i}.ns.svc.cluster.local`);
const methods = Array.from({ length: N }, (_, i) => `/pkg.Service${i % 100}/Method${i}`);

// Requests spread over the breakers in a fixed pseudo-random order.
const MASK = (1 << 16) - 1;
const order = new Int32Array(MASK + 1);
let seed = 0x9e3779b9;
for (let i = 0; i <= MASK; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  order[i] = seed % N;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapOf(build: () => unknown): { value: unknown; bytes: number } {
  gc();
  const before = process.memoryUsage().heapUsed;
  const value = build();
  gc();
  return { value, bytes: process.memoryUsage().heapUsed - before };
}

/** timeOps for work that settles in microtasks: each batch ends once its promise reactions have run. */
async function timeOpsAsync(name: string, fn: (i: number) => unknown, batch = 1000, batches = 300): Promise<Sample> {
  const drain = () => new Promise<void>((resolve) => setImmediate(resolve));
  let i = 0;
  for (let w = 0; w < batches / 10; w++) {
    for (let k = 0; k < batch; k++) keep(fn(i++));
    await drain();
  }
  const perOp: number[] = [];
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) keep(fn(i++));
    await drain();
    perOp.push(((performance.now() - t0) * 1e6) / batch);
  }
  const elapsedMs = performance.now() - started;
  perOp.sort((a, b) => a - b);
  return { name, opsPerSec: (batch * batches * 1000) / elapsedMs, p50Ns: percentile(perOp, 0.5), p99Ns: percentile(perOp, 0.99) };
}

function admitted<T>(result: T | MeshError): T {
  if (result instanceof MeshError) throw result;
  return result;
}

// Baseline: the least a per-cluster counter costs.
const plainCounters = new Map(names.map((n) => [n, { active: 0 }]));
const baseline = timeOps('Map lookup + counter++ (baseline)', (i) => {
  const entry = plainCounters.get(names[order[i & MASK]!]!)!;
  entry.active++;
  return entry;
});

// Thresholds: 10,000 clusters, their counters in one SharedArrayBuffer as the runtime would share them.
const shared = new Int32Array(new SharedArrayBuffer(N * CLUSTER_RESOURCE_SLOTS * 4));
const budgeted = { ...DEFAULT_CIRCUIT_BREAKERS, thresholds: { DEFAULT: { ...DEFAULT_THRESHOLDS, retryBudget: DEFAULT_RETRY_BUDGET }, HIGH: DEFAULT_THRESHOLDS } };
const resources = heapOf(
  () => new Map(names.map((n, i) => [n, new ClusterResources(n, budgeted, shared, i * CLUSTER_RESOURCE_SLOTS)])),
);
const resourceMap = resources.value as Map<string, ClusterResources>;
const thresholds = timeOps('thresholds: acquire + release max_requests', (i) => {
  const release = admitted(resourceMap.get(names[order[i & MASK]!]!)!.default.tryAcquire('requests'));
  release();
  return release;
});
const retries = timeOps('thresholds: acquire + release a retry (budget)', (i) => {
  const release = admitted(resourceMap.get(names[order[i & MASK]!]!)!.default.tryAcquire('retries'));
  release();
  return release;
});

// Error-rate breakers: one per cluster for 10,000 clusters, and 10,000 methods of one cluster.
const rotation = new BucketRotation(systemClock);
const perCluster = heapOf(() => new Map(names.map((n) => [n, new ClusterErrorRateBreakers(n, DEFAULT_ERROR_RATE_BREAKER, rotation)])));
const clusterBreakers = perCluster.value as Map<string, ClusterErrorRateBreakers>;
const perMethod = new ClusterErrorRateBreakers('methods', { ...DEFAULT_ERROR_RATE_BREAKER, perMethod: true, maxMethods: N }, rotation);
const neverOpens = new Map(names.map((n) => [n, new ClusterErrorRateBreakers(n, { ...DEFAULT_ERROR_RATE_BREAKER, errorPercent: 100 }, rotation)]));

const single = new ClusterErrorRateBreakers('one', DEFAULT_ERROR_RATE_BREAKER, rotation);
const singleSuccess = await timeOpsAsync('error-rate breaker: check + success (1 cluster, hot)', () => {
  const permit = admitted(single.tryAcquire(''));
  permit.success();
  return permit;
});
const breakerSuccess = await timeOpsAsync('error-rate breaker: check + success (10,000 clusters)', (i) => {
  const permit = admitted(clusterBreakers.get(names[order[i & MASK]!]!)!.tryAcquire(''));
  permit.success();
  return permit;
});
const methodSuccess = await timeOpsAsync('error-rate breaker: check + success (10,000 methods, LRU)', (i) => {
  const permit = admitted(perMethod.tryAcquire(methods[order[i & MASK]!]!));
  permit.success();
  return permit;
});
const breakerFailure = await timeOpsAsync('error-rate breaker: check + failure (never opens)', (i) => {
  const permit = admitted(neverOpens.get(names[order[i & MASK]!]!)!.tryAcquire(''));
  permit.failure();
  return permit;
});

const combined = await timeOpsAsync('thresholds + error-rate breaker, one request', (i) => {
  const name = names[order[i & MASK]!]!;
  const release = admitted(resourceMap.get(name)!.default.tryAcquire('requests'));
  const permit = admitted(clusterBreakers.get(name)!.tryAcquire(''));
  permit.success();
  release();
  return permit;
});

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
report('circuit breaking, 10,000 breakers', baseline, [thresholds, retries, singleSuccess, breakerSuccess, methodSuccess, breakerFailure, combined], [
  `heap for 10,000 clusters' thresholds (DEFAULT + HIGH managers; counters in one SharedArrayBuffer of ${kib(shared.byteLength)}): ${kib(resources.bytes)} (${(resources.bytes / N).toFixed(0)} B each)`,
  `heap for 10,000 error-rate breakers (opossum, shared rotation, no percentiles/snapshots/timeouts): ${kib(perCluster.bytes)} (${(perCluster.bytes / N).toFixed(0)} B each)`,
  `rotation timers for ${3 * N + 1} breakers: ${rotation.timers}`,
  'error-rate rows are timed per batch of 1000 including the drain of their promise reactions (setImmediate).',
]);

for (const breakers of [...clusterBreakers.values(), ...neverOpens.values(), perMethod, single]) breakers.close();
