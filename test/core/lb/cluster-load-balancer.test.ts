// The cluster balancer end to end: priorities, panic, locality weights, subsets, hashing,
// exclude and the empty cases, for every policy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createClusterLoadBalancer } from '../../../src/core/lb/cluster-load-balancer.ts';
import { xxHash64 } from '../../../src/core/lb/hash64.ts';
import type { LbPolicy } from '../../../src/core/model/cluster.ts';
import { assignment, cluster, context, endpoints, locality, tally } from './fixtures.ts';

const POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];
const isUnhealthy = (id: string) => id.startsWith('10.0.1.');
/** `healthy` healthy hosts (10.0.0.x) and `total − healthy` unhealthy ones (10.0.1.x). */
const mixed = (healthy: number, total: number, priority = 0) =>
  locality([...endpoints(healthy), ...endpoints(total - healthy, { health: 'UNHEALTHY' }, 256)], { priority });

for (const lbPolicy of POLICIES) {
  test(`${lbPolicy}: picks only healthy hosts, and every one of them`, () => {
    const lb = createClusterLoadBalancer(cluster({ lbPolicy }), assignment([mixed(8, 10)]), context(1));
    const counts = tally(() => lb.pick({}), 5000);
    assert.deepEqual([...counts.keys()].sort(), endpoints(8).map((h) => h.id).sort());
  });

  test(`${lbPolicy}: no endpoints, or none healthy with panic disabled: no pick`, () => {
    assert.equal(createClusterLoadBalancer(cluster({ lbPolicy }), assignment([]), context()).pick({}), undefined);
    const noPanic = cluster({ lbPolicy, commonLb: { healthyPanicThreshold: 0, localityWeighted: false } });
    assert.equal(createClusterLoadBalancer(noPanic, assignment([mixed(0, 5)]), context()).pick({}), undefined);
  });

  test(`${lbPolicy}: exclude is honoured, across priorities when need be`, () => {
    const lb = createClusterLoadBalancer(cluster({ lbPolicy }), assignment([mixed(2, 2, 0), mixed(2, 2, 1)]), context(2));
    const p0 = endpoints(2).map((h) => h.id);
    const one = new Set([p0[0]!]);
    for (let i = 0; i < 200; i++) assert.equal(lb.pick({ exclude: one, hash: BigInt(i) })!.id, p0[1]);
    // P=1 has the same ids in this fixture; a distinct P=1 shows the cross-priority fallback below.
    const lb2 = createClusterLoadBalancer(cluster({ lbPolicy }), assignment([locality(endpoints(2), { priority: 0 }), locality(endpoints(2, {}, 10), { priority: 1 })]), context(3));
    const both = new Set(p0);
    for (let i = 0; i < 200; i++) assert.ok(!both.has(lb2.pick({ exclude: both, hash: BigInt(i) })!.id));
    const everyone = new Set([...p0, ...endpoints(2, {}, 10).map((h) => h.id)]);
    assert.ok(lb2.pick({ exclude: everyone }) !== undefined, 'falls back to an excluded host');
  });
}

// Panic (Envoy): only when the normalised total health is under 100, and then for a priority
// whose healthy percentage is under the threshold; a panicking priority balances over all hosts.
test('property: under the panic threshold picks spread over all hosts; above it only healthy ones', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 30 }), fc.nat(), fc.integer({ min: 1, max: 100 }), fc.constantFrom(...POLICIES), (total, h, threshold, lbPolicy) => {
      const healthy = h % (total + 1);
      const c = cluster({ lbPolicy, commonLb: { healthyPanicThreshold: threshold, localityWeighted: false } });
      const lb = createClusterLoadBalancer(c, assignment([mixed(healthy, total)]), context(total + healthy));
      const counts = tally(() => lb.pick({}), 100 * total);
      const panic = Math.floor((140 * healthy) / total) < 100 && (100 * healthy) / total < threshold;
      if (panic) assert.equal(counts.size, total, `expected every host in panic, got ${counts.size}`);
      else assert.deepEqual([...counts.keys()].filter(isUnhealthy), [], 'an unhealthy host was picked');
      if (!panic) assert.equal(counts.size, healthy);
    }),
    { numRuns: 60, seed: 41 },
  );
});

