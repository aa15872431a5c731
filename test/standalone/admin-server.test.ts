// The admin server over a real core: a static bootstrap pointing at real node:http upstreams on
// 127.0.0.1, MeshMetrics as the stats sink, traffic with a retried 503, then /stats (plain and
// Prometheus), /clusters, /config_dump and /ready read over HTTP.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { toMeshRequest, toResponse } from '../../src/api/fetch-adapter.ts';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';
import { handleRequest } from '../../src/core/call/request-pipeline.ts';
import { SnapshotState } from '../../src/core/call/snapshot-state.ts';
import { systemClock } from '../../src/core/clock.ts';
import { SnapshotStore } from '../../src/core/model/snapshot-store.ts';
import { MeshMetrics } from '../../src/observability/mesh-metrics.ts';
import { HttpTransport } from '../../src/protocols/http/http-transport.ts';
import { snapshotResourceNames, startAdminServer } from '../../src/standalone/admin-server.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';

async function upstream(handler: (status: (code: number) => void) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    let code = 200;
    handler((c) => (code = c));
    res.statusCode = code;
    res.end(code === 200 ? 'ok' : 'try again');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

test('admin server: /stats counts a retried 503, /clusters lists the hosts, /config_dump and /ready answer', async (t) => {
  let failNext = 1;
  const failFirst = (status: (code: number) => void) => {
    if (failNext > 0) {
      failNext--;
      status(503);
    }
  };
  const a = await upstream(failFirst);
  const b = await upstream(failFirst);
  t.after(() => {
    a.server.close();
    b.server.close();
  });

  const { bootstrap, staticResources } = await loadBootstrap(
    meshBootstrap('reviews:80', ['reviews'], [{ match: { prefix: '/' }, route: { cluster: 'reviews', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 2 } } }], [
      localCluster('reviews', [a.port, b.port], { connect_timeout: '1s' }),
    ]),
  );
  const store = new SnapshotStore();
  const snapshot = store.replace(staticResources);
  const metrics = new MeshMetrics();
  const state = new SnapshotState(snapshot, systemClock, Math.random, undefined, metrics);
  const transport = new HttpTransport();
  for (const [name, cluster] of snapshot.clusters) transport.setCluster(cluster, snapshot.endpoints.get(name)!);
  t.after(async () => {
    state.close();
    await transport.close();
  });

  let ready = false;
  const admin = await startAdminServer({
    stats: metrics,
    configDump: () => ({ xds: [], static: snapshotResourceNames(store.current) }),
    clusters: () => state.clusterStatus(),
    ready: () => ready,
  });
  t.after(() => admin.close());
  const page = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${admin.port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  assert.deepEqual(await page('/ready'), { status: 503, type: 'text/plain', text: 'INITIALIZING\n' });
  ready = true;
  assert.deepEqual(await page('/ready'), { status: 200, type: 'text/plain', text: 'LIVE\n' });

  for (let i = 0; i < 3; i++) {
    const { request, body } = await toMeshRequest('http://reviews/items', undefined, bootstrap);
    const response = toResponse(await handleRequest(request, { clock: systemClock, random: Math.random, wallNow: Date.now, transport: transport.withBody(body), state, stats: metrics }), 'GET');
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
  }
  assert.equal(failNext, 0, 'the first attempt got the 503');

  const plain = (await page('/stats')).text.split('\n');
  for (const line of ['cluster.reviews.upstream_rq_total: 4', 'cluster.reviews.upstream_rq_retry: 1', 'cluster.reviews.upstream_rq_5xx: 1', 'cluster.reviews.upstream_rq_2xx: 3', 'cluster.reviews.upstream_rq_time_count: 4']) {
    assert.ok(plain.includes(line), `${line} in\n${plain.join('\n')}`);
  }
  const prometheus = await page('/stats?format=prometheus');
  assert.match(prometheus.type ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(prometheus.text, /^upstream_rq_total\{cluster_name="reviews"\} 4$/m);
  assert.match(prometheus.text, /^upstream_rq_retry\{cluster_name="reviews"\} 1$/m);
  assert.match((await page('/stats/prometheus')).text, /^upstream_rq_total\{cluster_name="reviews"\} 4$/m, 'Envoy\'s /stats/prometheus path too');

  const clusters = (await page('/clusters')).text;
  for (const port of [a.port, b.port]) {
    assert.match(clusters, new RegExp(`^reviews::127\\.0\\.0\\.1:${port}::health_flags::healthy$`, 'm'));
    assert.match(clusters, new RegExp(`^reviews::127\\.0\\.0\\.1:${port}::rq_active::0$`, 'm'));
  }
  const json = JSON.parse((await page('/clusters?format=json')).text) as { clusters: { name: string; built: boolean; hosts: { id: string; outlierEjected: boolean }[] }[] };
  assert.deepEqual(
    json.clusters.map((c) => ({ name: c.name, built: c.built, hosts: c.hosts.map((h) => h.id).sort() })),
    [{ name: 'reviews', built: true, hosts: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort() }],
  );

  const dump = await page('/config_dump');
  assert.equal(dump.type, 'application/json');
  assert.deepEqual(JSON.parse(dump.text), { xds: [], static: { listeners: ['reviews:80'], routeConfigurations: [], clusters: ['reviews'], endpoints: ['reviews'] } });

  assert.equal((await page('/nope')).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${admin.port}/stats`, { method: 'POST' })).status, 405);
});
