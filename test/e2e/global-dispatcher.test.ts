// End to end through setGlobalDispatcher(mesh.dispatcher()) and Node's global fetch: header
// routing to an h2c cluster, a 503 retried, a fault abort, a rate-limit refusal as fetch's
// TypeError with the MeshError as cause, and an AbortSignal cancelling the upstream request;
// undici.request passes per-call mesh options through the same dispatcher.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Dispatcher, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici';
import { type Mesh, MeshError } from '../../src/api/index.ts';
import { clusterOf, faultFilter, percent, SERVICE_URL, serviceBootstrap, sideletRateLimit } from './fixtures/bootstraps.ts';
import { openMesh } from './fixtures/mesh.ts';
import { closeAll, startUpstream, type Upstream } from './fixtures/upstream.ts';
import { until, within } from './fixtures/wait.ts';
import { MODES } from './modes.ts';

for (const mode of MODES) {
  describe(`global fetch through setGlobalDispatcher (${mode})`, () => {
    let failNext = 0;
    let a: Upstream;
    let b: Upstream;
    let v2: Upstream;
    let mesh: Mesh;
    let previous: Dispatcher | undefined;

    before(async () => {
      // /hold is held until the caller goes away; a 503 is served while failNext counts down.
      const handler = (name: string) =>
        startUpstream(name, 'http1', (req, reply) => {
          if (req.path.startsWith('/hold')) return;
          if (failNext > 0) {
            failNext--;
            return reply.send(503, 'try again');
          }
          reply.send(200, `${name} ${req.method} ${req.body}`);
        });
      [a, b] = [await handler('a'), await handler('b')];
      v2 = await startUpstream('v2', 'h2c');
      mesh = await openMesh(
        mode,
        serviceBootstrap(
          [
            { match: { prefix: '/', headers: [{ name: 'x-version', string_match: { exact: 'v2' } }] }, route: { cluster: 'v2' } },
            { match: { prefix: '/fault' }, route: { cluster: 'pair' }, typed_per_filter_config: faultFilter({ abort: { http_status: 503, percentage: percent(100) } }) },
            { match: { prefix: '/limited' }, route: { cluster: 'pair' }, typed_per_filter_config: sideletRateLimit({ token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' } }) },
            { match: { prefix: '/' }, route: { cluster: 'pair', retry_policy: { retry_on: '5xx', num_retries: 2 } } },
          ],
          [clusterOf('pair', [a, b]), clusterOf('v2', [v2])],
        ),
      );
      previous = getGlobalDispatcher();
      setGlobalDispatcher(mesh.dispatcher());
    });
    after(async () => {
      if (previous !== undefined) setGlobalDispatcher(previous);
      await mesh?.close();
      await closeAll([a, b, v2]);
    });

    it('routes by header, here to an h2c cluster', async () => {
      const res = await fetch(`${SERVICE_URL}/api`, { headers: { 'x-version': 'v2' } });
      assert.deepEqual([res.status, res.headers.get('x-served-by'), await res.text()], [200, 'v2', 'v2']);
      assert.equal(v2.requests.at(-1)?.httpVersion, '2.0');
    });

    it('retries a 503, body and all', async () => {
      failNext = 1;
      const res = await fetch(`${SERVICE_URL}/orders`, { method: 'POST', body: 'order 9' });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^[ab] POST order 9$/);
      assert.equal(failNext, 0, 'the first attempt got the 503');
      assert.equal(a.count('/orders') + b.count('/orders'), 2);
    });

    it('answers a fault abort from the mesh', async () => {
      const res = await fetch(`${SERVICE_URL}/fault`);
      assert.deepEqual([res.status, res.headers.get('x-sidelet-response-flags')], [503, 'FI']);
      await res.text();
      assert.equal(a.count('/fault') + b.count('/fault'), 0);
    });

    it('rejects a rate-limited call as fetch does, with the MeshError as its cause', async () => {
      assert.equal((await fetch(`${SERVICE_URL}/limited`)).status, 200);
      const refused = await fetch(`${SERVICE_URL}/limited`).then(
        () => assert.fail('expected the call to be refused'),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof TypeError);
      assert.ok(refused.cause instanceof MeshError && refused.cause.code === 'SIDELET_RATE_LIMITED', String(refused.cause));
      assert.equal(a.count('/limited') + b.count('/limited'), 1);
    });

    it('cancels the upstream request when the signal aborts', async () => {
      const controller = new AbortController();
      const pending = fetch(`${SERVICE_URL}/hold`, { signal: controller.signal });
      await until(() => a.count('/hold') + b.count('/hold') === 1, 'the upstream to see the request');
      controller.abort(new Error('gave up'));
      await assert.rejects(within(pending, 'the fetch to reject'), { message: 'gave up' });
      await until(() => [...a.requests, ...b.requests].filter((r) => r.path === '/hold').every((r) => r.aborted), 'the upstream to see it cancelled');
    });

    it('passes per-call mesh options from undici.request', async () => {
      failNext = 1;
      const res = await request(`${SERVICE_URL}/no-retry`, { mesh: { retry: 'off' } } as Parameters<typeof request>[1]);
      assert.equal(res.statusCode, 503, 'retries turned off for this call: the 503 passes through');
      await res.body.text();
    });
  });
}
