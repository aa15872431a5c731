// Least request: power of N choices for equal weights, EDF over weight / (active + 1)^bias otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLeastRequest, leastRequestWeight } from '../../../src/core/lb/lb-least-request.ts';
import { cluster, context, endpoint, endpoints, tally } from './fixtures.ts';

// Two equal hosts, one idle and one busy: the busy one is picked only when every sample is it,
// (1/2)^choiceCount of the time.
for (const { choiceCount, busyShare } of [
  { choiceCount: 1, busyShare: 0.5 },
  { choiceCount: 2, busyShare: 0.25 },
  { choiceCount: 3, busyShare: 0.125 },
  { choiceCount: 5, busyShare: 0.03125 },
]) {
  test(`choice of ${choiceCount}: the busy host of two gets ${busyShare * 100}%`, () => {
    const hosts = [endpoint('idle:1'), endpoint('busy:1')];
    const ctx = context(9);
    ctx.active.set('busy:1', 10);
    const lb = createLeastRequest(hosts, cluster({ lbPolicy: 'LEAST_REQUEST', leastRequest: { choiceCount, activeRequestBias: 1 } }), ctx);
    const n = 100_000;
    const counts = tally(() => lb.pick({}), n);
    assert.ok(Math.abs((counts.get('busy:1') ?? 0) / n - busyShare) < 0.01, `${counts.get('busy:1')}`);
  });
}

test('P2C prefers idle hosts: load on busy hosts falls as they get busier', () => {
  const hosts = endpoints(10);
  const ctx = context(4);
  hosts.forEach((h, i) => {
    ctx.active.set(h.id, i);
  });
  const lb = createLeastRequest(hosts, cluster({ lbPolicy: 'LEAST_REQUEST' }), ctx);
  const counts = tally(() => lb.pick({}), 100_000);
  const shares = hosts.map((h) => counts.get(h.id) ?? 0);
  // With 2 samples with replacement, host i (i-th least busy of n) wins with P = ((n-i)^2 - (n-i-1)^2) / n^2.
  shares.forEach((c, i) => {
    assert.ok(Math.abs(c / 100_000 - ((10 - i) ** 2 - (9 - i) ** 2) / 100) < 0.01, `host ${i}: ${c}`);
  });
});

const weightCases = [
  { name: 'idle hosts: shares follow weights', weights: [1, 2], active: [0, 0], bias: 1, expected: [1 / 3, 2 / 3] },
  { name: 'busy heavy host: 2 / (3 + 1) against 1 / 1', weights: [1, 2], active: [0, 3], bias: 1, expected: [2 / 3, 1 / 3] },
  { name: 'bias 0 ignores active requests', weights: [1, 2], active: [0, 3], bias: 0, expected: [1 / 3, 2 / 3] },
  { name: 'bias 2: 2 / (1 + 1)^2 against 1', weights: [1, 2], active: [0, 1], bias: 2, expected: [2 / 3, 1 / 3] },
  { name: 'bias 0.5: 4 / sqrt(3 + 1) against 1', weights: [1, 4], active: [0, 3], bias: 0.5, expected: [1 / 3, 2 / 3] },
];
for (const { name, weights, active, bias, expected } of weightCases) {
  test(`unequal weights, ${name}`, () => {
    const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
    const ctx = context(2);
    hosts.forEach((h, i) => {
    ctx.active.set(h.id, active[i]!);
  });
    const lb = createLeastRequest(hosts, cluster({ lbPolicy: 'LEAST_REQUEST', leastRequest: { choiceCount: 2, activeRequestBias: bias } }), ctx);
    const n = 30_000;
    const counts = tally(() => lb.pick({}), n);
    hosts.forEach((h, i) => {
    assert.ok(Math.abs((counts.get(h.id) ?? 0) / n - expected[i]!) < 0.01, `${h.id}: ${counts.get(h.id)}`);
  });
  });
}

test('the weight formula', () => {
  const config = (activeRequestBias: number) => ({ choiceCount: 2, activeRequestBias });
  assert.equal(leastRequestWeight(10, 4, config(1)), 2);
  assert.equal(leastRequestWeight(10, 4, config(0)), 10);
  assert.equal(leastRequestWeight(9, 2, config(2)), 1);
});

test('dynamic weights: a host that becomes busy loses share at its next requeue', () => {
  const hosts = [endpoint('a:1', { weight: 1 }), endpoint('b:1', { weight: 2 })];
  const ctx = context(3);
  const lb = createLeastRequest(hosts, cluster({ lbPolicy: 'LEAST_REQUEST' }), ctx);
  const before = tally(() => lb.pick({}), 3000).get('b:1')!;
  ctx.active.set('b:1', 7);
  const after = tally(() => lb.pick({}), 3000).get('b:1')!;
  assert.ok(before > 1900 && after < 800, `${before} → ${after}`);
});

for (const weights of [
  [1, 1, 1],
  [1, 2, 3],
]) {
  test(`exclude is honoured (weights ${weights.join(':')})`, () => {
    const hosts = weights.map((w, i) => endpoint(`h${i}:80`, { weight: w }));
    const ctx = context(8);
    ctx.active.set('h2:80', 0);
    ctx.active.set('h0:80', 5);
    ctx.active.set('h1:80', 5);
    const lb = createLeastRequest(hosts, cluster({ lbPolicy: 'LEAST_REQUEST' }), ctx);
    const counts = tally(() => lb.pick({ exclude: new Set(['h2:80']) }), 1000);
    assert.equal(counts.get('h2:80'), undefined);
    assert.equal((counts.get('h0:80') ?? 0) + (counts.get('h1:80') ?? 0), 1000);
    assert.ok(lb.pick({ exclude: new Set(['h0:80', 'h1:80', 'h2:80']) }) !== undefined);
  });
}
