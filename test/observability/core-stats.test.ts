// The core's calls into an optional MeshStats sink, on simulated upstreams and the fake clock:
// attempts and their responses, retries, per-try and route timeouts, max_requests overflow,
// rate limiting with its priority, no route, and outlier ejections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseText } from '../../src/config/load-bootstrap.ts';
import type { MeshStats } from '../../src/core/call/mesh-stats.ts';
import { handleRequest, type PipelineResult } from '../../src/core/call/request-pipeline.ts';
import { SnapshotState } from '../../src/core/call/snapshot-state.ts';
import type { UpstreamRequest } from '../../src/core/call/transport.ts';
import { MeshError } from '../../src/core/errors.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { type SimAnswer, SimTransport } from '../helpers/sim-transport.ts';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const hosts = (ports: number[]) =>
  `[{ lb_endpoints: [${ports.map((p) => `{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } } }`).join(', ')}] }]`;

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
                domains: [reviews]
                routes:
                  - match: { prefix: /per-try }
                    route: { cluster: reviews, timeout: 1s, retry_policy: { retry_on: 5xx, num_retries: 1, per_try_timeout: 0.05s } }
                  - match: { prefix: /slow }
                    route: { cluster: reviews, timeout: 0.1s }
                  - match: { prefix: /tight }
                    route: { cluster: tight, timeout: 0.1s }
                  - match: { prefix: /limited }
                    route: { cluster: reviews }
                    typed_per_filter_config:
                      sidelet.filters.http.rate_limit:
                        "@type": type.googleapis.com/xds.type.v3.TypedStruct
                        type_url: type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit
                        value: { token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 10s }, priority_header: x-priority }
                  - match: { prefix: / }
                    route: { cluster: reviews, retry_policy: { retry_on: 5xx, num_retries: 1 } }
  clusters:
    - name: reviews
      outlier_detection: { consecutive_5xx: 2, interval: 10s, base_ejection_time: 30s, max_ejection_percent: 50 }
      load_assignment: { cluster_name: reviews, endpoints: ${hosts([9001, 9002])} }
    - name: tight
      circuit_breakers: { thresholds: [{ max_requests: 1 }] }
      load_assignment: { cluster_name: tight, endpoints: ${hosts([9101])} }
`;

function core(script: (request: UpstreamRequest, index: number) => SimAnswer) {
  const events: string[] = [];
  const stats = new Proxy({}, { get: (_target, method: string) => (...args: unknown[]) => events.push([method, ...args].join(' ')) }) as MeshStats;
  const clock = new FakeClock();
  const random = seededRandom(5);
  const { staticResources } = parseText(BOOTSTRAP, 'stats.yaml');
  const state = new SnapshotState({ ...staticResources, version: 1 }, clock, random, undefined, stats);
  const transport = new SimTransport(clock, script);
  const deps = { clock, random, wallNow: () => 0, transport, state, stats };
  const call = (path: string, headers: Record<string, string> = {}, listenerName = 'reviews:80') =>
    handleRequest({ listenerName, authority: 'reviews', path, method: 'GET', headers: new Map(Object.entries(headers)), bodyReplayable: true }, deps).then(
      (result: PipelineResult) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
  return { events, clock, state, call };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Moves the fake clock in steps, letting the pipeline's awaits run between them. */
async function run(clock: FakeClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await flush();
    clock.advance(step);
  }
  await flush();
}

test('a 503 retried to a 200: two attempts, the retry and both responses reach the sink', async (t) => {
  const { events, clock, state, call } = core((_r, i) => ({ after: 4, status: i === 0 ? 503 : 200 }));
  t.after(() => state.close());
  const pending = call('/items');
  await run(clock, 500);
  const { result } = await pending;
  assert.equal(result?.kind === 'upstream' && result.call.response.status, 200);
  assert.deepEqual(events, ['attemptStarted reviews initial', 'attemptResponse reviews 503 4', 'attemptStarted reviews retry', 'attemptResponse reviews 200 4']);
});

test('per-try timeouts on each attempt, and a route timeout', async (t) => {
  const { events, clock, state, call } = core(() => 'hang');
  t.after(() => state.close());
  const perTry = call('/per-try');
  await run(clock, 300);
  assert.ok((await perTry).error instanceof MeshError);
  assert.deepEqual(
    events.filter((e) => !e.startsWith('ejected')),
    ['attemptStarted reviews initial', 'timeout reviews per-try', 'attemptStarted reviews retry', 'timeout reviews per-try'],
  );
  events.length = 0;
  const slow = call('/slow');
  await run(clock, 200);
  assert.equal(((await slow).error as MeshError).code, 'SIDELET_TIMEOUT');
  assert.deepEqual(events, ['attemptStarted reviews initial', 'timeout reviews route']);
});

test('max_requests overflow, rate limiting with the priority, and no route', async (t) => {
  const { events, clock, state, call } = core(() => 'hang');
  t.after(() => state.close());
  const first = call('/tight');
  const second = call('/tight');
  await run(clock, 200);
  assert.equal(((await second).error as MeshError).code, 'SIDELET_UPSTREAM_OVERFLOW');
  await first;
  assert.ok(events.includes('overflow tight requests'), events.join('; '));

  const ok = core(() => ({ after: 1, status: 200 }));
  t.after(() => ok.state.close());
  const admitted = ok.call('/limited');
  await run(ok.clock, 20);
  await admitted;
  const refused = await ok.call('/limited', { 'x-priority': '4' });
  assert.equal((refused.error as MeshError).code, 'SIDELET_RATE_LIMITED');
  assert.equal((await ok.call('/x', {}, 'ratings:80')).error instanceof MeshError, true);
  assert.deepEqual(ok.events.slice(2), ['rateLimited reviews 4', 'noRoute']);
});

test('outlier detection ejecting a host after consecutive 5xx is reported with its kind', async (t) => {
  const { events, clock, state, call } = core((request) => ({ after: 1, status: request.endpoint.port === 9001 ? 503 : 200 }));
  t.after(() => state.close());
  for (let i = 0; i < 6 && !events.some((e) => e.startsWith('ejected')); i++) {
    const pending = call('/items');
    await run(clock, 200);
    await pending;
  }
  assert.deepEqual(events.filter((e) => e.startsWith('ejected')), ['ejected reviews CONSECUTIVE_5XX']);
});
