// Ring hash: Envoy's ring sizing, lookup of the first point at or after the hash, and stability
// when a host leaves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { xxHash64 } from '../../../src/core/lb/hash64.ts';
import { createRingHash, RingHash, ringPointCounts } from '../../../src/core/lb/lb-ring-hash.ts';
import type { Endpoint } from '../../../src/core/model/endpoint.ts';
import { cluster, context, endpoint, endpoints, tally } from './fixtures.ts';

const sizing = [
  // Envoy's own example: four equal hosts, scale capped at 6 → 1.5 points each, by running sums.
  { weights: [1, 1, 1, 1], min: 8, max: 6, counts: [2, 1, 2, 1] },
  { weights: [1, 1, 1, 1], min: 4, max: 100, counts: [1, 1, 1, 1] },
  // The lightest host gets a whole number of points: ceil(1024 / 3) = 342, the heavier twice that.
  { weights: [1, 2], min: 1024, max: 8388608, counts: [342, 684] },
  { weights: [3, 1], min: 1024, max: 8388608, counts: [768, 256] },
  // The maximum caps the ring: 1000 × 1 / 3 each gets floor / ceil of 333.3.
  { weights: [1, 1, 1], min: 3000, max: 1000, counts: [334, 333, 333] },
];
for (const { weights, min, max, counts } of sizing) {
  test(`ring points for weights ${weights.join(':')}, ring ${min}..${max}`, () => {
    assert.deepEqual(ringPointCounts(weights, { minimumRingSize: min, maximumRingSize: max }), counts);
  });
}

interface Point {
  readonly hash: bigint;
  readonly id: string;
  readonly i: number;
}

/** A reference ring: every point `${id}_${i}` of every host, sorted by hash. */
function referenceRing(hosts: readonly Endpoint[], counts: readonly number[]): Point[] {
  const points = hosts.flatMap((h, k) => Array.from({ length: counts[k]! }, (_, i) => ({ hash: xxHash64(`${h.id}_${i}`), id: h.id, i })));
  return points.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
}

/** A linear scan for the first point at or after the hash, wrapping. */
function lookup(ring: readonly Point[], hash: bigint): Point {
  return ring.find((p) => p.hash >= hash) ?? ring[0]!;
}

test('property: a hash goes to the first ring point at or after it (wrapping), as a linear scan finds', () => {
  const config = { minimumRingSize: 64, maximumRingSize: 1024 };
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 20 }), (weights, hashes) => {
      const hosts = weights.map((w, i) => endpoint(`10.1.0.${i}:80`, { weight: w }));
      const ring = new RingHash(hosts, config, Math.random);
      const sorted = [...hosts].sort((a, b) => (a.id < b.id ? -1 : 1));
      const reference = referenceRing(
        sorted,
        ringPointCounts(
          sorted.map((h) => h.weight),
          config,
        ),
      );
      for (const hash of [...hashes, 0n, 2n ** 64n - 1n]) assert.equal(ring.pick({ hash })!.id, lookup(reference, hash).id);
    }),
    { numRuns: 50, seed: 21 },
  );
});

test('a point hash itself maps to that point`s host', () => {
  const hosts = endpoints(7);
  const ring = createRingHash(hosts, cluster({ lbPolicy: 'RING_HASH' }), context());
  for (const h of hosts) assert.equal(ring.pick({ hash: xxHash64(`${h.id}_0`) })!.id, h.id);
});

test('the ring does not depend on host order', () => {
  const hosts = endpoints(20);
  const a = createRingHash(hosts, cluster({ lbPolicy: 'RING_HASH' }), context());
  const b = createRingHash([...hosts].reverse(), cluster({ lbPolicy: 'RING_HASH' }), context());
  for (let i = 0; i < 2000; i++) {
    const hash = xxHash64(`k${i}`);
    assert.equal(a.pick({ hash })!.id, b.pick({ hash })!.id);
  }
});

