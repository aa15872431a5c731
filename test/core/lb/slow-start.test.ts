// Slow start: the factor curve, and a new host's share ramping over the window on a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLeastRequest } from '../../../src/core/lb/lb-least-request.ts';
import { createRoundRobin } from '../../../src/core/lb/lb-round-robin.ts';
import { isInSlowStart, slowStartFactor } from '../../../src/core/lb/slow-start.ts';
import type { SlowStartConfig } from '../../../src/core/model/cluster.ts';
import { cluster, context, endpoint, endpoints, tally } from './fixtures.ts';

const linear: SlowStartConfig = { windowMs: 10_000, aggression: 1, minWeightPercent: 0.1 };
const factors = [
  { config: linear, age: 0, factor: 0.1 },
  { config: linear, age: 500, factor: 0.1 },
  { config: linear, age: 2500, factor: 0.25 },
  { config: linear, age: 5000, factor: 0.5 },
  { config: linear, age: 9999, factor: 0.9999 },
  { config: linear, age: 10_000, factor: 1 },
  { config: linear, age: 60_000, factor: 1 },
  { config: { ...linear, aggression: 2 }, age: 2500, factor: 0.5 },
  { config: { ...linear, aggression: 0.5 }, age: 5000, factor: 0.25 },
  { config: { ...linear, minWeightPercent: 0.5 }, age: 2500, factor: 0.5 },
  { config: { ...linear, minWeightPercent: 0.000001 }, age: 0, factor: 0.0001 },
];
for (const { config, age, factor } of factors) {
  test(`factor at ${age} ms (aggression ${config.aggression}, min ${config.minWeightPercent}) is ${factor}`, () => {
    assert.ok(Math.abs(slowStartFactor(config, age) - factor) < 1e-12, `${slowStartFactor(config, age)}`);
  });
}

test('a host without addedAt, or unhealthy, or past the window, is not in slow start', () => {
  const ctx = context();
  ctx.time = 20_000;
  ctx.addedAt.set('new:1', 15_000);
  ctx.addedAt.set('old:1', 5_000);
  ctx.addedAt.set('sick:1', 15_000);
  assert.equal(isInSlowStart(endpoint('new:1'), linear, ctx), true);
  assert.equal(isInSlowStart(endpoint('old:1'), linear, ctx), false);
  assert.equal(isInSlowStart(endpoint('none:1'), linear, ctx), false);
  assert.equal(isInSlowStart(endpoint('sick:1', { health: 'UNHEALTHY' }), linear, ctx), false);
  assert.equal(isInSlowStart(endpoint('new:1'), undefined, ctx), false);
});

for (const lbPolicy of ['ROUND_ROBIN', 'LEAST_REQUEST'] as const) {
  test(`${lbPolicy}: a new host's share ramps with its weight over the window`, () => {
    const hosts = [...endpoints(3), endpoint('new:1')];
    const ctx = context(6);
    ctx.addedAt.set('new:1', 0);
    const c = cluster({ lbPolicy, slowStart: linear });
    const lb = (lbPolicy === 'ROUND_ROBIN' ? createRoundRobin : createLeastRequest)(hosts, c, ctx);
    const shares: number[] = [];
    for (const at of [1000, 2500, 5000, 7500, 12_000]) {
      ctx.time = at;
      tally(() => lb.pick({}), 100); // let deadlines scheduled at the old weight drain
      const counts = tally(() => lb.pick({}), 20_000);
      const factor = slowStartFactor(linear, at);
      const share = (counts.get('new:1') ?? 0) / 20_000;
      assert.ok(Math.abs(share - factor / (3 + factor)) < 0.01, `at ${at} ms: ${share}`);
      shares.push(share);
    }
    assert.ok(shares.every((s, i) => i === 0 || s > shares[i - 1]!), shares.join());
  });
}
