// Weighted random: shares follow weights, exclude cuts hosts out of the draw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRandom } from '../../../src/core/lb/lb-random.ts';
import { cluster, context, endpoint, tally } from './fixtures.ts';

test('property: each host gets its weight share within 1% over 100k picks', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 1e6 }), (weights, seed) => {
      const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
      const lb = createRandom(hosts, cluster(), context(seed));
      const n = 100_000;
      const counts = tally(() => lb.pick({}), n);
      const total = weights.reduce((a, b) => a + b, 0);
      hosts.forEach((h, i) => {
        assert.ok(Math.abs((counts.get(h.id) ?? 0) / n - weights[i]! / total) < 0.01, h.id);
      });
    }),
    { numRuns: 15, seed: 12 },
  );
});

test('property: excluded hosts are never picked and the rest keep their relative shares', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 20 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 1e6 }),
      (weights, picks, seed) => {
        const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
        const excluded = new Set(picks.map((p) => hosts[p % hosts.length]!.id));
        fc.pre(excluded.size < hosts.length);
        const lb = createRandom(hosts, cluster(), context(seed));
        const n = 50_000;
        const counts = tally(() => lb.pick({ exclude: excluded }), n);
        const allowedWeight = hosts.filter((h) => !excluded.has(h.id)).reduce((a, h) => a + h.weight, 0);
        for (const h of hosts) {
          const share = (counts.get(h.id) ?? 0) / n;
          if (excluded.has(h.id)) assert.equal(share, 0, h.id);
          else assert.ok(Math.abs(share - h.weight / allowedWeight) < 0.015, h.id);
        }
      },
    ),
    { numRuns: 25, seed: 13 },
  );
});

test('when every host is excluded one is still picked', () => {
  const hosts = [endpoint('a:1'), endpoint('b:1', { weight: 3 })];
  const lb = createRandom(hosts, cluster(), context());
  assert.ok(lb.pick({ exclude: new Set(['a:1', 'b:1']) }) !== undefined);
});

test('no hosts: no pick', () => {
  assert.equal(createRandom([], cluster(), context()).pick({}), undefined);
});
