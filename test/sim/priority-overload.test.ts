// Seeded overload simulation on the fake clock: a 100 rps limiter with priority queues under 2×
// overload for 60 s (20 % high, 30 % medium, 50 % low priority). High priority must get through
// within its maximum wait; low priority is what gets shed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MeshError } from '../../src/core/errors.ts';
import { PriorityRateLimiter, type QueueingConfig } from '../../src/core/policy/rate-limit-limiter.ts';
import { TokenBucket } from '../../src/core/policy/token-bucket.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const RATE = 100;
const SECONDS = 60;
const CLASSES = [
  { name: 'high', priority: 10, share: 0.2, maxWaitMs: 1000 },
  { name: 'medium', priority: 5, share: 0.3, maxWaitMs: 500 },
  { name: 'low', priority: 0, share: 0.5, maxWaitMs: 200 },
] as const;

interface Tally {
  offered: number;
  admitted: number;
  withinMaxWait: number;
  rejected: Record<string, number>;
}

test('under 2× overload, high priority is admitted within its maximum wait and low priority is shed first', async () => {
  const clock = new FakeClock();
  const random = seededRandom(2024);
  const queueing: QueueingConfig = {
    defaultPriority: 0,
    maxQueueingTimeMs: 200,
    priorities: CLASSES.map((c) => ({ priority: c.priority, maxQueueingTimeMs: c.maxWaitMs })),
    maxQueueSize: 40,
  };
  const limiter = new PriorityRateLimiter(TokenBucket.create({ maxTokens: 10, tokensPerFill: 10, fillIntervalMs: 100 }, clock), queueing, clock);
  const tallies = new Map<string, Tally>(CLASSES.map((c) => [c.name, { offered: 0, admitted: 0, withinMaxWait: 0, rejected: {} }]));

  // Poisson arrivals at 2 × RATE, each of a class drawn by share.
  let next = -Math.log(1 - random()) * (1000 / (2 * RATE));
  for (let ms = 1; ms <= SECONDS * 1000 + 2000; ms++) {
    clock.advance(1);
    while (next <= clock.now() && clock.now() <= SECONDS * 1000) {
      const draw = random();
      const c = draw < CLASSES[0].share ? CLASSES[0] : draw < CLASSES[0].share + CLASSES[1].share ? CLASSES[1] : CLASSES[2];
      const tally = tallies.get(c.name)!;
      const arrived = clock.now();
      tally.offered++;
      limiter.acquire({ priority: c.priority }).then(
        () => {
          tally.admitted++;
          // Promises are seen at the end of the 1 ms step they settled in.
          if (clock.now() - arrived <= c.maxWaitMs + 1) tally.withinMaxWait++;
        },
        (error: MeshError) => {
          tally.rejected[error.code] = (tally.rejected[error.code] ?? 0) + 1;
        },
      );
      next += -Math.log(1 - random()) * (1000 / (2 * RATE));
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const rows = CLASSES.map((c) => {
    const t = tallies.get(c.name)!;
    return {
      priority: `${c.name} (${c.priority})`,
      offered: t.offered,
      admitted: t.admitted,
      'admitted %': ((100 * t.admitted) / t.offered).toFixed(1),
      'within max wait %': ((100 * t.withinMaxWait) / t.offered).toFixed(1),
      rejected: Object.entries(t.rejected).map(([code, n]) => `${code.replace('SIDELET_', '')}=${n}`).join(' '),
    };
  });
  console.log(`priority overload: ${RATE} rps limit, ${2 * RATE} rps offered for ${SECONDS} s`);
  console.table(rows);

  const share = (name: string) => tallies.get(name)!.admitted / tallies.get(name)!.offered;
  const high = tallies.get('high')!;
  assert.ok(high.withinMaxWait / high.offered >= 0.99, `high within max wait: ${high.withinMaxWait}/${high.offered}`);
  assert.ok(share('low') < share('medium') && share('low') < share('high'), 'low has the lowest admitted share');
  const admitted = [...tallies.values()].reduce((sum, t) => sum + t.admitted, 0);
  assert.ok(admitted <= RATE * (SECONDS + 2) + 10, `admitted ${admitted}: never above the limit`);
  assert.ok(admitted >= RATE * SECONDS * 0.98, `admitted ${admitted}: the limit is used`);
  assert.equal(limiter.queued, 0);
});
