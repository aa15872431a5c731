// End to end over HTTP/1.1: the error-rate breaker opens on failing traffic, refuses calls
// without reaching the upstream, and closes again through its half-open trial once the upstream
// recovers, admitting one trial for the whole process while half-open; the max_requests threshold
// refuses the call past the limit while others are in flight.
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
    let trialMode: 'fail' | 'hold' = 'fail';
    let trialUpstream: Upstream;
    const trialHeld: Reply[] = [];
    let mesh: Mesh;

    before(async () => {
      upstream = await startUpstream('reviews', 'http1', (_req, reply) => (failing ? reply.send(500, 'broken') : reply.send(200)));
      holder = await startUpstream('holder', 'http1', (_req, reply) => held.push(reply));
      trialUpstream = await startUpstream('trial', 'http1', (_req, reply) => (trialMode === 'fail' ? reply.send(500, 'broken') : trialHeld.push(reply)));
      const breaker = { error_percent: 50, min_request_volume: 4, window: '10s', reset_timeout: `${RESET_TIMEOUT_MS / 1000}s` };
      mesh = await openMesh(
        mode,
        serviceBootstrap(
          [
            { match: { prefix: '/held' }, route: { cluster: 'narrow' } },
            { match: { prefix: '/trial' }, route: { cluster: 'trial' } },
            { match: { prefix: '/' }, route: { cluster: 'reviews' } },
          ],
          [
            clusterOf('reviews', [upstream], { metadata: { filter_metadata: { sidelet: { error_rate_breaker: breaker } } } }),
            clusterOf('narrow', [holder], { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: 2 }] } }),
            clusterOf('trial', [trialUpstream], { metadata: { filter_metadata: { sidelet: { error_rate_breaker: breaker } } } }),
          ],
        ),
      );
    });
    after(async () => {
      await mesh?.close();
      await closeAll([upstream, holder, trialUpstream]);
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

    it('half-open admits one trial for the whole process: concurrent calls are refused while it is in flight', async () => {
      for (let i = 0; i < 4; i++) assert.equal((await call(mesh, '/trial')).status, 500, `failing call ${i}`);
      assert.equal(await failureCode(call(mesh, '/trial')), 'SIDELET_BREAKER_OPEN');
      trialMode = 'hold';
      // Calls are refused until the reset timeout passes; the first one admitted is the trial, held by the upstream.
      let trial: Promise<unknown> | undefined;
      await until(async () => {
        const pending = call(mesh, '/trial');
        const admitted = await Promise.race([failureCode(pending).then(() => false), trialUpstream.waitForCount(5).then(() => true)]);
        if (admitted) trial = pending;
        return admitted;
      }, 'the half-open breaker to admit its trial');
      // In worker mode these spread over the data-plane workers, each of which learned of the half-open state.
      const refusals = await Promise.allSettled(Array.from({ length: 8 }, () => call(mesh, '/trial')));
      for (const refusal of refusals) {
        assert.equal(refusal.status, 'rejected');
        assert.match(String((refusal as PromiseRejectedResult).reason), /error-rate breaker half-open and its one trial request is in flight/);
      }
      assert.equal(trialUpstream.count(), 5, 'only the trial reached the upstream');
      trialHeld.splice(0).forEach((reply) => reply.send(200));
      assert.equal(((await trial) as { status: number }).status, 200);
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
