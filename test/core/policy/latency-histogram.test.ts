// The sliding latency histogram: percentiles against a sorted-array oracle (property), bin
// bounds, the window sliding on the fake clock, and a shared state array.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BIN_COUNT, binOf, binUpperUs, LatencyHistogram, nearestRank } from '../../../src/core/policy/latency-histogram.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('every µs value falls in a bin whose upper edge is above it by at most 1/16', () => {
  const values = [0, 1, 15, 16, 17, 31, 32, 33, 1000, 65_535, 65_536, 1_000_000, 2 ** 31 - 1];
  for (const us of values) {
    const bin = binOf(us);
    assert.ok(bin >= 0 && bin < BIN_COUNT, `${us} → bin ${bin}`);
    const upper = binUpperUs(bin);
    assert.ok(us < upper && upper <= us * (1 + 1 / 16) + 1, `${us} → [.., ${upper})`);
    if (bin > 0) assert.ok(binUpperUs(bin - 1) <= us, `${us} is not above bin ${bin - 1}`);
  }
  assert.equal(binOf(2 ** 31 - 1), BIN_COUNT - 1);
});

test('property: percentile is the oracle nearest-rank sample, rounded up to its bin edge', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 120_000_000 }), { minLength: 1, maxLength: 300 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (samplesUs, p) => {
        const clock = new FakeClock(5000);
        const h = new LatencyHistogram(clock, 10);
        for (const us of samplesUs) h.record(us / 1000);
        const sorted = [...samplesUs].sort((a, b) => a - b);
        const oracle = sorted[nearestRank(p, sorted.length) - 1]!;
        const reported = h.percentile(p)! * 1000;
        assert.equal(h.count(), samplesUs.length);
        assert.ok(reported > oracle - 1e-6, `p${p}: ${reported} below oracle ${oracle}`);
        assert.ok(reported <= oracle * (1 + 1 / 16) + 1 + 1e-6, `p${p}: ${reported} too far above oracle ${oracle}`);
      },
    ),
    { seed: 20240115, numRuns: 300 },
  );
});

test('nearest rank is not thrown off by floating point', () => {
  assert.equal(nearestRank(0.95, 20), 19);
  assert.equal(nearestRank(0, 20), 1);
  assert.equal(nearestRank(1, 20), 20);
  assert.equal(nearestRank(0.5, 3), 2);
});

test('an empty window has no percentile', () => {
  const h = new LatencyHistogram(new FakeClock(), 5);
  assert.equal(h.percentile(0.5), undefined);
  assert.equal(h.count(), 0);
});

test('samples leave the window once windowSeconds whole seconds have passed', () => {
  const clock = new FakeClock(0);
  const h = new LatencyHistogram(clock, 3);
  for (let i = 0; i < 10; i++) h.record(100);
  clock.advance(1000);
  for (let i = 0; i < 10; i++) h.record(5);
  clock.advance(1000);
  assert.equal(h.count(), 20);
  assert.ok(h.percentile(0.9)! >= 100);
  clock.advance(999);
  assert.equal(h.count(), 20, 'second 0 is still in the window at 2.999 s');
  clock.advance(1);
  assert.equal(h.count(), 10, 'second 0 left at 3 s');
  assert.ok(h.percentile(1)! < 5.4);
  clock.advance(60_000);
  assert.equal(h.count(), 0);
  assert.equal(h.percentile(0.5), undefined);
  h.record(7);
  assert.equal(h.count(), 1);
});

test('a recycled bucket starts empty', () => {
  const clock = new FakeClock(0);
  const h = new LatencyHistogram(clock, 2);
  h.record(1000);
  clock.advance(2000); // same ring slot as second 0
  h.record(1);
  assert.equal(h.count(), 1);
  assert.ok(h.percentile(1)! < 1.1);
});

test('two histograms over one state array see each other’s samples', () => {
  const clock = new FakeClock(0);
  const state = new Int32Array(new SharedArrayBuffer(LatencyHistogram.stateLength(4) * 4));
  const a = new LatencyHistogram(clock, 4, state);
  const b = new LatencyHistogram(clock, 4, state);
  a.record(10);
  b.record(20);
  assert.equal(a.count(), 2);
  assert.ok(b.percentile(1)! >= 20);
  assert.throws(() => new LatencyHistogram(clock, 5, state), RangeError);
  assert.throws(() => new LatencyHistogram(clock, 0), RangeError);
});

test('latencies are clamped into range', () => {
  const h = new LatencyHistogram(new FakeClock(), 1);
  h.record(-5);
  assert.ok(h.percentile(1)! <= 0.001);
  h.record(1e12);
  assert.ok(h.percentile(1)! >= 2_000_000);
});
