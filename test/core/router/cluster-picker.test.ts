// Cluster specifiers: a named cluster, weighted clusters (shares follow the weights, weight 0
// is never picked), and cluster_header (present, repeated, missing or empty).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileClusterPicker } from '../../../src/core/router/cluster-picker.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { sequence, weightedCluster } from './fixtures.ts';

const noHeaders = () => () => undefined;
const noRandom = () => {
  throw new Error('unexpected random() draw');
};

test('cluster: always the named cluster, no draw', () => {
  const pick = compileClusterPicker({ kind: 'cluster', name: 'reviews' });
  assert.deepEqual(pick(noHeaders, noRandom), { kind: 'cluster', name: 'reviews', weighted: undefined });
});

const headerCases: [string, string | undefined, string | undefined][] = [
  ['present', 'ratings', 'ratings'],
  ['repeated: the first value, as Envoy reads the first entry', 'ratings,details', 'ratings'],
  ['missing', undefined, undefined],
  ['empty', '', undefined],
];

for (const [name, value, expected] of headerCases) {
  test(`cluster_header: ${name}`, () => {
    const pick = compileClusterPicker({ kind: 'cluster_header', header: 'x-cluster' })(() => (h) => (h === 'x-cluster' ? value : undefined), noRandom);
    if (expected === undefined) assert.equal(pick.kind, 'none');
    else assert.deepEqual(pick, { kind: 'cluster', name: expected, weighted: undefined });
  });
}

test('weighted clusters: cumulative spans, one draw per pick; weight 0 owns no span', () => {
  const clusters = [weightedCluster('a', 1), weightedCluster('zero', 0), weightedCluster('b', 3)];
  const pick = compileClusterPicker({ kind: 'weighted_clusters', clusters, totalWeight: 4 });
  const draws = [0, 0.2499, 0.25, 0.5, 0.9999];
  const random = sequence(...draws);
  assert.deepEqual(
    draws.map(() => {
      const p = pick(noHeaders, random);
      return p.kind === 'cluster' ? p.name : p.kind;
    }),
    ['a', 'a', 'b', 'b', 'b'],
  );
});

test('weighted clusters: a total weight of 0 picks nothing', () => {
  const pick = compileClusterPicker({ kind: 'weighted_clusters', clusters: [weightedCluster('a', 0)], totalWeight: 0 });
  assert.equal(pick(noHeaders, noRandom).kind, 'none');
});

test('weighted clusters: over 100k seeded picks every share is within 1% of its weight', () => {
  const weights = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 }).filter((w) => w.some((x) => x > 0));
  fc.assert(
    fc.property(weights, fc.integer(), (ws, seed) => {
      const clusters = ws.map((w, i) => weightedCluster(`c${i}`, w));
      const total = ws.reduce((a, b) => a + b, 0);
      const pick = compileClusterPicker({ kind: 'weighted_clusters', clusters, totalWeight: total });
      const random = seededRandom(seed);
      const counts = new Map<string, number>();
      const picks = 100_000;
      for (let i = 0; i < picks; i++) {
        const p = pick(noHeaders, random);
        assert.equal(p.kind, 'cluster');
        if (p.kind === 'cluster') counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
      }
      ws.forEach((w, i) => {
        const share = (counts.get(`c${i}`) ?? 0) / picks;
        if (w === 0) assert.equal(share, 0, `c${i} has weight 0 but was picked`);
        assert.ok(Math.abs(share - w / total) < 0.01, `c${i}: share ${share}, weight ${w}/${total}`);
      });
    }),
    { numRuns: 30, seed: 20240601 },
  );
});
