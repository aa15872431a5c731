// End to end over HTTP/1.1: Envoy's fault filter on real traffic — aborts answered by the mesh
// (flag FI) that never reach the upstream, delays before the upstream sees the request, aborts
// asked for by a request header, and a 50 % abort rate over many calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, faultFilter, percent, serviceBootstrap } from './fixtures/bootstraps.ts';
import { call, openMesh } from './fixtures/mesh.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { MODES } from './modes.ts';

const DELAY_MS = 200;

for (const mode of MODES) {
  describe(`fault injection (${mode})`, () => {
    let upstream: Upstream;
    let mesh: Mesh;

    before(async () => {
      upstream = await startUpstream('reviews');
      const route = (prefix: string, fault: object) => ({ match: { prefix }, route: { cluster: 'reviews' }, typed_per_filter_config: faultFilter(fault) });
      mesh = await openMesh(
        mode,
        serviceBootstrap(
          [
            route('/abort', { abort: { http_status: 503, percentage: percent(100) }, headers: [{ name: 'x-chaos', present_match: true }] }),
            route('/delay', { delay: { fixed_delay: `${DELAY_MS / 1000}s`, percentage: percent(100) } }),
            route('/asked', { abort: { header_abort: {}, percentage: percent(100) } }),
            route('/half', { abort: { http_status: 503, percentage: percent(50) } }),
          ],
          [clusterOf('reviews', [upstream])],
        ),
      );
    });
    after(async () => {
      await mesh?.close();
      await closeAll([upstream]);
    });

    it('aborts matching requests in the mesh; the upstream never sees them', async () => {
      const res = await call(mesh, '/abort', { headers: { 'x-chaos': '1' } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-sidelet-response-flags'), 'FI');
      assert.equal(upstream.count('/abort'), 0);
      assert.equal((await call(mesh, '/abort')).status, 200, 'no x-chaos header: no fault');
      assert.equal(upstream.count('/abort'), 1);
    });

    it('delays a request before it reaches the upstream', async () => {
      const started = performance.now();
      const res = await call(mesh, '/delay');
      assert.equal(res.status, 200);
      const arrived = upstream.requests.find((r) => r.path === '/delay')!.at - started;
      assert.ok(arrived >= DELAY_MS - 20, `reached the upstream after ${arrived.toFixed(0)} ms, expected at least ${DELAY_MS}`);
    });

    it('aborts with the status a request header asks for', async () => {
      const res = await call(mesh, '/asked', { headers: { 'x-envoy-fault-abort-request': '418' } });
      assert.equal(res.status, 418);
      assert.equal(res.headers.get('x-sidelet-response-flags'), 'FI');
      assert.equal((await call(mesh, '/asked')).status, 200, 'no header: no fault');
      assert.equal(upstream.count('/asked'), 1);
    });

    it('aborts about half the calls at 50 %, within 12 points over 200 calls', async () => {
      let aborted = 0;
      for (let i = 0; i < 200; i++) if ((await call(mesh, '/half')).status === 503) aborted++;
      assert.ok(Math.abs(aborted / 2 - 50) <= 12, `${aborted / 2} % aborted`);
      assert.equal(upstream.count('/half'), 200 - aborted, 'only the calls not aborted reached the upstream');
    });
  });
}
