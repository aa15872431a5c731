// Worker mode on real node:http upstreams: bodies both ways across threads, a killed data-plane
// worker failing its call with a retriable error (and failOpen sending it direct instead), and a
// rate limit that holds for the process across four workers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { createMesh, type Mesh } from '../../src/api/mesh.ts';
import { MeshError } from '../../src/core/errors.ts';
import { HCM_TYPE, localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';
import { startUpstream, type Upstream } from '../e2e/fixtures/upstream.ts';

test('worker mode: bodies stream both ways across threads', async (t) => {
  // Bodies here are ASCII bytes, which the fixture's string body keeps as they are.
  const echo = await startUpstream('echo', 'http1', (req, reply) => reply.send(200, req.path === '/big' ? '\x07'.repeat(3_000_000) : req.body));
  const mesh = await createMesh({ mode: 'worker', bootstrap: meshBootstrap('svc:80', ['svc'], [{ match: { prefix: '/' }, route: { cluster: 'svc' } }], [localCluster('svc', [echo.port])]) });
  t.after(async () => {
    await mesh.close();
    await echo.close();
  });
  assert.equal(mesh.mode, 'worker');

  const small = await mesh.fetch('http://svc/echo', { method: 'POST', body: 'hello' });
  assert.equal(await small.text(), 'hello');

  const big = Buffer.from(await (await mesh.fetch('http://svc/big')).arrayBuffer());
  assert.equal(big.length, 3_000_000);
  assert.ok(big.every((b) => b === 7));

  const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(32 * 1024, i));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
  const echoed = Buffer.from(await (await mesh.fetch('http://svc/echo', { method: 'POST', body: stream, duplex: 'half' } as RequestInit)).arrayBuffer());
  assert.equal(echoed.length, 64 * 32 * 1024);
  assert.equal(echoed[echoed.length - 1], 63);
});

async function slowMesh(failOpen: boolean, t: test.TestContext): Promise<{ mesh: Mesh; direct: Upstream; slow: Upstream }> {
  const slow = await startUpstream('slow', 'http1', () => {});
  const direct = await startUpstream('direct');
  // Calls to the direct server's authority are routed by the mesh to the slow one.
  const name = `127.0.0.1:${direct.port}`;
  const mesh = await createMesh({ mode: 'worker', workers: 1, failOpen, bootstrap: meshBootstrap(name, ['*'], [{ match: { prefix: '/' }, route: { cluster: 'slow' } }], [localCluster('slow', [slow.port])]) });
  t.after(async () => {
    await mesh.close({ deadlineMs: 100 });
    await slow.close();
    await direct.close();
  });
  return { mesh, direct, slow };
}

test('worker mode: a killed worker fails its call with a retriable error, and a new one serves the next', async (t) => {
  const { mesh, direct, slow } = await slowMesh(false, t);
  const call = mesh.fetch(`http://127.0.0.1:${direct.port}/hang`);
  await slow.waitForCount(1);
  const [worker] = mesh.threads()!.dataPlane;
  await worker!.terminate();
  await assert.rejects(call, (error: unknown) => error instanceof MeshError && error.code === 'SIDELET_RUNTIME_FAILURE' && error.retriable);
  // The replacement worker serves calls (here one that fails fast: no route).
  await assert.rejects(mesh.fetch('http://elsewhere/x'), (error: unknown) => error instanceof MeshError && error.code === 'SIDELET_NO_ROUTE');
  assert.equal(direct.count(), 0);
});

test('worker mode with failOpen: the call of a killed worker goes direct to its authority', async (t) => {
  const { mesh, direct, slow } = await slowMesh(true, t);
  const call = mesh.fetch(`http://127.0.0.1:${direct.port}/hang`);
  await slow.waitForCount(1);
  await mesh.threads()!.dataPlane[0]!.terminate();
  const response = await call;
  assert.equal(await response.text(), 'direct');
  assert.equal(direct.count(), 1);
});

test('worker mode: a 100 rps limit admits 100 ± 10 per second in total across 4 workers', async (t) => {
  const ok = await startUpstream('ok');
  const rateLimit = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    stat_prefix: 'rl',
    token_bucket: { max_tokens: 100, tokens_per_fill: 5, fill_interval: '0.05s' },
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'rl_enabled' },
    filter_enforced: { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'rl_enforced' },
  };
  const bootstrap = {
    static_resources: {
      listeners: [
        {
          name: 'svc:80',
          api_listener: {
            api_listener: {
              '@type': HCM_TYPE,
              route_config: { name: 'svc', virtual_hosts: [{ name: 'svc', domains: ['svc'], routes: [{ match: { prefix: '/' }, route: { cluster: 'svc' }, typed_per_filter_config: { 'envoy.filters.http.local_ratelimit': rateLimit } }] }] },
              http_filters: [{ name: 'envoy.filters.http.local_ratelimit', typed_config: rateLimit }, { name: 'envoy.filters.http.router' }],
            },
          },
        },
      ],
      clusters: [localCluster('svc', [ok.port])],
    },
  };
  const mesh = await createMesh({ mode: 'worker', workers: 4, bootstrap });
  t.after(async () => {
    await mesh.close();
    await ok.close();
  });
  assert.equal(mesh.threads()!.dataPlane.length, 4);
  // Warm every worker's route state, then let the bucket refill.
  await Promise.all(Array.from({ length: 8 }, () => mesh.fetch('http://svc/x', { mesh: { errorsAsResponses: true } }).then((r) => r.arrayBuffer())));
  await new Promise((resolve) => setTimeout(resolve, 300));

  // 400 calls a second for 4 s, each answered 200 or refused 429 at once (no queueing configured).
  // The bucket holds a second's worth, so a stall of the test's own thread loses no tokens: all
  // calls admitted are the full bucket it started with plus the rate over the run.
  let admitted = 0;
  let limited = 0;
  const calls: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < 1600; i++) {
    const wait = started + i * 2.5 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    calls.push(
      mesh.fetch('http://svc/x', { mesh: { errorsAsResponses: true } }).then(async (response) => {
        await response.arrayBuffer();
        if (response.status === 200) admitted++;
        else if (response.status === 429) limited++;
      }),
    );
  }
  const sent = performance.now() - started;
  await Promise.all(calls);
  assert.equal(admitted + limited, 1600);
  const perSecond = (admitted - 100) / (sent / 1000);
  assert.ok(Math.abs(perSecond - 100) <= 10, `admitted ${perSecond.toFixed(1)} per second beyond the initial bucket (${admitted} in all over ${(sent / 1000).toFixed(2)} s)`);
});

test('worker mode: an app that awaits close() at its end exits by itself, code 0', async () => {
  const mesh = new URL('../../src/api/mesh.ts', import.meta.url).href;
  const app = `import { createMesh } from ${JSON.stringify(mesh)};
const m = await createMesh({ mode: 'worker', bootstrap: { static_resources: {} } });
await m.close();
console.log('closed');`;
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', app], { encoding: 'utf8', timeout: 60_000 }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'closed\n');
});
