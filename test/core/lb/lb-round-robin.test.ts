// Weighted round robin: rotation for equal weights, EDF shares for unequal ones, seeded start, exclude.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRoundRobin } from '../../../src/core/lb/lb-round-robin.ts';
import { cluster, context, endpoint, endpoints, tally } from './fixtures.ts';

test('equal weights rotate through the hosts in order', () => {
  const hosts = endpoints(5);
  const lb = createRoundRobin(hosts, cluster(), context(7));
  const picks = Array.from({ length: 10 }, () => lb.pick({})!.id);
  const start = hosts.findIndex((h) => h.id === picks[0]);
  assert.deepEqual(
    picks,
    Array.from({ length: 10 }, (_, i) => hosts[(start + i) % 5]!.id),
  );
});

test('the starting host depends on the seed, and the same seed repeats the sequence', () => {
  const hosts = endpoints(10);
  const firsts = new Set(Array.from({ length: 20 }, (_, seed) => createRoundRobin(hosts, cluster(), context(seed)).pick({})!.id));
  assert.ok(firsts.size > 3, `only ${firsts.size} distinct starts`);
  const seq = (seed: number) => {
    const lb = createRoundRobin(endpoints(4, { weight: 3 }).concat(endpoint('x:1', { weight: 5 })), cluster(), context(seed));
    return Array.from({ length: 20 }, () => lb.pick({})!.id).join();
  };
  assert.equal(seq(42), seq(42));
});

const weightCases = [
  { weights: [1, 2, 3], picks: 600 },
  { weights: [1, 1, 8], picks: 1000 },
  { weights: [5, 1], picks: 600 },
  { weights: [100, 1, 1], picks: 10200 },
];
for (const { weights, picks } of weightCases) {
  test(`unequal weights ${weights.join(':')} get exact shares over whole cycles`, () => {
    const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
    const lb = createRoundRobin(hosts, cluster(), context(3));
    const counts = tally(() => lb.pick({}), picks);
    const total = weights.reduce((a, b) => a + b, 0);
    hosts.forEach((h, i) => {
      assert.ok(Math.abs(counts.get(h.id)! - (picks * weights[i]!) / total) <= 1, `${h.id}: ${counts.get(h.id)}`);
    });
  });
}

test('EDF interleaves: with weights 1:2:3 every window of 6 picks holds each host about its share', () => {
  const hosts = [1, 2, 3].map((w, i) => endpoint(`h${i}:80`, { weight: w }));
  const lb = createRoundRobin(hosts, cluster(), context(1));
  const picks = Array.from({ length: 600 }, () => lb.pick({})!.id);
  for (let start = 0; start + 6 <= picks.length; start++) {
    const window = picks.slice(start, start + 6);
    hosts.forEach((h, i) => {
      const got = window.filter((id) => id === h.id).length;
      assert.ok(Math.abs(got - (i + 1)) <= 1, `window at ${start}: ${window.join()}`);
    });
  }
});

test('property: each host gets its weight share within 1% over 100k picks', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 60 }), fc.integer({ min: 0, max: 1e6 }), (weights, seed) => {
      const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
      const lb = createRoundRobin(hosts, cluster(), context(seed));
      const n = 100_000;
      const counts = tally(() => lb.pick({}), n);
      const total = weights.reduce((a, b) => a + b, 0);
      hosts.forEach((h, i) => {
        assert.ok(Math.abs((counts.get(h.id) ?? 0) / n - weights[i]! / total) < 0.01, h.id);
      });
    }),
    { numRuns: 15, seed: 11 },
  );
});

for (const weights of [
  [1, 1, 1, 1],
  [1, 2, 3, 4],
]) {
  test(`exclude is honoured (weights ${weights.join(':')}) and ignored only when it covers every host`, () => {
    const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
    const lb = createRoundRobin(hosts, cluster(), context(5));
    const exclude = new Set(['h1:80', 'h3:80']);
    const counts = tally(() => lb.pick({ exclude }), 1000);
    assert.deepEqual([...counts.keys()].sort(), ['h0:80', 'h2:80']);
    const all = new Set(hosts.map((h) => h.id));
    const fallback = lb.pick({ exclude: all });
    assert.ok(hosts.some((h) => h.id === fallback?.id));
  });
}

test('no hosts: no pick', () => {
  assert.equal(createRoundRobin([], cluster(), context()).pick({}), undefined);
});
