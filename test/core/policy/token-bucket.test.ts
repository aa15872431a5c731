// The lazily refilled token bucket: starts full, refills exactly at its rate, caps at max_tokens,
// shares its count across views of one buffer, and the warm-up curve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUpCostFactor } from '../../../src/core/policy/rate-limit-warm-up.ts';
import { TOKEN_BUCKET_BYTES, TokenBucket } from '../../../src/core/policy/token-bucket.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const tenPerSecond = { maxTokens: 10, tokensPerFill: 10, fillIntervalMs: 1000 };

function drain(bucket: TokenBucket): number {
  let n = 0;
  while (bucket.tryTake()) n++;
  return n;
}

test('a new bucket holds max_tokens and refuses the next take', () => {
  const bucket = TokenBucket.create(tenPerSecond, new FakeClock(5000));
  assert.equal(bucket.available(), 10);
  assert.equal(drain(bucket), 10);
  assert.equal(bucket.tryTake(), false);
});

test('tokens come back at tokens_per_fill / fill_interval, to the millisecond', () => {
  const clock = new FakeClock();
  const bucket = TokenBucket.create(tenPerSecond, clock);
  drain(bucket);
  assert.equal(bucket.msUntil(1), 100);
  assert.equal(bucket.msUntil(3), 300);
  clock.advance(99.999);
  assert.equal(bucket.tryTake(), false);
  clock.advance(0.001);
  assert.equal(bucket.tryTake(), true);
  assert.equal(bucket.tryTake(), false);
  clock.advance(250);
  assert.equal(drain(bucket), 2, 'the half token carries over');
  clock.advance(50);
  assert.equal(drain(bucket), 1);
});

test('the bucket never holds more than max_tokens, however long it idles', () => {
  const clock = new FakeClock();
  const bucket = TokenBucket.create({ maxTokens: 5, tokensPerFill: 1, fillIntervalMs: 10 }, clock);
  drain(bucket);
  clock.advance(3_600_000);
  assert.equal(bucket.available(), 5);
  assert.equal(drain(bucket), 5);
});

test('a rate that is not a whole number of ms per token does not drift over an hour', () => {
  const clock = new FakeClock();
  const bucket = TokenBucket.create({ maxTokens: 5, tokensPerFill: 3, fillIntervalMs: 1000 }, clock);
  let taken = drain(bucket);
  for (let ms = 0; ms < 3_600_000; ms += 7) {
    clock.advance(7);
    taken += drain(bucket);
  }
  assert.equal(clock.now(), 3_600_002);
  assert.equal(taken, 5 + 3 * 3600, 'the 10 800th refilled token fell due at 3 600 000 ms');
});

test('two views of one buffer share the count, as threads over a SharedArrayBuffer do', () => {
  const clock = new FakeClock();
  const shared = new SharedArrayBuffer(TOKEN_BUCKET_BYTES);
  const a = TokenBucket.create(tenPerSecond, clock, undefined, shared);
  const b = TokenBucket.attach(tenPerSecond, clock, undefined, shared);
  assert.equal(drain(a) + drain(b), 10);
  clock.advance(200);
  assert.equal(b.tryTake(), true);
  assert.equal(a.tryTake(), true);
  assert.equal(a.tryTake() || b.tryTake(), false);
});

const warmUp = { periodMs: 10_000, coldFactor: 3 };

test('warm-up cost: coldFactor when cold, 1 when warm, Guava\'s saturated curve between', () => {
  assert.equal(warmUpCostFactor(warmUp, 0), 3);
  assert.equal(warmUpCostFactor(warmUp, 10_000), 1);
  assert.equal(warmUpCostFactor(warmUp, 20_000), 1);
  assert.ok(Math.abs(warmUpCostFactor(warmUp, 5_000) - Math.sqrt(5)) < 1e-12);
});

/** Takes every token the bucket allows, 1 ms at a time, for `ms`; returns how many it got. */
function saturate(clock: FakeClock, bucket: TokenBucket, ms: number): number {
  let n = 0;
  for (let t = 0; t < ms; t++) {
    clock.advance(1);
    n += drain(bucket);
  }
  return n;
}

test('a cold limiter starts at rate / coldFactor and reaches the full rate over the warm-up period', () => {
  const clock = new FakeClock();
  const bucket = TokenBucket.create({ maxTokens: 1, tokensPerFill: 100, fillIntervalMs: 1000 }, clock, warmUp);
  const first = saturate(clock, bucket, 1000);
  assert.ok(first >= 33 && first <= 40, `first second: ${first}`);
  saturate(clock, bucket, 9000);
  const warm = saturate(clock, bucket, 1000);
  assert.ok(warm >= 99 && warm <= 101, `after the period: ${warm}`);
});

test('idle for the warm-up period, the limiter is cold again; a short pause costs only its length', () => {
  const clock = new FakeClock();
  const bucket = TokenBucket.create({ maxTokens: 1, tokensPerFill: 100, fillIntervalMs: 1000 }, clock, warmUp);
  saturate(clock, bucket, 12_000);
  assert.equal(bucket.costFactor(), 1);
  clock.advance(2000);
  assert.ok(Math.abs(bucket.costFactor() - warmUpCostFactor(warmUp, 8000)) < 1e-9, 'cooled by the 2 s pause');
  clock.advance(10_000);
  assert.equal(bucket.costFactor(), 3);
});
