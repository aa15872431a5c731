// Integration tests of on-demand xDS against a real gRPC ADS server: subscribe on first use,
// follow RDS/CDS/EDS, apply order into the snapshot, idle unsubscribe, DOES_NOT_EXIST after the
// initial fetch timeout, config dump, and start from the last-known-good cache with the server down.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { MeshError } from '../../src/core/errors.ts';
import { SnapshotStore } from '../../src/core/model/snapshot-store.ts';
import { AdsClient, type XdsLogger } from '../../src/xds/ads-client.ts';
import { grpcAdsTransport } from '../../src/xds/ads-transport.ts';
import { configDump } from '../../src/xds/config-dump.ts';
import { fileLkgCache } from '../../src/xds/lkg-cache.ts';
import { XdsConfig } from '../../src/xds/xds-config.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { AdsFixture } from './fixtures/ads-server.ts';
import { assignment, CDS, EDS, edsCluster, LDS, listener, RDS, routeConfig } from './fixtures/resources.ts';

const NODE = { id: 'node-1', cluster: 'test', metadata: {}, locality: { region: '', zone: '', subZone: '' } };

let server: AdsFixture;
let dir: string;
const closers: (() => void)[] = [];

beforeEach(async () => {
  server = await AdsFixture.start();
  dir = mkdtempSync(join(tmpdir(), 'sidelet-xds-'));
});

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function mesh(target: string, clock: FakeClock, log?: XdsLogger): { client: AdsClient; config: XdsConfig; store: SnapshotStore } {
  const client = new AdsClient({ transport: grpcAdsTransport(target), node: NODE, clock, random: seededRandom(7), cache: fileLkgCache(dir), ...(log ? { log } : {}) });
  const store = new SnapshotStore();
  const config = new XdsConfig({ client, store, clock, idleTimeoutMs: 60_000 });
  closers.push(() => config.close(), () => client.close());
  client.start();
  return { client, config, store };
}

function serveAll(): void {
  server.setResources(LDS, 'l1', [listener('reviews:80', 'reviews-routes')]);
  server.setResources(RDS, 'r1', [routeConfig('reviews-routes', 'reviews', ['reviews'])]);
  server.setResources(CDS, 'c1', [edsCluster('reviews')]);
  server.setResources(EDS, 'e1', [assignment('reviews-eds', [8001, 8002])]);
}

test('on demand: the first call subscribes to its listener and follows RDS, CDS and EDS into one snapshot', async () => {
  serveAll();
  const { config, store } = mesh(server.target, new FakeClock());
  assert.equal(server.requests.some((r) => r.typeUrl === LDS && r.resourceNames.length > 0), false);
  await config.ensureListener('reviews:80');
  const snapshot = store.current;
  assert.deepEqual([...snapshot.listeners.keys()], ['reviews:80']);
  assert.deepEqual([...snapshot.routeConfigurations.keys()], ['reviews-routes']);
  assert.deepEqual([...snapshot.clusters.keys()], ['reviews']);
  assert.deepEqual(snapshot.endpoints.get('reviews')!.localities[0]!.endpoints.map((e) => e.port), [8001, 8002]);
  const eds = await server.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'e1');
  assert.deepEqual(eds.resourceNames, ['reviews-eds']);
});

test('watches started in one task go out as one request per type: 200 clusters cost a few requests and one apply', async () => {
  const names = Array.from({ length: 200 }, (_, i) => `svc-${i}`);
  server.setResources(LDS, 'l1', [listener('reviews:80', 'reviews-routes')]);
  server.setResources(RDS, 'r1', [routeConfig('reviews-routes', 'reviews', names)]);
  server.setResources(CDS, 'c1', names.map((n) => edsCluster(n)));
  server.setResources(EDS, 'e1', names.map((n, i) => assignment(`${n}-eds`, [9000 + i])));
  const { config, store } = mesh(server.target, new FakeClock());
  let snapshots = 0;
  store.subscribe(() => snapshots++);
  await config.ensureListener('reviews:80');
  assert.equal(store.current.clusters.size, 200);
  assert.equal(store.current.endpoints.size, 200);
  const subscribing = (type: string) => server.requests.filter((r) => r.typeUrl === type && r.responseNonce === '').length;
  assert.equal(subscribing(CDS), 1, 'one CDS subscription for all 200 clusters');
  assert.equal(subscribing(EDS), 1, 'one EDS subscription for all 200 endpoint sets');
  assert.ok(snapshots <= 3, `${snapshots} snapshots for one listener's worth of resources`);
});

