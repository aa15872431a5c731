// Integration tests of the ADS client against a real gRPC ADS server on 127.0.0.1: initial
// fetch, ACK, update, removal, NACK keeping the previous version, stale nonces, reconnect.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { systemClock } from '../../src/core/clock.ts';
import type { Cluster } from '../../src/core/model/cluster.ts';
import type { ClusterLoadAssignment } from '../../src/core/model/endpoint.ts';
import { AdsClient, type ResourceWatcher } from '../../src/xds/ads-client.ts';
import { grpcAdsTransport } from '../../src/xds/ads-transport.ts';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT } from '../../src/xds/resource-types.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { AdsFixture } from './fixtures/ads-server.ts';
import { assignment, CDS, EDS, edsCluster } from './fixtures/resources.ts';

const NODE = { id: 'node-1', cluster: 'test', metadata: { app: 'a' }, locality: { region: 'r1', zone: 'z1', subZone: '' } };

let server: AdsFixture;
let client: AdsClient;

beforeEach(async () => {
  server = await AdsFixture.start();
  client = new AdsClient({
    transport: grpcAdsTransport(server.target),
    node: NODE,
    clock: systemClock,
    random: seededRandom(1),
    backoff: { initialMs: 20, multiplier: 2, jitter: 0.2, maxMs: 200 },
  });
});

afterEach(async () => {
  client.close();
  await server.close();
});

