// startXds from a gRPC bootstrap: the call's authority names the listener (gRPC A27), the
// resources reach the store, and the dump shows them ACKed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBootstrap } from '../../src/config/bootstrap.ts';
import { listenerNameFor } from '../../src/config/listener-name.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SnapshotStore } from '../../src/core/model/snapshot-store.ts';
import { channelCredentialsFor, startXds } from '../../src/xds/start-xds.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { AdsFixture } from './fixtures/ads-server.ts';
import { assignment, CDS, EDS, edsCluster, LDS, listener, RDS, routeConfig } from './fixtures/resources.ts';

test('a bootstrap with xds_servers drives the store for a call to http://reviews/', async () => {
  const server = await AdsFixture.start();
  server.setResources(LDS, 'l1', [listener('reviews:80', 'reviews-routes')]);
  server.setResources(RDS, 'r1', [routeConfig('reviews-routes', 'reviews', ['reviews'])]);
  server.setResources(CDS, 'c1', [edsCluster('reviews')]);
  server.setResources(EDS, 'e1', [assignment('reviews-eds', [8001])]);
  const bootstrap = decodeBootstrap({ xds_servers: [{ server_uri: server.target, channel_creds: [{ type: 'google_default' }, { type: 'insecure' }] }], node: { id: 'n1' } });
  const store = new SnapshotStore();
  const xds = startXds(bootstrap, { store, clock: systemClock, random: seededRandom(5) });
  try {
    await xds.ensureListener(listenerNameFor(bootstrap, new URL('http://reviews/api')));
    assert.equal(store.current.clusters.get('reviews')?.edsServiceName, 'reviews-eds');
    assert.deepEqual(
      xds.dump().map((d) => [d.name, d.status]),
      [['reviews', 'ACKED'], ['reviews-eds', 'ACKED'], ['reviews:80', 'ACKED'], ['reviews-routes', 'ACKED']],
    );
    assert.equal((await server.waitForRequest((r) => r.node !== undefined)).node?.id, 'n1');
  } finally {
    xds.close();
    await server.close();
  }
});

test('channel credentials: the first supported type; none supported is a ConfigError', () => {
  assert.ok(channelCredentialsFor({ serverUri: 'x:1', channelCreds: [{ type: 'tls', config: undefined }], serverFeatures: [] }));
  assert.throws(
    () => channelCredentialsFor({ serverUri: 'x:1', channelCreds: [{ type: 'google_default', config: undefined }], serverFeatures: [] }),
    /xds_servers\[0\]\.channel_creds: no channel credentials sidelet can open/,
  );
});