test('apply order: a route naming an unknown cluster keeps the previous route configuration; a cluster waits for its endpoints', async () => {
  serveAll();
  const { config, store } = mesh(server.target, new FakeClock());
  await config.ensureListener('reviews:80');
  const before = store.current.routeConfigurations.get('reviews-routes');
  const versions: number[] = [];
  store.subscribe((s) => versions.push(s.version));
  const from = server.requests.length;
  server.setResources(RDS, 'r2', [routeConfig('reviews-routes', 'reviews', ['reviews', 'ratings'])]);
  await server.waitForRequest((r) => r.typeUrl === CDS && r.resourceNames.includes('ratings'), from);
  assert.equal(store.current.routeConfigurations.get('reviews-routes'), before);
  server.setResources(CDS, 'c2', [edsCluster('reviews'), edsCluster('ratings')]);
  await server.waitForRequest((r) => r.typeUrl === EDS && r.resourceNames.includes('ratings-eds'), from);
  assert.equal(store.current.clusters.has('ratings'), false);
  assert.equal(store.current.routeConfigurations.get('reviews-routes'), before);
  const published = new Promise<void>((resolve) => store.subscribe((s) => s.clusters.has('ratings') && resolve()));
  server.setResources(EDS, 'e2', [assignment('reviews-eds', [8001, 8002]), assignment('ratings-eds', [9001])]);
  await published;
  const snapshot = store.current;
  assert.notEqual(snapshot.routeConfigurations.get('reviews-routes'), before);
  assert.equal(snapshot.routeConfigurations.get('reviews-routes')!.virtualHosts[0]!.routes.length, 2);
  assert.deepEqual(snapshot.endpoints.get('ratings')!.localities[0]!.endpoints.map((e) => e.port), [9001]);
  assert.equal(versions.length, 1, 'the new route, cluster and endpoints were published in one snapshot');
});

test('idle: a listener no call asked for within the idle time is unsubscribed with what only it needed', async () => {
  serveAll();
  const clock = new FakeClock();
  const { config, store } = mesh(server.target, clock);
  await config.ensureListener('reviews:80');
  const from = server.requests.length;
  clock.advance(60_000);
  await server.waitForRequest((r) => r.typeUrl === LDS && r.resourceNames.length === 0, from);
  await server.waitForRequest((r) => r.typeUrl === EDS && r.resourceNames.length === 0, from);
  assert.equal(store.current.listeners.size, 0);
  assert.equal(store.current.clusters.size, 0);
});

test('DOES_NOT_EXIST: a listener the server never sends fails the waiting call after the initial fetch timeout, naming it', async () => {
  const clock = new FakeClock();
  const { config, client } = mesh(server.target, clock);
  const waiting = config.ensureListener('missing:80');
  await server.waitForRequest((r) => r.typeUrl === LDS && r.resourceNames.includes('missing:80'));
  clock.advance(15_000);
  await assert.rejects(waiting, (error: unknown) => {
    assert.ok(error instanceof MeshError);
    assert.match(error.message, /Listener "missing:80" does not exist: no answer from the control plane within 15000 ms/);
    return true;
  });
  const dump = configDump(client, clock);
  assert.deepEqual(
    dump.map((d) => [d.type, d.name, d.status]),
    [[LDS, 'missing:80', 'DOES_NOT_EXIST']],
  );
});