/** A watcher whose events are awaited one by one. */
function recorder<T>(): ResourceWatcher<T> & { next(): Promise<{ kind: 'resource'; value: T } | { kind: 'missing'; reason: string }> } {
  const events: ({ kind: 'resource'; value: T } | { kind: 'missing'; reason: string })[] = [];
  const waiting: ((e: (typeof events)[number]) => void)[] = [];
  const push = (e: (typeof events)[number]): void => {
    const w = waiting.shift();
    if (w) w(e);
    else events.push(e);
  };
  return {
    onResource: (value) => push({ kind: 'resource', value }),
    onDoesNotExist: (reason) => push({ kind: 'missing', reason }),
    next: () => {
      const e = events.shift();
      return e ? Promise.resolve(e) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

async function nextResource<T>(w: ReturnType<typeof recorder<T>>): Promise<T> {
  const e = await w.next();
  assert.equal(e.kind, 'resource', JSON.stringify(e));
  return (e as { value: T }).value;
}

test('initial fetch: the node goes on the first request, the resource arrives and is ACKed', async () => {
  server.setResources(CDS, 'v1', [edsCluster('reviews')]);
  const w = recorder<Cluster>();
  client.watch(CLUSTER, 'reviews', w);
  client.start();
  const cluster = await nextResource(w);
  assert.equal(cluster.name, 'reviews');
  assert.equal(cluster.edsServiceName, 'reviews-eds');
  const first = await server.waitForRequest((r) => r.typeUrl === CDS);
  assert.equal(first.node?.id, 'node-1');
  assert.deepEqual(first.resourceNames, ['reviews']);
  const ack = await server.waitForRequest((r) => r.typeUrl === CDS && r.versionInfo === 'v1');
  assert.notEqual(ack.responseNonce, '');
  assert.equal(ack.errorDetail, undefined);
  assert.equal(ack.node, undefined);
});

test('update and removal: a new version reaches the watcher; a cluster left out of a CDS response does not exist', async () => {
  server.setResources(CDS, 'v1', [edsCluster('reviews'), edsCluster('ratings')]);
  const w = recorder<Cluster>();
  client.watch(CLUSTER, 'reviews', w);
  client.start();
  assert.equal((await nextResource(w)).lbPolicy, 'ROUND_ROBIN');
  server.setResources(CDS, 'v2', [edsCluster('reviews', { lb_policy: 'LEAST_REQUEST' })]);
  assert.equal((await nextResource(w)).lbPolicy, 'LEAST_REQUEST');
  server.setResources(CDS, 'v3', [edsCluster('ratings')]);
  const gone = await w.next();
  assert.equal(gone.kind, 'missing');
  assert.match((gone as { reason: string }).reason, /Cluster "reviews" does not exist/);
});

test('NACK: a resource that fails to decode refuses the whole response and keeps the previous version', async () => {
  server.setResources(CDS, 'v1', [edsCluster('reviews'), edsCluster('ratings')]);
  const reviews = recorder<Cluster>();
  const ratings = recorder<Cluster>();
  client.watch(CLUSTER, 'reviews', reviews);
  client.watch(CLUSTER, 'ratings', ratings);
  client.start();
  await nextResource(reviews);
  await nextResource(ratings);
  const from = server.requests.length;
  server.setResources(CDS, 'v2', [edsCluster('reviews', { lb_policy: 'LEAST_REQUEST' }), edsCluster('ratings', { ring_hash_lb_config: {} })]);
  const nack = await server.waitForRequest((r) => r.typeUrl === CDS && r.errorDetail !== undefined, from);
  assert.equal(nack.versionInfo, 'v1');
  assert.equal(nack.errorDetail?.code, 3);
  assert.match(nack.errorDetail!.message, /Cluster "ratings": resources\[1\]\.ring_hash_lb_config: set, but lb_policy is ROUND_ROBIN/);
  const dump = client.entries().find((t) => t.typeUrl === CDS)!;
  assert.equal(dump.version, 'v1');
  const entry = dump.entries.find((e) => e.name === 'ratings')!;
  assert.equal(entry.status, 'NACKED');
  assert.equal((dump.entries.find((e) => e.name === 'reviews')!.value as Cluster).lbPolicy, 'ROUND_ROBIN');
  server.setResources(CDS, 'v3', [edsCluster('reviews', { lb_policy: 'LEAST_REQUEST' }), edsCluster('ratings')]);
  assert.equal((await nextResource(reviews)).lbPolicy, 'LEAST_REQUEST');
  await server.waitForRequest((r) => r.typeUrl === CDS && r.versionInfo === 'v3' && r.errorDetail === undefined, from);
});

test('stale nonce: a response superseded before the ACK is ignored by the server, and the client ends on the newest', async () => {
  server.setResources(EDS, 'v1', [assignment('reviews-eds', [8001])]);
  const w = recorder<ClusterLoadAssignment>();
  client.watch(CLUSTER_LOAD_ASSIGNMENT, 'reviews-eds', w);
  client.start();
  await nextResource(w);
  await server.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'v1');
  const from = server.requests.length;
  server.setResources(EDS, 'v2', [assignment('reviews-eds', [8002])]);
  server.setResources(EDS, 'v3', [assignment('reviews-eds', [8003])]);
  const ports: number[] = [];
  while (ports.at(-1) !== 8003) ports.push((await nextResource(w)).localities[0]!.endpoints[0]!.port);
  assert.deepEqual(ports, [8002, 8003]);
  const stale = await server.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'v2', from);
  assert.equal(stale.stale, true);
  const last = await server.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'v3', from);
  assert.equal(last.stale, false);
});

test('reconnect: after the server restarts the client resubscribes everything with its versions and keeps its resources', async () => {
  server.setResources(CDS, 'v1', [edsCluster('reviews')]);
  server.setResources(EDS, 'e1', [assignment('reviews-eds', [8001])]);
  const cluster = recorder<Cluster>();
  const endpoints = recorder<unknown>();
  client.watch(CLUSTER, 'reviews', cluster);
  client.watch(CLUSTER_LOAD_ASSIGNMENT, 'reviews-eds', endpoints);
  client.start();
  await nextResource(cluster);
  await nextResource(endpoints);
  await server.restart();
  const from = server.requests.length;
  const cds = await server.waitForRequest((r) => r.typeUrl === CDS && r.node !== undefined, from);
  assert.equal(cds.versionInfo, 'v1');
  assert.equal(cds.responseNonce, '');
  await server.waitForRequest((r) => r.typeUrl === EDS && r.versionInfo === 'e1' && r.responseNonce === '', from);
  assert.equal(client.entries().find((t) => t.typeUrl === CDS)!.entries[0]!.status, 'ACKED');
  server.setResources(CDS, 'v2', [edsCluster('reviews', { lb_policy: 'RANDOM' })]);
  assert.equal((await nextResource(cluster)).lbPolicy, 'RANDOM');
});
