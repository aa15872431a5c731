// Active health checks steer real traffic in inline mode: a host failing its HTTP health check
// leaves the balancer, and takes traffic again once it passes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMesh } from '../../src/api/mesh.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';

async function server(name: string, healthy: () => boolean, onCheck: () => void) {
  const s = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.statusCode = healthy() ? 200 : 503;
      res.end();
      onCheck();
      return;
    }
    res.end(name);
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { s, port: (s.address() as AddressInfo).port };
}

test('a host failing its health check gets no traffic until it passes again', async (t) => {
  let aHealthy = false;
  let aChecks = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const a = await server('a', () => aHealthy, () => {
    aChecks++;
    for (const w of waiters.splice(0)) (aChecks >= w.count ? w.resolve : () => waiters.push(w))();
  });
  const b = await server('b', () => true, () => {});
  /** Resolves once host a has answered `n` more health checks: each later check began after the earlier result was applied. */
  const checksOnA = (n: number) => new Promise<void>((resolve) => waiters.push({ count: aChecks + n, resolve }));
  const healthCheck = { timeout: '1s', interval: '0.02s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/healthz' } };
  const mesh = await createMesh({
    mode: 'inline',
    bootstrap: meshBootstrap('svc:80', ['svc'], [{ match: { prefix: '/' }, route: { cluster: 'svc' } }], [localCluster('svc', [a.port, b.port], { health_checks: [healthCheck] })]),
  });
  t.after(async () => {
    await mesh.close();
    a.s.close();
    b.s.close();
  });
  const servedBy = async (n: number) => {
    const names = new Set<string>();
    for (let i = 0; i < n; i++) names.add(await (await mesh.fetch('http://svc/')).text());
    return [...names].sort();
  };

  await checksOnA(2);
  assert.deepEqual(await servedBy(20), ['b'], 'a fails /healthz: only b serves');
  aHealthy = true;
  await checksOnA(2);
  assert.deepEqual(await servedBy(20), ['a', 'b'], 'a passes again: both serve');
});
