// The opossum-backed error-rate breaker: opens only past the minimum volume and above the
// error percentage, lets exactly one half-open trial through after the reset timeout, closes
// on its success (with a clean window) and re-opens on its failure. Opossum's reset timer runs
// on node:test mock timers; window rotation on the FakeClock.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { MeshError } from '../../../src/core/errors.ts';
import { DEFAULT_ERROR_RATE_BREAKER, type ErrorRateBreakerConfig } from '../../../src/core/model/policy-circuit-breakers.ts';
import { type BreakerState, ErrorRateBreaker, type ErrorRatePermit } from '../../../src/core/policy/error-rate-breaker.ts';
import { BucketRotation } from '../../../src/core/policy/error-rate-breaker-rotation.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const CONFIG: ErrorRateBreakerConfig = { ...DEFAULT_ERROR_RATE_BREAKER, errorPercent: 50, minRequestVolume: 10, windowMs: 10_000, buckets: 10, resetTimeoutMs: 5_000 };

/** Runs every microtask and promise reaction queued so far (outcomes reach opossum through them). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(t: TestContext, config = CONFIG) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const clock = new FakeClock();
  const rotation = new BucketRotation(clock);
  const states: BreakerState[] = [];
  const breaker = new ErrorRateBreaker('reviews', config, rotation, (_, state) => states.push(state));
  t.after(() => breaker.close());
  const advance = (ms: number) => {
    clock.advance(ms);
    t.mock.timers.tick(ms);
  };
  return { breaker, clock, rotation, states, advance };
}

function admit(breaker: ErrorRateBreaker): ErrorRatePermit {
  const permit = breaker.tryAcquire();
  assert.ok(!(permit instanceof MeshError), permit instanceof MeshError ? permit.message : '');
  return permit;
}

function refused(breaker: ErrorRateBreaker): MeshError {
  const result = breaker.tryAcquire();
  assert.ok(result instanceof MeshError, 'expected the breaker to refuse');
  assert.equal(result.code, 'SIDELET_BREAKER_OPEN');
  assert.equal(result.status, 503);
  return result;
}

async function outcomes(breaker: ErrorRateBreaker, pattern: string): Promise<void> {
  for (const c of pattern) {
    const permit = admit(breaker);
    if (c === 'F') permit.failure();
    else permit.success();
    await settle();
  }
}

test('below the minimum request volume, even 100% errors leave it closed', async (t) => {
  const { breaker } = setup(t);
  await outcomes(breaker, 'FFFFFFFFF');
  assert.equal(breaker.state, 'closed');
  await outcomes(breaker, 'F');
  assert.equal(breaker.state, 'open');
  assert.equal(refused(breaker).message, 'reviews: error-rate breaker open');
});

test('it opens only when the error percentage exceeds the threshold', async (t) => {
  const { breaker, states } = setup(t);
  await outcomes(breaker, 'SSSSSFFFFF');
  assert.equal(breaker.state, 'closed', '5 of 10 is 50%, not above 50%');
  await outcomes(breaker, 'F');
  assert.equal(breaker.state, 'open', '6 of 11 is above 50%');
  assert.deepEqual(states, ['open']);
});

test('after the reset timeout one trial goes through; a second concurrent call is refused', async (t) => {
  const { breaker, advance, states } = setup(t);
  await outcomes(breaker, 'FFFFFFFFFF');
  advance(4_999);
  refused(breaker);
  advance(1);
  assert.equal(breaker.state, 'half-open');
  const trial = admit(breaker);
  assert.equal(refused(breaker).message, 'reviews: error-rate breaker half-open and its one trial request is in flight');
  trial.success();
  await settle();
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(states, ['open', 'half-open', 'closed']);
  await outcomes(breaker, 'FSS');
  assert.equal(breaker.state, 'closed', 'the failures that opened it are forgotten once closed');
});

test('a failed trial opens it again for another reset timeout', async (t) => {
  const { breaker, advance, states } = setup(t);
  await outcomes(breaker, 'FFFFFFFFFF');
  advance(5_000);
  const trial = admit(breaker);
  trial.failure();
  await settle();
  assert.equal(breaker.state, 'open');
  advance(4_999);
  refused(breaker);
  advance(1);
  await outcomes(breaker, 'S');
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(states, ['open', 'half-open', 'open', 'half-open', 'closed']);
});

test('errors older than the rolling window no longer count', async (t) => {
  const { breaker, advance } = setup(t);
  await outcomes(breaker, 'FFFFFFFFF');
  advance(10_000);
  await outcomes(breaker, 'F');
  assert.equal(breaker.state, 'closed', 'one request in the window is below the minimum volume');
  advance(5_000);
  await outcomes(breaker, 'FFFFFFFFF');
  assert.equal(breaker.state, 'open', 'the failure 5 s ago is still in the window: 10 requests, all failed');
});

test('breakers with the same bucket length share one rotation timer on the clock', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const clock = new FakeClock();
  const rotation = new BucketRotation(clock);
  const breakers = Array.from({ length: 100 }, (_, i) => new ErrorRateBreaker(`c${i}`, CONFIG, rotation));
  const other = new ErrorRateBreaker('other', { ...CONFIG, buckets: 5 }, rotation);
  assert.equal(rotation.timers, 2);
  assert.equal(clock.pending, 2);
  for (const breaker of breakers) breaker.close();
  assert.equal(rotation.timers, 1);
  other.close();
  assert.equal(rotation.timers, 0);
  assert.equal(clock.pending, 0);
});