test('DOES_NOT_EXIST: an LDS response without the subscribed listener fails the waiting call at once', async () => {
  server.setResources(LDS, 'l1', [listener('other:80', 'x')]);
  const { config } = mesh(server.target, new FakeClock());
  await assert.rejects(config.ensureListener('reviews:80'), /Listener "reviews:80" does not exist: the server's response version "l1"/);
});

test('NACK: a cluster the server only ever sent invalid fails the waiting call at once, naming the field; a valid one later serves', async () => {
  serveAll();
  server.setResources(CDS, 'c1', [edsCluster('reviews', { ring_hash_lb_config: {} })]);
  const clock = new FakeClock();
  const { config } = mesh(server.target, clock);
  // No clock advance: the wait ends on the NACK, not on the initial fetch timeout.
  await assert.rejects(config.ensureListener('reviews:80'), (error: unknown) => {
    assert.ok(error instanceof MeshError);
    assert.match(error.message, /Cluster "reviews": resources\[0\]\.ring_hash_lb_config: set, but lb_policy is ROUND_ROBIN \(NACKed by this client; no earlier version was accepted\)/);
    return true;
  });
  const from = server.requests.length;
  server.setResources(CDS, 'c2', [edsCluster('reviews')]);
  await server.waitForRequest((r) => r.typeUrl === CDS && r.versionInfo === 'c2' && r.errorDetail === undefined, from);
  await config.ensureListener('reviews:80');
});

test('config dump: type, name, version, status and last update of every watched resource', async () => {
  serveAll();
  const clock = new FakeClock(5_000);
  const { config, client } = mesh(server.target, clock);
  await config.ensureListener('reviews:80');
  const dump = configDump(client, clock, () => Date.parse('2026-01-01T00:00:10Z'));
  assert.deepEqual(
    dump.map((d) => [d.type.split('.').at(-1), d.name, d.version, d.status, d.error, d.lastUpdated]),
    [
      ['Cluster', 'reviews', 'c1', 'ACKED', undefined, '2026-01-01T00:00:10.000Z'],
      ['ClusterLoadAssignment', 'reviews-eds', 'e1', 'ACKED', undefined, '2026-01-01T00:00:10.000Z'],
      ['Listener', 'reviews:80', 'l1', 'ACKED', undefined, '2026-01-01T00:00:10.000Z'],
      ['RouteConfiguration', 'reviews-routes', 'r1', 'ACKED', undefined, '2026-01-01T00:00:10.000Z'],
    ],
  );
});

test('last-known-good cache: with the server down, the client starts from the cache on disk and says so', async () => {
  serveAll();
  const first = mesh(server.target, new FakeClock());
  await first.config.ensureListener('reviews:80');
  await server.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'e1');
  for (const close of closers.splice(0)) close();
  const target = server.target;
  await server.stop();
  const logs: string[] = [];
  const { config, store, client } = mesh(target, new FakeClock(), { info: (m) => logs.push(`info: ${m}`), warn: (m) => logs.push(`warn: ${m}`) });
  await config.ensureListener('reviews:80');
  assert.deepEqual(store.current.endpoints.get('reviews')!.localities[0]!.endpoints.map((e) => e.port), [8001, 8002]);
  assert.ok(logs.some((l) => /^info: xDS control plane unreachable .*started from the last-known-good cache \(4 resources\)/.test(l)), logs.join('\n'));
  assert.ok(client.entries().every((t) => t.entries.every((e) => e.status === 'CACHED')));
});

test('last-known-good cache: a corrupt cache file is ignored with a warning, never a crash', async () => {
  writeFileSync(join(dir, 'envoy.config.listener.v3.Listener.json'), '{"format":1,"typeUrl":');
  writeFileSync(join(dir, 'envoy.config.cluster.v3.Cluster.json'), JSON.stringify({ format: 1, typeUrl: CDS, version: 'c1', resources: { reviews: { name: 'reviews', type: 'NOPE' } } }));
  const target = server.target;
  await server.stop();
  const logs: string[] = [];
  const clock = new FakeClock();
  const { config } = mesh(target, clock, { info: (m) => logs.push(`info: ${m}`), warn: (m) => logs.push(`warn: ${m}`) });
  const waiting = config.ensureListener('reviews:80');
  const settled = assert.rejects(waiting, /Listener "reviews:80" does not exist/);
  await waitFor(() => logs.some((l) => l.startsWith('info: xDS control plane unreachable')));
  clock.advance(15_000);
  await settled;
  assert.ok(logs.some((l) => /^warn: xDS cache .*Listener\.json is corrupt, ignored/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /^warn: xDS cache entry Cluster "reviews" ignored: .*unknown value "NOPE"/.test(l)), logs.join('\n'));
});

/** Polls a condition driven by real I/O (a gRPC failure), within a generous bound. */
async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
