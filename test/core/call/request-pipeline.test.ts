// A request through the whole core on simulated upstreams: routing, direct responses, fault
// injection, rate limiting with priority queueing, mirroring, the error-rate breaker, and
// caller overrides — config written as a real bootstrap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseText } from '../../../src/config/load-bootstrap.ts';
import { handleRequest, type MeshRequest, type PipelineResult } from '../../../src/core/call/request-pipeline.ts';
import { SnapshotState } from '../../../src/core/call/snapshot-state.ts';
import type { UpstreamRequest } from '../../../src/core/call/transport.ts';
import { MeshError } from '../../../src/core/errors.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { type SimAnswer, SimTransport } from '../../helpers/sim-transport.ts';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const cluster = (name: string, ports: number[], extra = '') => `
    - name: ${name}${extra}
      load_assignment:
        cluster_name: ${name}
        endpoints: [{ lb_endpoints: [${ports.map((p) => `{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } } }`).join(', ')}] }]`;

const BOOTSTRAP = `
static_resources:
  listeners:
    - name: reviews:80
      api_listener:
        api_listener:
          "@type": ${HCM}
          route_config:
            name: reviews
            virtual_hosts:
              - name: reviews
                domains: [reviews, "reviews:80"]
                routes:
                  - match: { prefix: /health }
                    direct_response: { status: 200, body: { inline_string: ok } }
                  - match: { prefix: /, headers: [{ name: x-version, string_match: { exact: v2 } }] }
                    route: { cluster: reviews-v2 }
                  - match: { prefix: /fault }
                    route: { cluster: reviews }
                    typed_per_filter_config:
                      envoy.filters.http.fault:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                        delay: { fixed_delay: 0.2s, percentage: { numerator: 100 } }
                        abort: { http_status: 418, percentage: { numerator: 100 } }
                  - match: { prefix: /limited }
                    route: { cluster: reviews }
                    typed_per_filter_config:
                      sidelet.filters.http.rate_limit:
                        "@type": type.googleapis.com/xds.type.v3.TypedStruct
                        type_url: type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit
                        value:
                          token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 1s }
                          priority_header: x-priority
                          max_queueing_time: 2s
                  - match: { prefix: /mirrored }
                    route:
                      cluster: reviews
                      request_mirror_policies: [{ cluster: shadow }]
                  - match: { prefix: / }
                    route:
                      cluster: reviews
                      retry_policy: { retry_on: 5xx, num_retries: 2 }
  clusters:${cluster('reviews', [9001, 9002], `
      metadata: { filter_metadata: { sidelet: { error_rate_breaker: { error_percent: 50, min_request_volume: 3, reset_timeout: 5s } } } }`)}${cluster('reviews-v2', [9101])}${cluster('shadow', [9201])}
