// Idle timeouts enforced on real connections: the attempt loop over the HTTP transport against
// node:http and h2c upstreams that stall before the head, after it, or trickle bytes. Timers are
// real, with idle timeouts of 150-300 ms and upstream events awaited, never slept on.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeRetryPolicy } from '../../../src/config/decode-retry-policy.ts';
import { type CallResult, runAttempts } from '../../../src/core/call/attempt-loop.ts';
import { providerTimeouts } from '../../../src/core/call/call-plan.ts';
import { ClusterServices } from '../../../src/core/call/cluster-services.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { MeshError } from '../../../src/core/errors.ts';
import type { Cluster } from '../../../src/core/model/cluster.ts';
import type { Endpoint } from '../../../src/core/model/endpoint.ts';
import { NO_RETRY_POLICY } from '../../../src/core/model/policy-retry.ts';
import { resolveTimeouts, type TimeoutSettings } from '../../../src/core/policy/timeout-resolve.ts';
import { HttpTransport, type RequestBody } from '../../../src/protocols/http/http-transport.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { assignmentOf, deferred, h2cUpstream, httpCluster, httpUpstream, readRequest, readText } from './servers.ts';

interface Call {
  readonly timeouts: TimeoutSettings;
  readonly retry?: object;
  readonly body?: RequestBody;
}

function call(transport: HttpTransport, cluster: Cluster, hosts: readonly Endpoint[], options: Call): Promise<CallResult> {
  const random = seededRandom(5);
  const assignment = assignmentOf(hosts);
  transport.setCluster(cluster, assignment);
  const services = new ClusterServices(cluster, assignment, { clock: systemClock, random });
  const retry = options.retry === undefined ? NO_RETRY_POLICY : decodeRetryPolicy(options.retry, ['retry_policy'], { strict: true });
  const streamed = options.body instanceof Readable;
  return runAttempts(
    {
      method: options.body === undefined ? 'GET' : 'POST',
      path: '/idle',
      authority: 'svc.test',
      headers: new Map(),
      retry,
      hedge: undefined,
      backups: undefined,
      timeouts: resolveTimeouts({ provider: { ...providerTimeouts(undefined, retry), ...options.timeouts } }),
      bodyReplayable: !streamed,
      requestRetriable: true,
    },
    { clock: systemClock, random, wallNow: Date.now, transport: transport.withBody(options.body), cluster: services },
  );
}

/** Rejects with what reading the body to its end rejects with. */
async function bodyError(body: unknown): Promise<unknown> {
  try {
    await readText(body);
  } catch (error) {
    return error;
  }
  return undefined;
}

test('idle_timeout before the head: an upstream that never answers is reset, and the call fails with SIDELET_TIMEOUT (504)', async () => {
  const aborted = deferred();
  const upstream = await httpUpstream((req) => req.once('close', () => aborted.resolve()));
  const transport = new HttpTransport();
  try {
    const started = performance.now();
    const error = await call(transport, httpCluster('svc'), [upstream.endpoint], { timeouts: { timeoutMs: 0, idleTimeoutMs: 150 }, retry: { retry_on: 'reset', num_retries: 2 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof MeshError && error.code === 'SIDELET_TIMEOUT' && error.status === 504, String(error));
    assert.match(error.message, /idle timeout of 150 ms/);
    assert.ok(performance.now() - started >= 140, 'not before the idle time');
    await aborted.promise;
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('idle_timeout after the head: a body that stalls fails with SIDELET_TIMEOUT and the connection is closed', async () => {
  const closed = deferred();
  const upstream = await httpUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first part ');
    res.once('close', () => closed.resolve());
  });
  const transport = new HttpTransport();
  try {
    const result = await call(transport, httpCluster('svc'), [upstream.endpoint], { timeouts: { timeoutMs: 0, idleTimeoutMs: 200 } });
    assert.equal(result.response.status, 200);
    const error = await bodyError(result.response.body);
    assert.ok(error instanceof MeshError && error.code === 'SIDELET_TIMEOUT', String(error));
    assert.match(error.message, /idle timeout of 200 ms reached while receiving the response body/);
    await closed.promise;
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('idle_timeout after the head over h2c: the stalled stream is reset, the connection stays', async () => {
  const reset = deferred<number>();
  const upstream = await h2cUpstream((stream) => {
    stream.respond({ ':status': 200 });
    stream.write('first part ');
    stream.once('close', () => reset.resolve(stream.rstCode));
  });
  const transport = new HttpTransport();
  try {
    const result = await call(transport, httpCluster('svc', { http2: true }), [upstream.endpoint], { timeouts: { idleTimeoutMs: 200 } });
    const error = await bodyError(result.response.body);
    assert.ok(error instanceof MeshError && error.code === 'SIDELET_TIMEOUT', String(error));
    await reset.promise;
    assert.equal(upstream.openConnections(), 1);
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('a body that trickles in faster than idle_timeout is read in full', async () => {
  const upstream = await httpUpstream((_req, res) => void trickle(res, 10, 30));
  const transport = new HttpTransport();
  try {
    const result = await call(transport, httpCluster('svc'), [upstream.endpoint], { timeouts: { timeoutMs: 0, idleTimeoutMs: 300 } });
    assert.equal(await readText(result.response.body), '0123456789');
  } finally {
    await transport.close();
    await upstream.close();
  }
});

test('per_try_idle_timeout: the attempt that stalls before the head is cancelled and the retry answers', async () => {
  let requests = 0;
  const firstAborted = deferred();
  const handler = (req: { once(event: 'close', fn: () => void): unknown }, res: ServerResponse): void => {
    if (++requests === 1) {
      req.once('close', () => firstAborted.resolve());
      return;
    }
    res.end('second');
  };
  const a = await httpUpstream(handler);
  const b = await httpUpstream(handler);
  const transport = new HttpTransport();
  try {
    const result = await call(transport, httpCluster('svc'), [a.endpoint, b.endpoint], {
      timeouts: { timeoutMs: 10_000, perTryIdleTimeoutMs: 200 },
      retry: { retry_on: 'reset', num_retries: 1, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }] },
    });
    assert.equal(result.winner, 'retry');
    assert.equal(await readText(result.response.body), 'second');
    await firstAborted.promise;
  } finally {
    await transport.close();
    await a.close();
    await b.close();
  }
});

test('a streamed request body counts as progress: steady upload longer than per_try_idle_timeout goes through', async () => {
  // An upload cut short (the timeout this test must not see) rejects the read; the call reports it.
  const upstream = await httpUpstream((req, res) => void readRequest(req).then((text) => res.end(`got ${text.length}`), () => {}));
  const transport = new HttpTransport();
  try {
    const body = Readable.from(chunks(20, 30));
    const result = await call(transport, httpCluster('svc'), [upstream.endpoint], { timeouts: { timeoutMs: 0, perTryIdleTimeoutMs: 250, idleTimeoutMs: 250 }, body });
    assert.equal(await readText(result.response.body), 'got 20');
  } finally {
    await transport.close();
    await upstream.close();
  }
});

/** Writes `count` one-digit chunks `everyMs` apart, then ends. */
async function trickle(res: ServerResponse, count: number, everyMs: number): Promise<void> {
  res.writeHead(200);
  for (let i = 0; i < count; i++) {
    res.write(String(i));
    await sleep(everyMs);
  }
  res.end();
}

async function* chunks(count: number, everyMs: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    yield Buffer.from('x');
    await sleep(everyMs);
  }
}
