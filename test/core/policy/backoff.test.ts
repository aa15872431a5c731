// Full-jitter exponential back-off bounds over many seeded draws, and the rate-limit jitter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exponentialCap, fullJitterBackoff, jitteredLowerBound } from '../../../src/core/policy/backoff.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

test('the cap doubles from the base and stops at the max (Envoy: 25, 50, 100, 200, 250 for base 25 max 250)', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 60, 1000].map((k) => exponentialCap(25, 250, k)), [25, 50, 100, 200, 250, 250, 250, 250]);
  assert.equal(exponentialCap(0.2, 10, 0), 1, 'a base below 1 ms counts as 1 ms');
});

test('full jitter: every draw is a whole ms in [0, min(max, base × 2^k)) and the range is covered', () => {
  const random = seededRandom(42);
  for (let k = 0; k < 8; k++) {
    const cap = Math.min(250, 25 * 2 ** k);
    let min = Number.POSITIVE_INFINITY;
    let max = -1;
    for (let i = 0; i < 5000; i++) {
      const d = fullJitterBackoff(25, 250, k, random);
      assert.ok(Number.isInteger(d) && d >= 0 && d < cap, `retry ${k}: ${d} outside [0, ${cap})`);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assert.equal(min, 0, `retry ${k} never drew 0`);
    assert.equal(max, cap - 1, `retry ${k} never reached ${cap - 1}`);
  }
});

test('full jitter stays below the cap even when random returns its largest value', () => {
  assert.equal(fullJitterBackoff(25, 250, 0, () => 0.9999999999999999), 24);
  assert.equal(fullJitterBackoff(25, 250, 0, () => 0), 0);
});

test('the rate-limited interval is jittered within [interval, 1.5 × interval)', () => {
  const random = seededRandom(7);
  for (let i = 0; i < 2000; i++) {
    const d = jitteredLowerBound(4000, random);
    assert.ok(d >= 4000 && d < 6000, `${d}`);
  }
  assert.equal(jitteredLowerBound(0, random), 0);
});
