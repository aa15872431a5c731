// mesh.fetch() in inline mode against real node:http upstreams on 127.0.0.1: header routing,
// retries on 503 onto another host, request bodies, typed failures and their response form,
// and AbortSignal reaching the upstream.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { createMesh } from '../../src/api/mesh.ts';
import { MeshError } from '../../src/core/errors.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function upstream(name: string, handler: Handler): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      res.setHeader('x-served-by', name);
      handler(req, res, Buffer.concat(chunks).toString());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, hits };
}

function bootstrap(v1: number[], v2: number) {
  return meshBootstrap(
    'reviews:80',
    ['reviews'],
    [
      { match: { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'qunar' } }] }, route: { cluster: 'reviews-v2' } },
      { match: { prefix: '/' }, route: { cluster: 'reviews', timeout: '5s', retry_policy: { retry_on: '5xx', num_retries: 2 } } },
    ],
    [localCluster('reviews', v1, { connect_timeout: '1s' }), localCluster('reviews-v2', [v2])],
  );
}

test('inline mesh.fetch over real upstreams', async (t) => {
  let failNext = 0;
  const a = await upstream('a', (_req, res, body) => {
    if (failNext > 0) {
      failNext--;
      res.statusCode = 503;
      return res.end('try again');
    }
    res.end(`a:${body}`);
  });
  const b = await upstream('b', (_req, res, body) => res.end(`b:${body}`));
  const slowClosed: Promise<unknown>[] = [];
  const v2 = await upstream('v2', (req, res) => {
    if (req.url === '/slow') {
      slowClosed.push(once(res, 'close'));
      return;
    }
    res.end('v2');
  });
  const mesh = await createMesh({ mode: 'inline', bootstrap: bootstrap([a.port, b.port], v2.port) });
  t.after(async () => {
    await mesh.close();
    for (const s of [a, b, v2]) s.server.close();
  });

  await t.test('a header picks the route and cluster', async () => {
    const res = await mesh.fetch('http://reviews/api', { headers: { 'x-user': 'qunar' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'v2');
    assert.equal(res.headers.get('x-served-by'), 'v2');
  });

  await t.test('a POST body reaches the upstream, and a 503 is retried onto the other host', async () => {
    failNext = 1;
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await mesh.fetch('http://reviews/echo', { method: 'POST', body: `n${i}` });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, new RegExp(`^[ab]:n${i}$`));
      served.add(res.headers.get('x-served-by')!);
    }
    assert.equal(failNext, 0, 'the 503 was served');
    assert.ok(a.hits.filter((h) => h === 'POST /echo').length + b.hits.filter((h) => h === 'POST /echo').length === 5, 'four calls, one retried');
    assert.deepEqual([...served].sort(), ['a', 'b']);
  });

  await t.test('mesh failures are typed errors, or Envoy-style responses on request', async () => {
    await assert.rejects(mesh.fetch('http://ratings/'), (e: unknown) => e instanceof MeshError && e.code === 'SIDELET_NO_ROUTE');
    const res = await mesh.fetch('http://ratings/', { mesh: { errorsAsResponses: true } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-sidelet-response-flags'), 'NR');
    await res.text();
  });

  await t.test('close() waits for calls in flight up to its deadline, then aborts them', async () => {
    const closing = await createMesh({ mode: 'inline', bootstrap: bootstrap([a.port], v2.port) });
    const before = slowClosed.length;
    const pending = closing.fetch('http://reviews/slow', { headers: { 'x-user': 'qunar' } });
    while (slowClosed.length === before) await new Promise((r) => setImmediate(r));
    await closing.close({ deadlineMs: 50 });
    await assert.rejects(pending);
    await slowClosed[before];
    await assert.rejects(closing.fetch('http://reviews/'), (e: unknown) => e instanceof MeshError && /closed/.test(e.message));
  });

  await t.test('an AbortSignal cancels the upstream request', async () => {
    const controller = new AbortController();
    const before = slowClosed.length;
    const pending = mesh.fetch('http://reviews/slow', { headers: { 'x-user': 'qunar' }, signal: controller.signal });
    while (slowClosed.length === before) await new Promise((r) => setImmediate(r));
    controller.abort(new Error('gave up'));
    await assert.rejects(pending, { message: 'gave up' });
    await slowClosed.at(-1);
  });
});