test('priority load: P=0 50% healthy sends 70% to P=0 and 30% to P=1', () => {
  const lb = createClusterLoadBalancer(cluster(), assignment([mixed(5, 10, 0), locality(endpoints(10, {}, 100), { priority: 1 })]), context(5));
  const n = 50_000;
  const counts = tally(() => lb.pick({}), n);
  let p0 = 0;
  for (const [id, c] of counts) if (Number(id.split('.')[3]!.split(':')[0]) < 100) p0 += c;
  assert.ok(Math.abs(p0 / n - 0.7) < 0.01, `${p0}`);
});

test('a hashed request chooses its priority from the hash: the same hash always gets the same host', () => {
  for (const lbPolicy of ['RING_HASH', 'MAGLEV'] as const) {
    const lb = createClusterLoadBalancer(cluster({ lbPolicy }), assignment([mixed(5, 10, 0), locality(endpoints(10, {}, 100), { priority: 1 })]), context(6));
    for (let i = 0; i < 100; i++) {
      const hash = xxHash64(`user-${i}`);
      const first = lb.pick({ hash })!.id;
      for (let k = 0; k < 5; k++) assert.equal(lb.pick({ hash })!.id, first);
    }
  }
});

test('locality weighting: zones share by weight × availability, then hosts by the policy', () => {
  const zone = (name: string, weight: number, healthy: number) =>
    locality([...endpoints(healthy, {}, name === 'x' ? 0 : 100), ...endpoints(10 - healthy, { health: 'UNHEALTHY' }, name === 'x' ? 50 : 150)], { zone: name, weight });
  for (const lbPolicy of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const) {
    const c = cluster({ lbPolicy, commonLb: { healthyPanicThreshold: 50, localityWeighted: true } });
    const lb = createClusterLoadBalancer(c, assignment([zone('x', 1, 5), zone('y', 2, 10)]), context(7));
    const n = 30_000;
    let toX = 0;
    for (const [id, count] of tally(() => lb.pick({}), n)) if (Number(id.split('.')[3]!.split(':')[0]) < 100) toX += count;
    // X: 1 × min(1, 1.4 × 0.5) = 0.7 against Y: 2 → 25.9%.
    assert.ok(Math.abs(toX / n - 0.7 / 2.7) < 0.01, `${lbPolicy}: ${toX}`);
  }
});

test('locality weighting with hash policies scales host weights by locality weight', () => {
  for (const lbPolicy of ['RING_HASH', 'MAGLEV'] as const) {
    const c = cluster({ lbPolicy, commonLb: { healthyPanicThreshold: 50, localityWeighted: true } });
    const a = locality(endpoints(5), { zone: 'a', weight: 3 });
    const b = locality(endpoints(5, {}, 100), { zone: 'b', weight: 1 });
    const off = locality(endpoints(5, {}, 200), { zone: 'off', weight: 0 });
    const lb = createClusterLoadBalancer(c, assignment([a, b, off]), context(8));
    const n = 40_000;
    const counts = tally(() => lb.pick({}), n);
    let toA = 0;
    for (const [id, count] of counts) {
      const host = Number(id.split('.')[3]!.split(':')[0]);
      assert.ok(host < 200, `${lbPolicy} picked ${id} of a zero-weight locality`);
      if (host < 100) toA += count;
    }
    assert.ok(Math.abs(toA / n - 0.75) < 0.03, `${lbPolicy}: ${toA}`);
    const picked = lb.pick({ hash: 99n })!;
    assert.ok([...a.endpoints, ...b.endpoints].includes(picked), 'returns the assignment`s own endpoint objects');
  }
});

test('subsets: metadata_match routes to the subset, fallback otherwise', () => {
  const v1 = endpoints(3, { labels: { version: 'v1' } });
  const v2 = endpoints(3, { labels: { version: 'v2' } }, 10);
  const c = cluster({ subset: { fallbackPolicy: 'DEFAULT_SUBSET', defaultSubset: { version: 'v1' }, subsetSelectors: [['version']] } });
  const lb = createClusterLoadBalancer(c, assignment([locality([...v1, ...v2])]), context(9));
  const ids = (metadataMatch?: Record<string, string>) => [...tally(() => lb.pick({ metadataMatch }), 60).keys()].sort();
  assert.deepEqual(ids({ version: 'v2' }), v2.map((h) => h.id).sort());
  assert.deepEqual(ids({ version: 'v9' }), v1.map((h) => h.id).sort());
  assert.deepEqual(ids(), v1.map((h) => h.id).sort());
});

test('an unregistered policy is refused at build time', () => {
  assert.throws(() => createClusterLoadBalancer(cluster({ lbPolicy: 'NOPE' as LbPolicy }), assignment([]), context()), /not registered/);
});
