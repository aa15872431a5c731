// A cluster's error-rate breakers: one for the cluster, or one per method created on first use
// and bounded by max_methods (least recently used dropped, its timers released).
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { MeshError } from '../../../src/core/errors.ts';
import { DEFAULT_ERROR_RATE_BREAKER, type ErrorRateBreakerConfig } from '../../../src/core/model/policy-circuit-breakers.ts';
import { BucketRotation } from '../../../src/core/policy/error-rate-breaker-rotation.ts';
import { ClusterErrorRateBreakers } from '../../../src/core/policy/error-rate-breakers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const CONFIG: ErrorRateBreakerConfig = { ...DEFAULT_ERROR_RATE_BREAKER, minRequestVolume: 2, errorPercent: 50 };
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(t: TestContext, config: ErrorRateBreakerConfig) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  const clock = new FakeClock();
  const rotation = new BucketRotation(clock);
  const opened: string[] = [];
  const breakers = new ClusterErrorRateBreakers('reviews', config, rotation, (name, state) => {
    if (state === 'open') opened.push(name);
  });
  t.after(() => breakers.close());
  return { breakers, rotation, opened };
}

async function fail(breakers: ClusterErrorRateBreakers, method: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const permit = breakers.tryAcquire(method);
    assert.ok(!(permit instanceof MeshError));
    permit.failure();
  }
  await settle();
}

test('without per_method, every method shares the cluster breaker', async (t) => {
  const { breakers, opened } = setup(t, CONFIG);
  await fail(breakers, 'GET /a', 2);
  const refused = breakers.tryAcquire('GET /b');
  assert.ok(refused instanceof MeshError);
  assert.equal(refused.message, 'reviews: error-rate breaker open');
  assert.deepEqual(opened, ['reviews']);
  assert.equal(breakers.size, 1);
});

test('per_method: a failing method opens its own breaker only', async (t) => {
  const { breakers, opened } = setup(t, { ...CONFIG, perMethod: true });
  assert.equal(breakers.size, 0, 'breakers are made on first use');
  await fail(breakers, '/pkg.Svc/Get', 2);
  assert.equal(breakers.state('/pkg.Svc/Get'), 'open');
  assert.equal(breakers.state('/pkg.Svc/List'), 'closed');
  assert.ok(!(breakers.tryAcquire('/pkg.Svc/List') instanceof MeshError));
  const refused = breakers.tryAcquire('/pkg.Svc/Get');
  assert.ok(refused instanceof MeshError);
  assert.equal(refused.message, 'reviews /pkg.Svc/Get: error-rate breaker open');
  assert.deepEqual(opened, ['reviews /pkg.Svc/Get']);
});

test('per_method: beyond max_methods the least recently used breaker is dropped', async (t) => {
  const { breakers, rotation } = setup(t, { ...CONFIG, perMethod: true, maxMethods: 2 });
  await fail(breakers, 'a', 2);
  breakers.tryAcquire('b');
  breakers.tryAcquire('a');
  breakers.tryAcquire('c');
  assert.equal(breakers.size, 2);
  assert.equal(breakers.state('a'), 'open', 'a was used after b, so b went');
  breakers.tryAcquire('d');
  assert.equal(breakers.state('a'), 'closed', 'a, dropped, starts again closed');
  assert.equal(breakers.size, 2);
  breakers.close();
  assert.equal(breakers.size, 0);
  assert.equal(rotation.timers, 0, 'closing releases the shared rotation timer');
});
