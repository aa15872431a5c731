// End to end over HTTP/1.1: a token bucket refuses calls past its tokens before they reach the
// upstream, and a priority-queued limit serves waiting calls highest priority first (priority
// from a per-call option or a header), refusing at once a priority that may not queue.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap, sideletRateLimit } from './fixtures/bootstraps.ts';
import { call, failureCode, openMesh } from './fixtures/mesh.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { MODES } from './modes.ts';

for (const mode of MODES) {
  describe(`rate limiting (${mode})`, () => {
    let upstream: Upstream;
    let mesh: Mesh;

    before(async () => {
      upstream = await startUpstream('reviews');
      const strict = sideletRateLimit({ token_bucket: { max_tokens: 3, tokens_per_fill: 3, fill_interval: '60s' } });
      const queued = sideletRateLimit({
        token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '0.4s' },
        priority_header: 'x-priority',
        max_queueing_time: '5s',
        priorities: [{ priority: -10, max_queueing_time: '0s' }],
      });
      mesh = await openMesh(
        mode,
        serviceBootstrap(
          [
            { match: { prefix: '/strict' }, route: { cluster: 'reviews' }, typed_per_filter_config: strict },
            { match: { prefix: '/queued' }, route: { cluster: 'reviews' }, typed_per_filter_config: queued },
          ],
          [clusterOf('reviews', [upstream])],
        ),
      );
    });
    after(async () => {
      await mesh?.close();
      await closeAll([upstream]);
    });

    it('refuses calls past the bucket without reaching the upstream', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, (_, i) => {
          const pending = call(mesh, `/strict/${i}`);
          return pending.then((r) => String(r.status), () => failureCode(pending));
        }),
      );
      assert.deepEqual(outcomes.sort(), ['200', '200', '200', 'SIDELET_RATE_LIMITED', 'SIDELET_RATE_LIMITED']);
      const res = await call(mesh, '/strict/late', { mesh: { errorsAsResponses: true } });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('x-sidelet-response-flags'), 'RL');
      assert.equal(upstream.count('/strict'), 3);
    });

    it('serves queued calls highest priority first', async () => {
      // The first takes the only token; the rest, started in one turn, wait for refills. In worker
      // mode calls reach the limiter's thread through different workers, so the first goes alone.
      const first = call(mesh, '/queued/first');
      await upstream.waitForCount(1, '/queued/first');
      const calls = [
        first,
        call(mesh, '/queued/low-1'),
        call(mesh, '/queued/low-2'),
        call(mesh, '/queued/high-header', { headers: { 'x-priority': '10' } }),
        call(mesh, '/queued/high-option', { mesh: { priority: 10 } }),
      ];
      const noQueue = call(mesh, '/queued/never-waits', { mesh: { priority: -10 } });
      assert.equal(await failureCode(noQueue), 'SIDELET_RATE_LIMITED', 'a priority with no queueing time is refused at once');
      assert.deepEqual((await Promise.all(calls)).map((r) => r.status), [200, 200, 200, 200, 200]);
      // Highest priority first; within one priority, calls from different worker threads reach the
      // limiter in no set order, so only the classes' order is asserted.
      assert.deepEqual(
        upstream.requests.filter((r) => r.path.startsWith('/queued')).map((r) => r.path.replace(/^\/queued\/(high|low)-.*$/, '$1')),
        ['/queued/first', 'high', 'high', 'low', 'low'],
      );
    });
  });
}
