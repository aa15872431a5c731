// End to end, over HTTP/1.1 and h2c upstreams: a weighted 80/20 split, header routing, and
// subsets picked by endpoint labels (metadata_match, with the default subset as fallback).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, serviceBootstrap } from './fixtures/bootstraps.ts';
import { openMesh, tally } from './fixtures/mesh.ts';
import { closeAll, PROTOCOLS, startUpstreams, type Upstream } from './fixtures/upstream.ts';
import { MODES } from './modes.ts';

for (const mode of MODES) {
  for (const protocol of PROTOCOLS) {
    describe(`routing over ${protocol} (${mode})`, () => {
      let upstreams: Upstream[];
      let mesh: Mesh;

      before(async () => {
        upstreams = await startUpstreams(['v1a', 'v1b', 'v2', 'canary'], protocol);
        const [v1a, v1b, v2, canary] = upstreams as [Upstream, Upstream, Upstream, Upstream];
        const subsets = { lb_subset_config: { fallback_policy: 'DEFAULT_SUBSET', default_subset: { version: 'v1' }, subset_selectors: [{ keys: ['version'] }] } };
        mesh = await openMesh(
          mode,
          serviceBootstrap(
            [
              { match: { prefix: '/', headers: [{ name: 'x-canary', string_match: { exact: 'yes' } }] }, route: { cluster: 'canary' } },
              { match: { prefix: '/weighted' }, route: { weighted_clusters: { clusters: [{ name: 'stable', weight: 80 }, { name: 'canary', weight: 20 }] } } },
              {
                match: { prefix: '/', headers: [{ name: 'x-version', string_match: { exact: 'v2' } }] },
                route: { cluster: 'stable', metadata_match: { filter_metadata: { 'envoy.lb': { version: 'v2' } } } },
              },
              { match: { prefix: '/' }, route: { cluster: 'stable' } },
            ],
            [clusterOf('stable', [v1a, v1b, v2], subsets, { v1a: { version: 'v1' }, v1b: { version: 'v1' }, v2: { version: 'v2' } }), clusterOf('canary', [canary])],
          ),
        );
      });
      after(async () => {
        await mesh?.close();
        await closeAll(upstreams);
      });

      it('splits weighted clusters 80/20 over 500 calls, within 8 points', async (t) => {
        const counts = await tally(mesh, 500, '/weighted');
        const canaryShare = ((counts.get('canary') ?? 0) / 500) * 100;
        t.diagnostic(`canary share: ${canaryShare.toFixed(1)} %`);
        assert.ok(Math.abs(canaryShare - 20) <= 8, `canary took ${canaryShare.toFixed(1)} % of the calls, expected 20 ± 8`);
        const version = protocol === 'h2c' ? '2.0' : '1.1';
        assert.ok(upstreams.every((u) => u.requests.every((r) => r.httpVersion === version)), `every upstream request went over HTTP ${version}`);
      });

      it('routes by a request header', async () => {
        assert.deepEqual([...(await tally(mesh, 20, '/api', { headers: { 'x-canary': 'yes' } }))], [['canary', 20]]);
        const plain = await tally(mesh, 20, '/api');
        assert.equal(plain.get('canary'), undefined, 'no canary traffic without the header');
      });

      it('picks the subset the route names by label, and the default subset otherwise', async () => {
        assert.deepEqual([...(await tally(mesh, 20, '/api', { headers: { 'x-version': 'v2' } }))], [['v2', 20]]);
        const fallback = await tally(mesh, 20, '/api');
        assert.deepEqual([...fallback.keys()].sort(), ['v1a', 'v1b'], 'the default subset (version v1), both hosts balanced');
      });
    });
  }
}
