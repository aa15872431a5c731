// Mirror decisions: each policy's runtime_fraction drawn on its own (seeded, within tolerance),
// cluster_header targets, and Envoy's "-shadow" authority.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MirrorPolicy } from '../../../src/core/model/policy-mirror.ts';
import { mirrorTargets, shadowAuthority } from '../../../src/core/policy/mirror-targets.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

test('a policy without runtime_fraction mirrors every request, without drawing', () => {
  const policies: MirrorPolicy[] = [{ cluster: { kind: 'cluster', name: 'shadow' }, perMillion: 1_000_000 }];
  assert.deepEqual(mirrorTargets(policies, () => assert.fail('no draw')), ['shadow']);
  assert.deepEqual(mirrorTargets([{ cluster: { kind: 'cluster', name: 'x' }, perMillion: 0 }], () => assert.fail('no draw')), []);
});

test('fractions are drawn per policy and land within tolerance', () => {
  const policies: MirrorPolicy[] = [
    { cluster: { kind: 'cluster', name: 'a' }, perMillion: 100_000 },
    { cluster: { kind: 'cluster', name: 'b' }, perMillion: 600_000 },
  ];
  const random = seededRandom(3);
  const counts = { a: 0, b: 0, both: 0 };
  const n = 50_000;
  for (let i = 0; i < n; i++) {
    const targets = mirrorTargets(policies, random);
    if (targets.includes('a')) counts.a++;
    if (targets.includes('b')) counts.b++;
    if (targets.length === 2) counts.both++;
  }
  assert.ok(Math.abs(counts.a / n - 0.1) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.b / n - 0.6) < 0.01, JSON.stringify(counts));
  assert.ok(Math.abs(counts.both / n - 0.06) < 0.01, 'independent draws');
});

test('a cluster_header policy mirrors to the named cluster, or nowhere when the header is absent', () => {
  const policies: MirrorPolicy[] = [{ cluster: { kind: 'cluster_header', header: 'x-mirror-to' }, perMillion: 1_000_000 }];
  assert.deepEqual(mirrorTargets(policies, Math.random, new Map([['x-mirror-to', 'canary']])), ['canary']);
  assert.deepEqual(mirrorTargets(policies, Math.random), []);
});

test('the shadow authority appends "-shadow" to the host, before any port', () => {
  assert.equal(shadowAuthority('reviews'), 'reviews-shadow');
  assert.equal(shadowAuthority('reviews.default:8080'), 'reviews.default-shadow:8080');
  assert.equal(shadowAuthority('[::1]:80'), '[::1]-shadow:80');
  assert.equal(shadowAuthority('[::1]'), '[::1]-shadow');
});
