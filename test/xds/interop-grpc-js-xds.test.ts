// Differential interop (issue "xDS client", done-when 2): one ADS fixture serves the same
// resources to the real peer @grpc/grpc-js-xds and to sidelet's xDS client + router; both must
// split the default route 70/30 alike and send every `x-variant: canary` call to echo-canary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBootstrap } from '../../src/config/bootstrap.ts';
import { AdsFixture } from './fixtures/ads-server.ts';
import { CDS, EDS, LDS, RDS } from './fixtures/resources.ts';
import { serveEnvoy } from './interop/envoy-any.ts';
import { CANARY, ECHO_CLUSTERS, echoAssignment, echoCluster, echoListener, echoRoutes, WEIGHTS } from './interop/echo-resources.ts';
import { type EchoServer, startEcho } from './interop/echo-server.ts';
import { callThroughGrpcJsXds } from './interop/grpc-js-xds-side.ts';
import { callThroughSidelet } from './interop/sidelet-side.ts';

const PLAIN_CALLS = 2_000;
const CANARY_CALLS = 50;
/** Percentage points the two clients' shares (and each against the configured weight) may differ by. */
const TOLERANCE = 3;

/** grpc-js-xds 1.14 refuses a bootstrap whose node has no locality ("locality field missing in node element"). */
function bootstrapFor(target: string, nodeId: string): Record<string, unknown> {
  return {
    xds_servers: [{ server_uri: target, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: nodeId, locality: { region: 'r1', zone: 'z1' } },
  };
}

/** Percentage of calls per name, one decimal. */
function split(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, Math.round((n / names.length) * 1000) / 10]));
}

test('grpc-js-xds and sidelet route the same xDS resources alike: weighted 70/30 split and header match', { timeout: 60_000 }, async (t) => {
  const backends: EchoServer[] = await Promise.all(ECHO_CLUSTERS.map(startEcho));
  const fixture = await AdsFixture.start();
  try {
    serveEnvoy(fixture, LDS, 'l1', [echoListener()]);
    serveEnvoy(fixture, RDS, 'r1', [echoRoutes()]);
    serveEnvoy(fixture, CDS, 'c1', ECHO_CLUSTERS.map(echoCluster));
    serveEnvoy(fixture, EDS, 'e1', backends.map((b) => echoAssignment(b.name, b.port)));
    const nacks = () => fixture.requests.filter((r) => r.errorDetail !== undefined);

    const peer = await callThroughGrpcJsXds(bootstrapFor(fixture.target, 'grpc-js-xds-interop'), PLAIN_CALLS, CANARY_CALLS, 7).catch((error: unknown) => {
      throw new Error(`grpc-js-xds calls failed: ${String(error)}; NACKs: ${JSON.stringify(nacks())}`);
    });
    const ours = await callThroughSidelet(decodeBootstrap(bootstrapFor(fixture.target, 'sidelet-interop')), PLAIN_CALLS, CANARY_CALLS, 7);

    assert.deepEqual(nacks(), [], 'neither client refused a resource');
    for (const call of [...ours.plain, ...ours.canary]) assert.equal(call.served, call.cluster, `the backend of ${call.cluster} answered the call sidelet routed there`);

    const peerSplit = split(peer.plain);
    const ourSplit = split(ours.plain.map((s) => s.cluster));
    t.diagnostic(`grpc-js-xds: ${JSON.stringify(peerSplit)} over ${peer.plain.length} calls`);
    t.diagnostic(`sidelet:     ${JSON.stringify(ourSplit)} over ${ours.plain.length} calls`);
    assert.deepEqual(Object.keys(peerSplit).sort(), Object.keys(WEIGHTS));
    assert.deepEqual(Object.keys(ourSplit).sort(), Object.keys(WEIGHTS));
    for (const [cluster, weight] of Object.entries(WEIGHTS)) {
      const theirs = peerSplit[cluster]!;
      const mine = ourSplit[cluster]!;
      assert.ok(Math.abs(theirs - mine) <= TOLERANCE, `${cluster}: grpc-js-xds ${theirs}% vs sidelet ${mine}%`);
      assert.ok(Math.abs(theirs - weight) <= TOLERANCE, `${cluster}: grpc-js-xds ${theirs}%, configured ${weight}%`);
      assert.ok(Math.abs(mine - weight) <= TOLERANCE, `${cluster}: sidelet ${mine}%, configured ${weight}%`);
    }

    const canary = new Array<string>(CANARY_CALLS).fill(CANARY.cluster);
    assert.deepEqual(peer.canary, canary, 'grpc-js-xds sends every x-variant: canary call to echo-canary');
    assert.deepEqual(
      ours.canary.map((s) => s.cluster),
      canary,
      'sidelet sends every x-variant: canary call to echo-canary',
    );
  } finally {
    await fixture.close();
    for (const backend of backends) backend.close();
  }
});
