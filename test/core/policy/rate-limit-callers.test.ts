// Per-caller limits: each configured caller app has its own bucket, others share the default;
// priorities by call > caller > default; caller and priority read from configured headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RateLimitConfig } from '../../../src/core/model/policy-rate-limit.ts';
import { CallerRateLimiter, callerOf, headerPriority } from '../../../src/core/policy/rate-limit-callers.ts';
import { TOKEN_BUCKET_BYTES } from '../../../src/core/policy/token-bucket.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const config: RateLimitConfig = {
  statPrefix: 'test',
  status: 429,
  tokenBucket: { maxTokens: 2, tokensPerFill: 2, fillIntervalMs: 1000 },
  enabledPerMillion: 1_000_000,
  enforcedPerMillion: 1_000_000,
  callerHeader: 'x-caller-app',
  callers: [
    { app: 'checkout', tokenBucket: { maxTokens: 3, tokensPerFill: 3, fillIntervalMs: 1000 }, priority: 10 },
    { app: 'batch', tokenBucket: undefined, priority: -5 },
  ],
  priorityHeader: 'x-priority',
  defaultPriority: 0,
  maxQueueingTimeMs: 0,
  priorities: [],
  maxQueueSize: 0,
  warmUp: undefined,
};

async function admitted(limiter: CallerRateLimiter, caller: string | undefined, tries: number): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: tries }, () => limiter.acquire({ caller })));
  return results.filter((r) => r.status === 'fulfilled').length;
}

test('a caller with its own bucket is limited apart from everyone else', async () => {
  const limiter = new CallerRateLimiter(config, new FakeClock());
  assert.equal(await admitted(limiter, 'checkout', 5), 3);
  assert.equal(await admitted(limiter, 'unknown-app', 5), 2, 'checkout used none of the default bucket');
  assert.equal(await admitted(limiter, undefined, 1), 0, 'callers without a bucket share the default one');
  assert.equal(await admitted(limiter, 'batch', 1), 0);
});

test('buckets are allocated per caller through the allocator (SharedArrayBuffers in worker mode)', () => {
  const asked: (string | undefined)[] = [];
  new CallerRateLimiter(config, new FakeClock(), (caller) => {
    asked.push(caller);
    return new SharedArrayBuffer(TOKEN_BUCKET_BYTES);
  });
  assert.deepEqual(asked, [undefined, 'checkout']);
});

test('priority: the call\'s own, else the caller app\'s, else the default', () => {
  const limiter = new CallerRateLimiter(config, new FakeClock());
  assert.equal(limiter.priorityFor('checkout', 3), 3);
  assert.equal(limiter.priorityFor('checkout'), 10);
  assert.equal(limiter.priorityFor('batch'), -5);
  assert.equal(limiter.priorityFor('other'), 0);
  assert.equal(limiter.priorityFor(undefined), 0);
});

test('caller and priority come from the configured headers when usable', () => {
  const headers = new Map([
    ['x-caller-app', ' checkout '],
    ['x-priority', '7'],
  ]);
  assert.equal(callerOf(config, headers), 'checkout');
  assert.equal(headerPriority(config, headers), 7);
  assert.equal(callerOf(config, new Map([['x-caller-app', '']])), undefined);
  assert.equal(headerPriority(config, new Map([['x-priority', 'high']])), undefined);
  assert.equal(headerPriority(config, new Map([['x-priority', '-2']])), -2);
  assert.equal(callerOf({ callerHeader: undefined }, headers), undefined);
});