// Envoy sizes the ring to about minimumRingSize whatever N is, so when a host leaves the others
// each get a few more points (point i of a host is always `${id}_${i}`, so old points stay put).
// Hence, exactly: a key whose host remains stays, or moves onto one of those added points. And
// statistically: the keys that move are the leaving host's share (1/N, relative spread 1/√k for
// k points per host) plus what the added points take (their share of the new ring, spread
// ~√added / ring). Bounds: 1/N ± 4/(N√k) − 0.005 below, + added share + 0.01 above.
test('property: when one of N hosts leaves, about 1/N of keys move and the rest stay', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => xxHash64(`key-${i}`));
  const config = { minimumRingSize: 1024, maximumRingSize: 8388608 };
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 40 }), fc.nat(), (n, r) => {
      const hosts = endpoints(n).sort((a, b) => (a.id < b.id ? -1 : 1));
      const leaving = hosts[r % n]!;
      const remaining = hosts.filter((h) => h !== leaving);
      const countsBefore = ringPointCounts(
        hosts.map((h) => h.weight),
        config,
      );
      const countsAfter = ringPointCounts(
        remaining.map((h) => h.weight),
        config,
      );
      const oldCount = new Map(hosts.map((h, k) => [h.id, countsBefore[k]!]));
      const before = new RingHash(hosts, config, Math.random);
      const after = new RingHash(remaining, config, Math.random);
      const reference = referenceRing(remaining, countsAfter);
      let moved = 0;
      for (const hash of keys) {
        const was = before.pick({ hash })!.id;
        const now = after.pick({ hash })!.id;
        if (was === now) continue;
        moved++;
        if (was === leaving.id) continue;
        const point = lookup(reference, hash);
        assert.equal(point.id, now);
        assert.ok(point.i >= oldCount.get(now)!, `a key of ${was} moved to an old point of ${now}`);
      }
      const ringAfter = countsAfter.reduce((a, b) => a + b, 0);
      const added = remaining.reduce((sum, h, k) => sum + countsAfter[k]! - oldCount.get(h.id)!, 0);
      const k = countsBefore[0]!;
      const spread = 4 / (n * Math.sqrt(k));
      const share = moved / keys.length;
      assert.ok(share > 1 / n - spread - 0.005 && share < 1 / n + spread + added / ringAfter + 0.01, `${moved} of ${keys.length} moved, N = ${n}`);
    }),
    { numRuns: 12, seed: 22 },
  );
});

test('a request without a hash lands on a random point', () => {
  const hosts = endpoints(4);
  const ring = createRingHash(hosts, cluster({ lbPolicy: 'RING_HASH' }), context(5));
  const counts = tally(() => ring.pick({}), 20_000);
  assert.equal(counts.size, 4);
  for (const c of counts.values()) assert.ok(c > 3000, `${c}`);
});

test('exclude walks clockwise to the next point of another host', () => {
  const hosts = endpoints(10);
  const ring = createRingHash(hosts, cluster({ lbPolicy: 'RING_HASH', ringHash: { minimumRingSize: 50, maximumRingSize: 1000 } }), context());
  const counts = ringPointCounts(
    hosts.map((h) => h.weight),
    { minimumRingSize: 50, maximumRingSize: 1000 },
  );
  for (let i = 0; i < 500; i++) {
    const hash = xxHash64(`k${i}`);
    const first = ring.pick({ hash })!.id;
    const exclude = new Set([first]);
    const next = ring.pick({ hash, exclude })!.id;
    const reference = referenceRing(
      hosts.filter((h) => h.id !== first),
      counts.slice(1),
    );
    assert.notEqual(next, first);
    assert.equal(next, lookup(reference, hash).id);
  }
  assert.ok(ring.pick({ hash: 1n, exclude: new Set(hosts.map((h) => h.id)) }) !== undefined);
});

test('no hosts: no pick', () => {
  assert.equal(createRingHash([], cluster(), context()).pick({ hash: 1n }), undefined);
});
