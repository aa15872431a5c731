// The attempt loop (runAttempts) over the HTTP transport and real node:http / h2c servers: the
// core's policies driving real connections, retries landing on another server.
import assert from 'node:assert/strict';
import test from 'node:test';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { type CallPlan, runAttempts } from '../../../src/core/call/attempt-loop.ts';
import { providerTimeouts } from '../../../src/core/call/call-plan.ts';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import { systemClock } from '../../../src/core/clock.ts';
import type { Cluster } from '../../../src/core/model/cluster.ts';
import type { Endpoint } from '../../../src/core/model/endpoint.ts';
import { NO_RETRY_POLICY } from '../../../src/core/model/policy-retry.ts';
import { resolveTimeouts } from '../../../src/core/policy/timeout-resolve.ts';
import { HttpTransport, type RequestBody } from '../../../src/protocols/http/http-transport.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { assignmentOf, h2cUpstream, httpCluster, httpUpstream, readRequest, readText } from './servers.ts';

interface Call {
  readonly method?: string;
  readonly retry?: object;
  readonly body?: RequestBody;
}

function call(transport: HttpTransport, cluster: Cluster, hosts: readonly Endpoint[], options: Call = {}) {
  const random = seededRandom(11);
  const assignment = assignmentOf(hosts);
  transport.setCluster(cluster, assignment);
  const services = new ClusterServices(cluster, assignment, { clock: systemClock, random });
  const retry = options.retry === undefined ? NO_RETRY_POLICY : decodeRetryPolicy(options.retry, ['retry_policy'], { strict: true });
  const plan: CallPlan = {
    method: options.method ?? 'GET',
    path: '/items',
    authority: 'svc.test',
    headers: new Map([['x-request-id', 'r1']]),
    retry,
    hedge: undefined,
    backups: undefined,
    timeouts: resolveTimeouts({ provider: providerTimeouts(undefined, retry) }),
    bodyReplayable: true,
    requestRetriable: true,
  };
  return runAttempts(plan, { clock: systemClock, random, wallNow: Date.now, transport: transport.withBody(options.body), cluster: services });
}

test('runAttempts: a GET and a POST with a body through the HTTP/1.1 transport', async () => {
  const upstream = await httpUpstream((req, res) => {
    void readRequest(req).then((text) => res.end(`${req.method} ${req.url} ${req.headers['x-envoy-attempt-count'] ?? '-'} [${text}]`));
  });
  const transport = new HttpTransport();
  try {
    const cluster = httpCluster('svc');
    const get = await call(transport, cluster, [upstream.endpoint]);
    assert.equal(get.response.status, 200);
    assert.equal(await readText(get.response.body), 'GET /items - []');
    const post = await call(transport, cluster, [upstream.endpoint], { method: 'POST', body: '{"n":1}' });
    assert.equal(await readText(post.response.body), 'POST /items - [{"n":1}]');
    assert.equal(post.attempts, 1);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('runAttempts: retry_on 5xx with previous_hosts resends the body to the second server after a 503', async () => {
  let served = 0;
  const hits: string[] = [];
  const answer = (name: string) => async (req: AsyncIterable<Buffer> & { method?: string }, res: { statusCode: number; end(text: string): void }) => {
    const text = await readRequest(req);
    hits.push(`${name}:${text}`);
    res.statusCode = served++ === 0 ? 503 : 200;
    res.end(name);
  };
  const a = await httpUpstream((req, res) => void answer('a')(req, res));
  const b = await httpUpstream((req, res) => void answer('b')(req, res));
  const transport = new HttpTransport();
  try {
    const result = await call(transport, httpCluster('svc'), [a.endpoint, b.endpoint], {
      method: 'POST',
      body: 'payload',
      retry: { retry_on: '5xx', num_retries: 1, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], retry_back_off: { base_interval: '0.001s' } },
    });
    assert.equal(result.response.status, 200);
    assert.equal(result.attempts, 2);
    assert.equal(result.winner, 'retry');
    const winner = await readText(result.response.body);
    assert.equal(hits.length, 2);
    assert.notEqual(hits[0]!.split(':')[0], winner, 'the retry went to the other server');
    assert.deepEqual(hits.map((h) => h.split(':')[1]), ['payload', 'payload']);
    assert.equal(result.endpoint.id, winner === 'a' ? a.endpoint.id : b.endpoint.id);
  } finally {
    await transport.close();
    await a.close();
    await b.close();
  }
});

test('runAttempts: a refused connection fails the call with SIDELET_CONNECT_FAILURE; with retries it moves to a live server', async () => {
  const live = await httpUpstream((_req, res) => res.end('live'));
  const dead = await httpUpstream(() => {});
  await dead.close();
  const transport = new HttpTransport();
  try {
    await assert.rejects(call(transport, httpCluster('dead'), [dead.endpoint]), { code: 'SIDELET_CONNECT_FAILURE' });
    const retried = await call(transport, httpCluster('mixed'), [live.endpoint, dead.endpoint], {
      retry: { retry_on: 'connect-failure', num_retries: 1, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], retry_back_off: { base_interval: '0.001s' } },
    });
    assert.equal(await readText(retried.response.body), 'live');
    assert.equal(retried.endpoint.id, live.endpoint.id);
    assert.equal(retried.attempts, 2, 'the first pick (seeded) is the dead host');
  } finally {
    await transport.close();
    await live.close();
  }
});

test('runAttempts over h2c: a gRPC-shaped POST reaches a node:http2 server', async () => {
  const upstream = await h2cUpstream((stream, headers) => {
    void readRequest(stream).then((text) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: false });
      stream.end(`${headers[':path']} ${text}`);
    });
  });
  const transport = new HttpTransport();
  try {
    const result = await call(transport, httpCluster('grpc', { http2: true }), [upstream.endpoint], { method: 'POST', body: new Uint8Array([104, 105]) });
    assert.equal(result.response.status, 200);
    assert.equal(result.response.grpcStatus, 0);
    assert.equal(await readText(result.response.body), '/items hi');
  } finally {
    await transport.close();
    await upstream.close();
  }
});
