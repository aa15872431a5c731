// Priority queueing on the fake clock: service order as tokens refill, maximum waits (known at
// once or run out), shedding the lowest priority, abort, and at most one timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshError } from '../../../src/core/errors.ts';
import { PriorityRateLimiter, type QueueingConfig } from '../../../src/core/policy/rate-limit-limiter.ts';
import { TokenBucket } from '../../../src/core/policy/token-bucket.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** One token every 100 ms, one in the bucket at the start. */
const bucketConfig = { maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 100 };
const queueing: QueueingConfig = {
  defaultPriority: 0,
  maxQueueingTimeMs: 1000,
  priorities: [
    { priority: 10, maxQueueingTimeMs: 5000 },
    { priority: -1, maxQueueingTimeMs: 250 },
  ],
  maxQueueSize: 100,
};

function setup(config: QueueingConfig = queueing) {
  const clock = new FakeClock();
  const limiter = new PriorityRateLimiter(TokenBucket.create(bucketConfig, clock), config, clock);
  const log: string[] = [];
  const request = (name: string, priority?: number, signal?: AbortSignal) =>
    limiter.acquire({ priority, signal }).then(
      () => void log.push(`${name}@${clock.now()}`),
      (error: Error) => void log.push(`${name}:${error instanceof MeshError ? error.code : error.name}@${clock.now()}`),
    );
  return { clock, limiter, log, request };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves time 1 ms at a time, letting settled promises log at the time they settled. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  await flush();
  for (let t = 0; t < ms; t++) {
    clock.advance(1);
    await flush();
  }
}

test('queued requests are served highest priority first, FIFO within a priority, one per refill', async () => {
  const { clock, log, request, limiter } = setup();
  request('first');
  request('low-a', 0);
  request('low-b', 0);
  request('high-a', 10);
  request('high-b', 10);
  await flush();
  assert.deepEqual(log, ['first@0']);
  assert.equal(limiter.queued, 4);
  await advance(clock, 400);
  assert.deepEqual(log, ['first@0', 'high-a@100', 'high-b@200', 'low-a@300', 'low-b@400']);
  assert.equal(clock.pending, 0, 'no timer left once the queue is empty');
});

test('a priority that may not queue is refused at once with SIDELET_RATE_LIMITED', async () => {
  const { log, request } = setup({ ...queueing, maxQueueingTimeMs: 0 });
  request('a');
  request('b');
  await flush();
  assert.deepEqual(log, ['a@0', 'b:SIDELET_RATE_LIMITED@0']);
});

test('a request whose wait is known to exceed its maximum is refused at once', async () => {
  const { log, request } = setup();
  request('first');
  request('p0', 0);
  request('low', -1); // one ahead of it: its token comes at 200 ms, within 250 ms
  request('low-2', -1); // two ahead: 300 ms, over 250 ms
  await flush();
  assert.deepEqual(log, ['first@0', 'low-2:SIDELET_QUEUE_TIMEOUT@0']);
});

test('a waiter pushed back by higher priorities times out at its maximum wait, in deadline order', async () => {
  const { clock, log, request } = setup();
  request('first');
  request('low', -1); // may wait 250 ms: predicted 100 ms
  await advance(clock, 50);
  request('high-1', 10);
  request('high-2', 10);
  request('high-3', 10);
  await advance(clock, 1000);
  assert.deepEqual(log, ['first@0', 'high-1@100', 'high-2@200', 'low:SIDELET_QUEUE_TIMEOUT@250', 'high-3@300']);
});

test('a full queue sheds its lowest-priority newest waiter for a higher one and refuses a new lowest', async () => {
  const { clock, log, request } = setup({ ...queueing, maxQueueSize: 3, maxQueueingTimeMs: 10_000, priorities: [] });
  request('first');
  request('mid', 0);
  request('low-old', -1);
  request('low-new', -1);
  await flush();
  request('high', 10);
  request('low-late', -1);
  await flush();
  assert.deepEqual(log, ['first@0', 'low-new:SIDELET_OVERLOADED@0', 'low-late:SIDELET_OVERLOADED@0']);
  request('mid-2', 0);
  await flush();
  assert.deepEqual(log.slice(3), ['low-old:SIDELET_OVERLOADED@0']);
  await advance(clock, 300);
  assert.deepEqual(log.slice(4), ['high@100', 'mid@200', 'mid-2@300']);
});

test('an equal priority does not shed: the new request is refused', async () => {
  const { log, request } = setup({ ...queueing, maxQueueSize: 1 });
  request('first');
  request('a', 0);
  request('b', 0);
  await flush();
  assert.deepEqual(log, ['first@0', 'b:SIDELET_OVERLOADED@0']);
});

test('aborting a waiter takes it out of the queue; the next one moves up', async () => {
  const { clock, log, request, limiter } = setup();
  const controller = new AbortController();
  request('first');
  request('aborted', 0, controller.signal);
  request('next', 0);
  await flush();
  controller.abort();
  await flush();
  assert.equal(limiter.queued, 1);
  await advance(clock, 100);
  assert.deepEqual(log, ['first@0', 'aborted:AbortError@0', 'next@100']);
});

test('an already aborted signal is refused without taking a token', async () => {
  const { log, request, limiter } = setup();
  request('aborted', 0, AbortSignal.abort());
  await flush();
  assert.deepEqual(log, ['aborted:AbortError@0']);
  assert.equal(limiter.bucket.available(), 1);
});

test('aborting the only waiter cancels the limiter\'s timer', async () => {
  const { clock, request } = setup();
  const controller = new AbortController();
  request('first');
  request('w', 0, controller.signal);
  await flush();
  assert.equal(clock.pending, 1);
  controller.abort();
  await flush();
  assert.equal(clock.pending, 0);
});

test('a limiter never has more than one timer pending', async () => {
  const { clock, request } = setup();
  request('first');
  for (let i = 0; i < 20; i++) request(`r${i}`, i % 3 === 0 ? -1 : i % 3 === 1 ? 0 : 10);
  for (let t = 0; t < 30; t++) {
    assert.ok(clock.pending <= 1, `${clock.pending} timers at ${clock.now()}`);
    await advance(clock, 50);
  }
  assert.equal(clock.pending, 0);
});

test('tryTake (enforcement off) never jumps the queue', async () => {
  const { clock, limiter, request } = setup();
  request('first');
  request('waiting', 0);
  await flush();
  clock.advance(100 - 1e-3);
  assert.equal(limiter.tryTake(), false);
});

test('rejections are MeshErrors with the 429 / 503 statuses', async () => {
  const { limiter } = setup({ ...queueing, maxQueueingTimeMs: 0 });
  await limiter.acquire();
  await assert.rejects(limiter.acquire(), (error: unknown) => error instanceof MeshError && error.status === 429 && error.responseFlag === 'RL');
});
