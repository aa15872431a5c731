// End to end over HTTP/1.1: active HTTP health checks probe every host; a host whose probe
// fails leaves load balancing and takes traffic again once its probes pass.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap } from './fixtures/bootstraps.ts';
import { openMesh, tally } from './fixtures/mesh.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { MODES } from './modes.ts';

const HEALTH_CHECK = {
  timeout: '0.5s',
  interval: '0.05s',
  unhealthy_threshold: 1,
  healthy_threshold: 1,
  http_health_check: { path: '/healthz', request_headers_to_add: [{ header: { key: 'x-probe', value: 'e2e' } }] },
};

for (const mode of MODES) {
  describe(`active health checks (${mode})`, () => {
    const healthy = new Map<string, boolean>([['a', true], ['b', true]]);
    let a: Upstream;
    let b: Upstream;
    let mesh: Mesh;

    /** Resolves once `u` has answered two more probes: the first's verdict is in when the second is sent. */
    const probedTwice = (u: Upstream) => u.waitForCount(u.count('/healthz') + 2, '/healthz');

    before(async () => {
      const handler = (name: string) => startUpstream(name, 'http1', (req, reply) => reply.send(req.path === '/healthz' && !healthy.get(name) ? 503 : 200));
      [a, b] = [await handler('a'), await handler('b')];
      mesh = await openMesh(mode, serviceBootstrap([{ match: { prefix: '/' }, route: { cluster: 'pair' } }], [clusterOf('pair', [a, b], { health_checks: [HEALTH_CHECK] })]));
    });
    after(async () => {
      await mesh?.close();
      await closeAll([a, b]);
    });

    it('probes every host with the configured request', async () => {
      await Promise.all([probedTwice(a), probedTwice(b)]);
      const probe = b.requests.find((r) => r.path === '/healthz')!;
      assert.deepEqual([probe.method, probe.headers.host, probe.headers['user-agent'], probe.headers['x-probe']], ['GET', 'pair', 'sidelet/HC', 'e2e']);
      const counts = await tally(mesh, 20, '/api');
      assert.deepEqual([...counts.keys()].sort(), ['a', 'b'], 'both hosts pass and take traffic');
    });

    it('takes a host that fails its probe out of load balancing', async () => {
      healthy.set('b', false);
      await probedTwice(b);
      const before = b.count('/api');
      assert.deepEqual([...(await tally(mesh, 20, '/api'))], [['a', 20]]);
      assert.equal(b.count('/api'), before);
    });

    it('brings the host back once its probe passes again', async () => {
      healthy.set('b', true);
      await probedTwice(b);
      const counts = await tally(mesh, 20, '/api');
      assert.deepEqual([...counts.keys()].sort(), ['a', 'b']);
    });
  });
}
