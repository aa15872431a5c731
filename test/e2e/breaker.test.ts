// End to end over HTTP/1.1: the error-rate breaker opens on failing traffic, refuses calls
// without reaching the upstream, and closes again through its half-open trial once the upstream
// recovers; the max_requests threshold refuses the call past the limit while others are in flight.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap } from './fixtures/bootstraps.ts';
import { call, failureCode, openMesh } from './fixtures/mesh.ts';
import { closeAll, type Reply, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { until } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

const RESET_TIMEOUT_MS = 300;

for (const mode of MODES) {
  describe(`circuit breaking (${mode})`, () => {
    let failing = true;
    let upstream: Upstream;
    let holder: Upstream;
    const held: Reply[] = [];
    let mesh: Mesh;

    before(async () => {
      upstream = await startUpstream('reviews', 'http1', (_req, reply) => (failing ? reply.send(500, 'broken') : reply.send(200)));
      holder = await startUpstream('holder', 'http1', (_req, reply) => held.push(reply));
      const breaker = { error_percent: 50, min_request_volume: 4, window: '10s', reset_timeout: `${RESET_TIMEOUT_MS / 1000}s` };
      mesh = await openMesh(
        mode,
        serviceBootstrap(
          [
            { match: { prefix: '/held' }, route: { cluster: 'narrow' } },
            { match: { prefix: '/' }, route: { cluster: 'reviews' } },
          ],
          [
            clusterOf('reviews', [upstream], { metadata: { filter_metadata: { sidelet: { error_rate_breaker: breaker } } } }),
            clusterOf('narrow', [holder], { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: 2 }] } }),
          ],
        ),
      );
    });
    after(async () => {
      await mesh?.close();
      await closeAll([upstream, holder]);
    });

    it('opens after failing calls, refusing calls before they reach the upstream', async () => {
      for (let i = 0; i < 4; i++) assert.equal((await call(mesh, '/api')).status, 500, `failing call ${i}`);
      assert.equal(upstream.count(), 4);
      assert.equal(await failureCode(call(mesh, '/api')), 'SIDELET_BREAKER_OPEN');
      const res = await call(mesh, '/api', { mesh: { errorsAsResponses: true } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-sidelet-response-flags'), 'UO');
      assert.equal(upstream.count(), 4, 'the open breaker kept calls away from the upstream');
    });

    it('closes through a half-open trial once the reset timeout has passed and the upstream is well', async () => {
      failing = false;
      const openedAt = performance.now();
      let refused = 0;
      await until(async () => {
        const pending = call(mesh, '/api');
        const ok = await pending.then((r) => r.status === 200, async () => (await failureCode(pending)) !== 'SIDELET_BREAKER_OPEN');
        if (!ok) refused++;
        return ok;
      }, 'the breaker to admit a trial call');
      const closedAfter = performance.now() - openedAt;
      assert.ok(refused >= 1, 'calls right after opening were refused');
      assert.ok(closedAfter >= RESET_TIMEOUT_MS - 50, `stayed open ${closedAfter.toFixed(0)} ms, at least the reset timeout`);
      for (let i = 0; i < 5; i++) assert.equal((await call(mesh, '/api')).status, 200, 'closed again: calls flow');
      assert.equal(upstream.count(), 4 + 1 + 5, 'the trial and the later calls reached the upstream, no refused one did');
    });

    it('refuses the call past max_requests while the others are in flight', async () => {
      const inFlight = [call(mesh, '/held'), call(mesh, '/held')];
      await holder.waitForCount(2);
      assert.equal(await failureCode(call(mesh, '/held')), 'SIDELET_UPSTREAM_OVERFLOW');
      assert.equal(holder.count(), 2, 'the refused call never reached the upstream');
      for (const reply of held.splice(0)) reply.send(200);
      assert.deepEqual((await Promise.all(inFlight)).map((r) => r.status), [200, 200]);
      const again = call(mesh, '/held');
      await holder.waitForCount(3);
      held.splice(0).forEach((reply) => reply.send(200));
      assert.equal((await again).status, 200, 'admitted again once the others finished');
    });
  });
}
