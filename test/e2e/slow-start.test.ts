// End to end over HTTP/1.1: round robin's slow_start_config on real traffic. A host that joins
// the cluster (an EDS update from a real ADS server) or comes back from failing active health
// checks takes a small share of calls at first and its full share once the window has passed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { AdsFixture } from '../xds/fixtures/ads-server.ts';
import { assignment, CDS, EDS, edsCluster, LDS, listener, RDS, routeConfig } from '../xds/fixtures/resources.ts';
import { clusterOf, serviceBootstrap } from './fixtures/bootstraps.ts';
import { openMesh, tally } from './fixtures/mesh.ts';
import { closeAll, startUpstream, startUpstreams, type Upstream } from './fixtures/upstream.ts';
import { until } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

const WINDOW_MS = 1000;
/**
 * Weight factor (age / window)^(1 / aggression): at 0.25 a host stays at min_weight_percent (10 %)
 * for the first half of its window, so a slow machine cannot push the early share up.
 */
const AGGRESSION = { default_value: 0.25, runtime_key: 'e2e.slow_start.aggression' };
/** Calls right after the host turns healthy: it is at most a few hundred ms into its window. */
const EARLY_CALLS = 60;
/** Without slow start the new host would take half; early in the window it takes a fraction of that. */
const EARLY_SHARE_MAX = 0.35;

/** The share of `n` calls the upstream named `name` answered. */
async function shareOf(mesh: Mesh, name: string, n: number): Promise<number> {
  return ((await tally(mesh, n, '/api')).get(name) ?? 0) / n;
}

async function afterWindow(since: number): Promise<void> {
  await until(() => performance.now() - since > WINDOW_MS + 100, 'the slow-start window to pass');
}

for (const mode of MODES) {
  describe(`slow start (${mode})`, () => {
    it('ramps up a host an EDS update adds', async (t) => {
      const [old, fresh] = (await startUpstreams(['old', 'fresh'])) as [Upstream, Upstream];
      const control = await AdsFixture.start();
      const slowStart = { round_robin_lb_config: { slow_start_config: { slow_start_window: { seconds: Math.floor(WINDOW_MS / 1000), nanos: (WINDOW_MS % 1000) * 1e6 }, aggression: AGGRESSION } } };
      control.setResources(LDS, 'l1', [listener('reviews:80', 'reviews-routes')]);
      control.setResources(RDS, 'r1', [routeConfig('reviews-routes', 'reviews', ['reviews'])]);
      control.setResources(CDS, 'c1', [edsCluster('reviews', slowStart)]);
      control.setResources(EDS, 'e1', [assignment('reviews-eds', [old.port])]);
      t.after(async () => {
        await control.close();
        await closeAll([old, fresh]);
      });
      const mesh = await openMesh(mode, { xds_servers: [{ server_uri: control.target, channel_creds: [{ type: 'insecure' }] }], node: { id: 'e2e-slow-start' } });
      t.after(() => mesh.close());

      assert.equal(await shareOf(mesh, 'old', 10), 1, 'one host before the update');
      // The first call built the balancer, which started the old host's window: let it pass.
      await afterWindow(performance.now());
      control.setResources(EDS, 'e2', [assignment('reviews-eds', [old.port, fresh.port])]);
      await control.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'e2');
      const joined = performance.now();
      const early = await shareOf(mesh, 'fresh', EARLY_CALLS);
      t.diagnostic(`new host's share: ${(early * 100).toFixed(0)} % of ${EARLY_CALLS} calls early in its window`);
      assert.ok(early > 0 && early < EARLY_SHARE_MAX, `the new host took ${(early * 100).toFixed(0)} % early in its window`);
      await afterWindow(joined);
      const late = await shareOf(mesh, 'fresh', 100);
      t.diagnostic(`new host's share after its window: ${(late * 100).toFixed(0)} %`);
      assert.ok(Math.abs(late - 0.5) <= 0.12, `the new host took ${(late * 100).toFixed(0)} % after its window`);
    });

    describe('a host back from failing active health checks', () => {
      const healthy = new Map<string, boolean>([['steady', true], ['back', true]]);
      let steady: Upstream;
      let back: Upstream;
      let mesh: Mesh;
      const probedTwice = (u: Upstream) => u.waitForCount(u.count('/healthz') + 2, '/healthz');

      before(async () => {
        const handler = (name: string) => startUpstream(name, 'http1', (req, reply) => reply.send(req.path === '/healthz' && !healthy.get(name) ? 503 : 200));
        [steady, back] = [await handler('steady'), await handler('back')];
        const checks = [{ timeout: '0.5s', interval: '0.05s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/healthz' } }];
        const slowStart = { round_robin_lb_config: { slow_start_config: { slow_start_window: `${WINDOW_MS / 1000}s`, aggression: AGGRESSION } } };
        mesh = await openMesh(mode, serviceBootstrap([{ match: { prefix: '/' }, route: { cluster: 'pair' } }], [clusterOf('pair', [steady, back], { ...slowStart, health_checks: checks })]));
      });
      after(async () => {
        await mesh?.close();
        await closeAll([steady, back]);
      });

      it('ramps up again from the moment it passes', async (t) => {
        await Promise.all([probedTwice(steady), probedTwice(back)]);
        // The first call builds the balancer, which starts both hosts' windows: let them pass.
        await shareOf(mesh, 'back', 2);
        await afterWindow(performance.now());
        const settled = await shareOf(mesh, 'back', 100);
        assert.ok(Math.abs(settled - 0.5) <= 0.12, `both hosts past their window share evenly (back took ${(settled * 100).toFixed(0)} %)`);

        healthy.set('back', false);
        await probedTwice(back);
        assert.equal(await shareOf(mesh, 'back', 10), 0, 'out of rotation while failing');
        healthy.set('back', true);
        await probedTwice(back);
        const returned = performance.now();
        const early = await shareOf(mesh, 'back', EARLY_CALLS);
        t.diagnostic(`returning host's share: ${(early * 100).toFixed(0)} % of ${EARLY_CALLS} calls early in its window`);
        assert.ok(early > 0 && early < EARLY_SHARE_MAX, `the returning host took ${(early * 100).toFixed(0)} % early in its window`);
        await afterWindow(returned);
        const late = await shareOf(mesh, 'back', 100);
        t.diagnostic(`returning host's share after its window: ${(late * 100).toFixed(0)} %`);
        assert.ok(Math.abs(late - 0.5) <= 0.12, `the returning host took ${(late * 100).toFixed(0)} % after its window`);
      });
    });
  });
}
