// End to end over h2c: consecutive 5xx answers eject a host from load balancing, traffic goes to
// the other host only, and the host returns once its ejection time has passed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap } from './fixtures/bootstraps.ts';
import { call, openMesh, tally } from './fixtures/mesh.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { until } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

const EJECTION_MS = 400;

for (const mode of MODES) {
  describe(`outlier detection (${mode})`, () => {
    let failing = true;
    let bad: Upstream;
    let good: Upstream;
    let mesh: Mesh;
    let ejectedAt = 0;

    before(async () => {
      bad = await startUpstream('bad', 'h2c', (_req, reply) => reply.send(failing ? 503 : 200));
      good = await startUpstream('good', 'h2c');
      const outlier = {
        consecutive_5xx: 3,
        interval: '0.05s',
        base_ejection_time: `${EJECTION_MS / 1000}s`,
        max_ejection_percent: 50,
      };
      mesh = await openMesh(mode, serviceBootstrap([{ match: { prefix: '/' }, route: { cluster: 'pair' } }], [clusterOf('pair', [bad, good], { outlier_detection: outlier })]));
    });
    after(async () => {
      await mesh?.close();
      await closeAll([bad, good]);
    });

    it('ejects a host after consecutive 5xx answers', async () => {
      // Round robin: every other call lands on the bad host until its third 503.
      await until(async () => {
        await call(mesh, '/api');
        return bad.count() >= 3;
      }, 'the bad host to answer three 503s');
      ejectedAt = performance.now();
      const seen = bad.count();
      assert.deepEqual([...(await tally(mesh, 20, '/api'))], [['good', 20]], 'the ejected host takes no traffic');
      assert.equal(bad.count(), seen);
    });

    it('returns the host once its ejection time has passed', async () => {
      failing = false;
      const seen = bad.count();
      await until(async () => {
        await call(mesh, '/api');
        return bad.count() > seen;
      }, 'the ejected host to take traffic again');
      const ejectedFor = performance.now() - ejectedAt;
      assert.ok(ejectedFor >= EJECTION_MS - 50, `ejected for ${ejectedFor.toFixed(0)} ms, at least base_ejection_time`);
      const counts = await tally(mesh, 20, '/api');
      assert.deepEqual([...counts.keys()].sort(), ['bad', 'good'], 'both hosts balanced again');
    });
  });
}
