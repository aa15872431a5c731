// Maglev: a table that depends only on the host set, even slot counts, weighted fill, and
// minimal disruption when a host leaves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { xxHash64 } from '../../../src/core/lb/hash64.ts';
import { buildMaglevTable, createMaglev } from '../../../src/core/lb/lb-maglev.ts';
import type { LoadBalancer } from '../../../src/core/lb/load-balancer.ts';
import type { Endpoint } from '../../../src/core/model/endpoint.ts';
import { cluster, context, endpoint, endpoints } from './fixtures.ts';

const SMALL = 1009;
const maglev = (hosts: readonly Endpoint[], tableSize = 65537, seed = 1) => createMaglev(hosts, cluster({ lbPolicy: 'MAGLEV', maglev: { tableSize } }), context(seed));
/** The whole table, read through picks: a hash h lands in slot h mod M. */
const slots = (lb: LoadBalancer, size: number) => Array.from({ length: size }, (_, i) => lb.pick({ hash: BigInt(i) })!.id);

test('property: the table is the same across rebuilds and host orders', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
      const hosts = endpoints(n);
      const shuffled = fc.sample(fc.shuffledSubarray(hosts, { minLength: n, maxLength: n }), { numRuns: 1, seed })[0]!;
      assert.deepEqual(slots(maglev(shuffled, SMALL, seed), SMALL), slots(maglev(hosts, SMALL), SMALL));
    }),
    { numRuns: 30, seed: 31 },
  );
});

test('slot permutations follow offset = h64(id) mod M and skip = h64(id, seed 1) mod (M − 1) + 1', () => {
  // One host takes every slot; two hosts alternate turns, so the first slot each takes is its offset.
  const [a, b] = [endpoint('10.9.0.1:80'), endpoint('10.9.0.2:80')];
  const table = buildMaglevTable([a!, b!], SMALL);
  const offset = (h: Endpoint) => Number(xxHash64(h.id) % BigInt(SMALL));
  assert.equal(table[offset(a!)], 0);
  if (offset(b!) !== offset(a!)) assert.equal(table[offset(b!)], 1);
  const skipA = Number(xxHash64(a!.id, 1n) % BigInt(SMALL - 1)) + 1;
  const second = (offset(a!) + skipA) % SMALL;
  if (second !== offset(b!)) assert.equal(table[second], 0);
});

test('equal weights: slot counts differ by at most one', () => {
  for (const n of [3, 10, 100]) {
    const counts = new Map<string, number>();
    for (const id of slots(maglev(endpoints(n)), 65537)) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.equal(counts.size, n);
    assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 1, `n = ${n}`);
  }
});

for (const weights of [
  [1, 2],
  [1, 1, 5],
  [3, 7, 10, 20],
]) {
  test(`weighted fill: weights ${weights.join(':')} get proportional slots`, () => {
    const hosts = weights.map((w, i) => endpoint(`10.2.0.${i}:80`, { weight: w }));
    const counts = new Map<string, number>();
    for (const id of slots(maglev(hosts), 65537)) counts.set(id, (counts.get(id) ?? 0) + 1);
    const total = weights.reduce((a, b) => a + b, 0);
    hosts.forEach((h, i) => {
    assert.ok(Math.abs(counts.get(h.id)! / 65537 - weights[i]! / total) < 0.001, h.id);
  });
  });
}

// The leaving host held 1/N of the slots (±1 slot), so its keys are 1/N of the keys up to
// sampling noise (sd ≤ √(0.25 / 20000) ≈ 0.0035; 0.015 is over 4 sd). The refill moves few other
// slots: the Maglev paper measures well under 1% for tables much larger than N.
test('property: removing one of N hosts moves its 1/N of keys and under 1% of the others', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => xxHash64(`key-${i}`));
  fc.assert(
    fc.property(fc.integer({ min: 3, max: 50 }), fc.nat(), (n, r) => {
      const hosts = endpoints(n);
      const leaving = hosts[r % n]!.id;
      const before = maglev(hosts);
      const after = maglev(hosts.filter((h) => h.id !== leaving));
      let ofLeaving = 0;
      let others = 0;
      for (const hash of keys) {
        const was = before.pick({ hash })!.id;
        if (was === leaving) ofLeaving++;
        else if (after.pick({ hash })!.id !== was) others++;
      }
      assert.ok(Math.abs(ofLeaving / keys.length - 1 / n) < 0.015, `${ofLeaving} keys on the leaving host, N = ${n}`);
      assert.ok(others / keys.length < 0.01, `${others} keys of remaining hosts moved, N = ${n}`);
    }),
    { numRuns: 10, seed: 32 },
  );
});

test('exclude steps to the next slot of another host; a hashless pick is random', () => {
  const hosts = endpoints(5);
  const lb = maglev(hosts, SMALL);
  const table = slots(lb, SMALL);
  for (let slot = 0; slot < SMALL; slot++) {
    const exclude = new Set([table[slot]!]);
    let next = (slot + 1) % SMALL;
    while (table[next] === table[slot]) next = (next + 1) % SMALL;
    assert.equal(lb.pick({ hash: BigInt(slot), exclude })!.id, table[next]);
  }
  assert.ok(lb.pick({ hash: 3n, exclude: new Set(hosts.map((h) => h.id)) }) !== undefined);
  const seen = new Set(Array.from({ length: 200 }, () => lb.pick({})!.id));
  assert.equal(seen.size, 5);
});

test('no hosts: no pick', () => {
  assert.equal(maglev([], SMALL).pick({ hash: 1n }), undefined);
});