`;

function mesh(script: (request: UpstreamRequest, index: number) => SimAnswer, callerOverrides?: object) {
  const clock = new FakeClock();
  const random = seededRandom(3);
  const { staticResources, bootstrap } = parseText(BOOTSTRAP, 'pipeline.yaml');
  const state = new SnapshotState({ ...staticResources, version: 1 }, clock, random);
  const transport = new SimTransport(clock, script);
  const overrides = callerOverrides === undefined ? undefined : parseText(`sidelet: { caller_overrides: { "reviews:80": ${JSON.stringify(callerOverrides)} } }`, 'o').bootstrap.callerOverrides.get('reviews:80');
  const deps = { clock, random, wallNow: () => 0, transport, state, callerOverrides: overrides };
  const call = (path: string, headers: Record<string, string> = {}, extra: Partial<MeshRequest> = {}) =>
    settle(handleRequest({ listenerName: 'reviews:80', authority: 'reviews', path, method: 'GET', headers: new Map(Object.entries(headers)), bodyReplayable: true, ...extra }, deps));
  return { clock, transport, state, call, bootstrap };
}

async function settle(promise: Promise<PipelineResult>): Promise<{ result?: PipelineResult; error?: unknown }> {
  return promise.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
}

/** Lets the pipeline's awaits run, so its upstream sends are in before the clock moves. */
const flush = () => new Promise((resolve) => setImmediate(resolve));
const status = (r: { result?: PipelineResult }) => (r.result?.kind === 'upstream' ? r.result.call.response.status : r.result?.status);
const ok = { after: 1, status: 200 };

test('routing: headers pick the cluster; direct responses and unknown listeners', async () => {
  const { clock, transport, call } = mesh(() => ok);
  const v2 = call('/items', { 'x-version': 'v2' });
  const v1 = call('/items');
  await flush();
  clock.advance(1);
  assert.equal((await v2).result?.kind, 'upstream');
  assert.deepEqual(transport.sends.map((s) => s.request.cluster), ['reviews-v2', 'reviews']);
  assert.equal(status(await v1), 200);
  assert.deepEqual((await call('/health')).result, { kind: 'local', status: 200, body: 'ok', responseFlag: undefined });
  const { error } = await mesh(() => ok).call('/x', {}, { listenerName: 'ratings:80' });
  assert.ok(error instanceof MeshError && error.code === 'SIDELET_NO_ROUTE' && error.status === 404);
});

test('fault injection: the delay, then the abort, without reaching the upstream', async () => {
  const { clock, transport, call } = mesh(() => ok);
  const pending = call('/fault');
  clock.advance(199);
  await Promise.resolve();
  let done = false;
  void pending.then(() => (done = true));
  await flush();
  assert.equal(done, false, 'still delayed');
  clock.advance(1);
  const { result } = await pending;
  assert.deepEqual(result, { kind: 'local', status: 418, body: 'fault filter abort', responseFlag: 'FI' });
  assert.equal(transport.sends.length, 0);
});

test('rate limiting: a request over the limit waits in the queue until a token comes, high priority first', async () => {
  const { clock, transport, call } = mesh(() => ok);
  const first = call('/limited');
  const low = call('/limited', { 'x-priority': '1' });
  const high = call('/limited', { 'x-priority': '9' });
  await flush();
  clock.advance(1);
  assert.equal(status(await first), 200);
  assert.equal(transport.sends.length, 1, 'the others wait for tokens');
  clock.advance(1000);
  await flush();
  clock.advance(1);
  assert.equal(status(await high), 200);
  assert.equal(transport.sends.length, 2, 'the high-priority request went first');
  clock.advance(1000);
  await flush();
  clock.advance(1);
  assert.equal(status(await low), 200);
});

test('mirroring sends a shadow copy to the mirror cluster and never changes the primary answer', async () => {
  const { clock, transport, call } = mesh((request) => (request.cluster === 'shadow' ? { after: 1, failure: 'reset' } : ok));
  const pending = call('/mirrored');
  await flush();
  clock.advance(1);
  assert.equal(status(await pending), 200);
  const shadow = transport.sends.find((s) => s.request.cluster === 'shadow');
  assert.equal(shadow?.request.authority, 'reviews-shadow');
});

test('the error-rate breaker opens after failing calls and fails fast', async (t) => {
  const { clock, transport, call, state } = mesh(() => ({ after: 1, status: 500 }));
  t.after(() => state.close());
  for (let i = 0; i < 3; i++) {
    const pending = call('/items');
    await flush();
    clock.advance(100);
    assert.equal(status(await pending), 500);
    await flush();
  }
  const sent = transport.sends.length;
  const { error } = await call('/items');
  assert.ok(error instanceof MeshError && error.code === 'SIDELET_BREAKER_OPEN', String(error));
  assert.equal(transport.sends.length, sent, 'an open breaker sends nothing upstream');
});

test('caller overrides: retry off for this caller beats the route retry policy', async () => {
  const retried = mesh((_, i) => (i === 0 ? { after: 1, status: 503 } : ok));
  const pending = retried.call('/items');
  await flush();
  retried.clock.advance(1000);
  assert.equal(status(await pending), 200, 'the route retries a 503');

  const notRetried = mesh((_, i) => (i === 0 ? { after: 1, status: 503 } : ok), { retry: 'off' });
  const once = notRetried.call('/items');
  await flush();
  notRetried.clock.advance(1000);
  assert.equal(status(await once), 503);
  assert.equal(notRetried.transport.sends.length, 1);
});

test('a transport that throws in send() fails the call with its error, once, and leaves no timer', async () => {
  const clock = new FakeClock();
  const random = seededRandom(3);
  const { staticResources } = parseText(BOOTSTRAP, 'pipeline.yaml');
  const state = new SnapshotState({ ...staticResources, version: 1 }, clock, random);
  const broken = new Error('transport bug');
  const deps = { clock, random, wallNow: () => 0, transport: { send: () => { throw broken; } }, state };
  const before = clock.pending;
  // reviews-v2 has no error-rate breaker, whose first use would start a timer of its own.
  const { error } = await settle(handleRequest({ listenerName: 'reviews:80', authority: 'reviews', path: '/items', method: 'GET', headers: new Map([['x-version', 'v2']]), bodyReplayable: true }, deps));
  assert.equal(error, broken);
  assert.equal(clock.pending, before, 'the route timer went with the call');
});
