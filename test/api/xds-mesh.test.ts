// createMesh with xds_servers: the first call to an authority subscribes to its listener on
// demand, the control plane's routes and endpoints carry the call to a real upstream, an
// update moves traffic, and the config dump shows every resource ACKed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMesh } from '../../src/api/mesh.ts';
import { until } from '../e2e/fixtures/wait.ts';
import { AdsFixture } from '../xds/fixtures/ads-server.ts';
import { assignment, CDS, EDS, edsCluster, LDS, listener, RDS, routeConfig } from '../xds/fixtures/resources.ts';

async function upstream(name: string) {
  const server = createServer((_req, res) => res.end(name));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

test('mesh.fetch routed by config from an xDS control plane, on demand', async (t) => {
  const [one, two] = [await upstream('one'), await upstream('two')];
  const control = await AdsFixture.start();
  control.setResources(LDS, 'l1', [listener('reviews:80', 'reviews-routes')]);
  control.setResources(RDS, 'r1', [routeConfig('reviews-routes', 'reviews', ['reviews'])]);
  control.setResources(CDS, 'c1', [edsCluster('reviews')]);
  control.setResources(EDS, 'e1', [assignment('reviews-eds', [one.port])]);
  const mesh = await createMesh({ bootstrap: { xds_servers: [{ server_uri: control.target, channel_creds: [{ type: 'insecure' }] }], node: { id: 'app-1' } } });
  t.after(async () => {
    await mesh.close();
    await control.close();
    one.server.close();
    two.server.close();
  });

  assert.equal(control.requests.some((r) => r.typeUrl === LDS && r.resourceNames.includes('reviews:80')), false, 'nothing subscribed before the first call');
  assert.equal(await (await mesh.fetch('http://reviews/api')).text(), 'one');
  assert.deepEqual(
    (await mesh.configDump()).map((d) => [d.name, d.status]),
    [['reviews', 'ACKED'], ['reviews-eds', 'ACKED'], ['reviews:80', 'ACKED'], ['reviews-routes', 'ACKED']],
  );

  control.setResources(EDS, 'e2', [assignment('reviews-eds', [two.port])]);
  await control.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'e2');
  // ACKed by the control thread; the data-plane workers apply the snapshot it then sends them, as
  // Envoy's workers apply an update posted by its main thread: soon after, not in the same instant.
  await until(async () => (await (await mesh.fetch('http://reviews/api')).text()) === 'two', 'the endpoint update to move traffic');
});
