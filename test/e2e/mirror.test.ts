// End to end, primary over h2c and shadow over HTTP/1.1: a mirrored request reaches the shadow
// cluster with the "-shadow" host and the same method, path and body; a failing or hanging
// shadow never changes the primary answer; runtime_fraction mirrors about that share of calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mesh } from '../../src/api/index.ts';
import { clusterOf, percent, serviceBootstrap } from './fixtures/bootstraps.ts';
import { call, openMesh } from './fixtures/mesh.ts';
import { closeAll, type Reply, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { until } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

for (const mode of MODES) {
  describe(`request mirroring (${mode})`, () => {
    let primary: Upstream;
    let shadow: Upstream;
    const held: Reply[] = [];
    let mesh: Mesh;

    before(async () => {
      primary = await startUpstream('primary', 'h2c');
      // The shadow fails /mirror/broken, holds /mirror/hang until released, answers the rest.
      shadow = await startUpstream('shadow', 'http1', (req, reply) => {
        if (req.path.startsWith('/mirror/broken')) reply.send(500, 'shadow broke');
        else if (req.path.startsWith('/mirror/hang')) held.push(reply);
        else reply.send(200);
      });
      mesh = await openMesh(
        mode,
        serviceBootstrap(
          [
            { match: { prefix: '/mirror' }, route: { cluster: 'primary', request_mirror_policies: [{ cluster: 'shadow' }] } },
            {
              match: { prefix: '/sampled' },
              route: { cluster: 'primary', request_mirror_policies: [{ cluster: 'shadow', runtime_fraction: { runtime_key: 'mirror', default_value: percent(50) } }] },
            },
          ],
          [clusterOf('primary', [primary]), clusterOf('shadow', [shadow])],
        ),
      );
    });
    after(async () => {
      for (const reply of held.splice(0)) reply.send(200);
      await mesh?.close();
      await closeAll([primary, shadow]);
    });

    it('sends a copy to the shadow cluster with the -shadow host', async () => {
      const res = await call(mesh, '/mirror/orders?id=7', { method: 'POST', body: 'order 7', headers: { 'x-trace': 'abc' } });
      assert.equal(res.status, 200);
      assert.equal(res.servedBy, 'primary');
      await shadow.waitForCount(1, '/mirror/orders');
      const copy = shadow.requests.find((r) => r.path.startsWith('/mirror/orders'))!;
      assert.deepEqual([copy.method, copy.path, copy.body, copy.headers.host, copy.headers['x-trace']], ['POST', '/mirror/orders?id=7', 'order 7', 'reviews-shadow', 'abc']);
      const original = primary.requests.find((r) => r.path.startsWith('/mirror/orders'))!;
      assert.deepEqual([original.body, original.headers.host], ['order 7', 'reviews']);
    });

    it('answers from the primary whatever the shadow does', async () => {
      const broken = await call(mesh, '/mirror/broken');
      assert.deepEqual([broken.status, broken.servedBy], [200, 'primary']);
      await shadow.waitForCount(1, '/mirror/broken');

      const hanging = await call(mesh, '/mirror/hang');
      assert.deepEqual([hanging.status, hanging.servedBy], [200, 'primary']);
      await shadow.waitForCount(1, '/mirror/hang');
      assert.equal(held.length, 1, 'the primary answered while the shadow still held its copy');
    });

    it("drains the shadow's answers, so mirrored calls reuse its HTTP/1.1 connections", async () => {
      const before = shadow.connections();
      for (let i = 0; i < 10; i++) {
        assert.equal((await call(mesh, `/mirror/reuse/${i}`)).status, 200);
        await shadow.waitForCount(i + 1, '/mirror/reuse');
      }
      // A cancelled shadow answer closes its connection: each mirrored call would need a new one (10).
      // Drained, a connection is back in the pool unless the next mirror overtook the answer's end.
      const opened = shadow.connections() - before;
      assert.ok(opened <= 5, `10 mirrored calls opened ${opened} connections to the shadow`);
    });

    it('mirrors about half the calls with a 50 % runtime_fraction, within 12 points over 200 calls', async () => {
      for (let i = 0; i < 200; i++) assert.equal((await call(mesh, `/sampled/${i}`)).status, 200);
      // Mirrors are fire and forget: let the last ones land (a few stragglers could not move the share past the bound).
      let last = -1;
      let quiet = 0;
      await until(() => {
        const now = shadow.count('/sampled');
        quiet = now === last ? quiet + 1 : 0;
        last = now;
        return quiet >= 20;
      }, 'the mirrored calls to stop arriving');
      const share = shadow.count('/sampled') / 2;
      assert.ok(Math.abs(share - 50) <= 12, `${share} % mirrored`);
    });
  });
}
